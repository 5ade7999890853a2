package index

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"
)

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.CreateLocation(Location{Name: "ring", Endpoint: "http://127.0.0.1:9000"}); err != nil {
		t.Fatal(err)
	}
	if err := d.CreateBucket(Bucket{Name: "bkt", Location: "ring"}); err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{"Content-Type": "text/plain"}
	v := ver("k", "v2")
	v.Metadata = meta
	record(t, d, "bkt", ver("k", "v1"), v, ver("gone", "v1"), marker("gone", "dm"))
	if err := d.PutIngestState("bkt", IngestState{InitialSyncDone: true}); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	d, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	checkStats(t, d, Stats{Buckets: 1, Objects: 1, Versions: 4})
	if _, err := d.GetLocation("ring"); err != nil {
		t.Error(err)
	}
	if got := fmt.Sprint(keyVersionIDs(t, d, "bkt", "k")); got != "[k@v2* k@v1]" {
		t.Errorf("versions after reopen = %s", got)
	}
	if l, err := d.Latest("bkt", "k"); err != nil || !maps.Equal(l.Metadata, meta) || !l.LastModified.Equal(t0) {
		t.Errorf("Latest after reopen = %+v, %v", l, err)
	}
	if l, err := d.Latest("bkt", "gone"); err != nil || !l.IsDeleteMarker {
		t.Errorf("Latest of a deleted key after reopen = %+v, %v", l, err)
	}
	r, err := d.ListObjects("bkt", ListParams{})
	if err != nil || fmt.Sprint(page(r)) != "[k]" {
		t.Errorf("ListObjects after reopen = %q, %v", page(r), err)
	}
	if s, err := d.GetIngestState("bkt"); err != nil || !s.InitialSyncDone {
		t.Errorf("ingest state after reopen = %+v, %v", s, err)
	}
}

// A memtable file left empty by a process killed at the wrong moment must
// not keep the index from opening, and must lose nothing that was written.
func TestOpenAfterTornMemtable(t *testing.T) {
	dir := t.TempDir()
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.RecordVersion("b", ver("k", "v1")); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "00099.mem"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err = Open(dir)
	if err != nil {
		t.Fatalf("open after a torn memtable: %v", err)
	}
	defer d.Close()
	if v, err := d.Latest("b", "k"); err != nil || v.VersionID != "v1" {
		t.Fatalf("Latest = %+v, %v; want v1", v, err)
	}
}
