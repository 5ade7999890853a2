package index

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"

	bo "github.com/dgraph-io/badger/v4/options"
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

// Tables an earlier release wrote compressed with Snappy stay readable
// once the index writes uncompressed ones, before and after a compaction
// merges both.
func TestReadsTablesCompressedByEarlierReleases(t *testing.T) {
	dir := t.TempDir()
	old, err := open(options(dir, Options{}).WithCompression(bo.Snappy), true)
	if err != nil {
		t.Fatal(err)
	}
	old.stopGC, old.stopCount = make(chan struct{}), make(chan struct{})
	want := map[string]string{}
	for i := range 200 {
		v := ver(fmt.Sprintf("k%03d", i), "v1")
		v.Metadata = map[string]string{"X-Amz-Meta-I": fmt.Sprint(i)}
		record(t, old, "bkt", v)
		want[v.Key] = v.Metadata["X-Amz-Meta-I"]
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	if tables, _ := filepath.Glob(filepath.Join(dir, "*.sst")); len(tables) == 0 {
		t.Fatal("closing wrote no table")
	}
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	check := func(when string) {
		t.Helper()
		for k, i := range want {
			if v, err := d.GetVersion("bkt", k, "v1"); err != nil || v.Metadata["X-Amz-Meta-I"] != i {
				t.Fatalf("%s: version of %s = %+v, %v", when, k, v, err)
			}
		}
	}
	check("reopened")
	for i := range 200 {
		v := ver(fmt.Sprintf("n%03d", i), "v1")
		v.Metadata = map[string]string{"X-Amz-Meta-I": fmt.Sprint(i)}
		record(t, d, "bkt", v)
		want[v.Key] = v.Metadata["X-Amz-Meta-I"]
	}
	if err := d.db.Flatten(1); err != nil {
		t.Fatal(err)
	}
	check("compacted")
}
