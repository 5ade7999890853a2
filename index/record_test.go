package index

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// encodeJSONVersion stores a version as releases before the binary format
// did.
func encodeJSONVersion(v Version) ([]byte, byte, error) {
	v.IsLatest = false
	raw, err := json.Marshal(v)
	var meta byte
	if v.IsDeleteMarker {
		meta = metaDeleteMarker
	}
	return raw, meta, err
}

// sameVersion compares versions field by field, times by instant.
func sameVersion(a, b Version) bool {
	return a.Key == b.Key && a.VersionID == b.VersionID && a.IsDeleteMarker == b.IsDeleteMarker &&
		a.Size == b.Size && a.ETag == b.ETag && a.LastModified.Equal(b.LastModified) &&
		maps.Equal(a.Metadata, b.Metadata) && a.MetaPending == b.MetaPending && a.IndexedAt.Equal(b.IndexedAt) &&
		slices.Equal(a.Parts, b.Parts)
}

func TestRecordRoundTrip(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		v    Version
	}{
		{"zero", Version{}},
		{"object", Version{Key: "a/b.txt", VersionID: "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY", Size: 5 << 30,
			ETag: `"d41d8cd98f00b204e9800998ecf8427e-12"`, LastModified: time.Date(2026, 1, 2, 3, 4, 5, 123_000_000, time.UTC),
			IndexedAt: time.Date(2026, 1, 2, 3, 4, 6, 987_654_321, paris)}},
		{"delete marker", Version{Key: "gone", VersionID: NullVersion, IsDeleteMarker: true, LastModified: t0}},
		{"metadata", Version{Key: "k", VersionID: "v", ETag: `"e"`, Metadata: map[string]string{
			"Content-Type": "text/plain; charset=utf-8", "X-Amz-Meta-Empty": "", "X-Amz-Meta-Ünï": "日本\x00"}}},
		{"pending", Version{Key: "k", VersionID: "v", MetaPending: true, LastModified: t0}},
		{"odd key", Version{Key: "a&b<c>\x01\xff 😀", VersionID: "v\"'", Size: -1, LastModified: time.Unix(-1, 5).UTC()}},
		{"parts", Version{Key: "mp", VersionID: "v", ETag: `"e-3"`, Size: 10<<20 + 1, Parts: []int64{5 << 20, 5 << 20, 1},
			Metadata: map[string]string{"Content-Type": "text/plain"}}},
		{"parts, no metadata", Version{Key: "mp", VersionID: "v", Parts: []int64{0}}},
		{"before 1970", Version{Key: "old", LastModified: time.Date(1601, 1, 1, 0, 0, 0, 1, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.v
			v.IsLatest = true // not stored
			raw, meta, err := encodeVersion(v)
			if err != nil {
				t.Fatal(err)
			}
			if raw[0] != formatBinary || meta != userMeta(v) {
				t.Errorf("format %#x, meta %d", raw[0], meta)
			}
			got, err := decodeVersion(raw)
			if err != nil {
				t.Fatal(err)
			}
			if !sameVersion(got, tt.v) || got.IsLatest {
				t.Errorf("decoded %+v, want %+v", got, tt.v)
			}
			if got.LastModified.Location() != time.UTC || got.IndexedAt.Location() != time.UTC {
				t.Errorf("times not in UTC: %v, %v", got.LastModified, got.IndexedAt)
			}
			if tt.v.LastModified.IsZero() != got.LastModified.IsZero() {
				t.Errorf("LastModified %v, want %v", got.LastModified, tt.v.LastModified)
			}
			var l listing
			if _, err := l.decode(raw); err != nil {
				t.Fatal(err)
			}
			if string(l.versionID) != tt.v.VersionID || string(l.etag) != tt.v.ETag || l.size != tt.v.Size ||
				!l.lastModified.Equal(tt.v.LastModified) || l.deleteMarker != tt.v.IsDeleteMarker {
				t.Errorf("listing fields %+v, want those of %+v", l, tt.v)
			}
			// Rewrites compare encodings: equal versions must encode alike,
			// whatever the order a map is ranged in.
			for range 5 {
				again, _, _ := encodeVersion(v)
				if !bytes.Equal(again, raw) {
					t.Fatalf("encodings differ:\n%x\n%x", again, raw)
				}
			}
		})
	}
}

func TestDecodeMalformedRecord(t *testing.T) {
	v := Version{Key: "k", VersionID: "v", ETag: `"e"`, LastModified: t0, IndexedAt: t0,
		Metadata: map[string]string{"Content-Type": "text/plain"}, Parts: []int64{5 << 20, 7}}
	raw, _, err := encodeVersion(v)
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string][]byte{
		"empty":          {},
		"unknown format": append([]byte{0x02}, raw[1:]...),
		"trailing bytes": append(raw[:len(raw):len(raw)], 0),
		"huge length":    {formatBinary, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"bad JSON":       []byte(`{"k":`),
	}
	for n := 1; n < len(raw); n++ {
		bad[fmt.Sprintf("cut at %d", n)] = raw[:n]
	}
	for name, b := range bad {
		if got, err := decodeVersion(b); err == nil {
			t.Errorf("%s: decoded %+v", name, got)
		}
	}
}

// legacyRecords are O and V values exactly as the last release before the
// binary format wrote them (encoding/json of Version).
var legacyRecords = []struct {
	key  string
	seq  uint64
	meta byte
	raw  string
}{
	{"docs/a&b.txt", 1, 0, `{"k":"docs/a\u0026b.txt","v":"v1","s":3,"e":"\"e1\"","t":"2026-01-02T03:04:05Z","i":"2026-01-02T03:05:00.5+01:00"}`},
	{"docs/a&b.txt", 2, 0, `{"k":"docs/a\u0026b.txt","v":"v2","s":5,"e":"\"5d41402abc4b2a76b9719d911017c592\"","t":"2026-01-02T04:04:05.123Z","m":{"Content-Type":"text/plain","X-Amz-Meta-Owner":"ana"},"i":"2026-01-02T04:05:00Z"}`},
	{"gone", 1, 0, `{"k":"gone","v":"g1","s":1,"e":"\"g\"","t":"2026-01-03T00:00:00Z","p":true,"i":"2026-01-03T00:00:01Z"}`},
	{"gone", 2, metaDeleteMarker, `{"k":"gone","v":"dm","dm":true,"s":0,"e":"","t":"2026-01-04T00:00:00Z","i":"2026-01-04T00:00:01Z"}`},
	{"uni/日本 <x>", 1, 0, `{"k":"uni/日本 \u003cx\u003e","v":"null","s":0,"e":"\"d41d8cd98f00b204e9800998ecf8427e\"","t":"2026-01-05T00:00:00.001Z","i":"2026-01-05T00:00:01Z"}`},
}

// writeLegacyIndex writes bucket bkt with legacyRecords straight into a
// Badger directory, as the previous release left it on disk.
func writeLegacyIndex(t *testing.T, dir string) {
	t.Helper()
	bdb, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(txn *badger.Txn) error {
		if err := putJSON(txn, bucketKey("bkt"), Bucket{Name: "bkt", Location: "ring"}); err != nil {
			return err
		}
		latest := map[string]int{}
		for i, r := range legacyRecords {
			if err := setRaw(txn, versionKey("bkt", r.key, r.seq), []byte(r.raw), r.meta); err != nil {
				return err
			}
			latest[r.key] = i
		}
		for key, i := range latest {
			r := legacyRecords[i]
			if err := setRaw(txn, objectKey("bkt", key), []byte(r.raw), r.meta); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Close(); err != nil {
		t.Fatal(err)
	}
}

// An index written by the previous release, with JSON records, opens and
// answers as before; changes on top of it mix both formats under one key.
func TestPreviousReleaseIndex(t *testing.T) {
	dir := t.TempDir()
	writeLegacyIndex(t, dir)
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	r, err := d.ListObjects("bkt", ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(page(r)); got != "[docs/a&b.txt uni/日本 <x>]" {
		t.Errorf("ListObjects = %s", got)
	}
	o := r.Objects[0]
	if o.VersionID != "v2" || o.Size != 5 || o.ETag != `"5d41402abc4b2a76b9719d911017c592"` || !o.IsLatest ||
		!o.LastModified.Equal(time.Date(2026, 1, 2, 4, 4, 5, 123_000_000, time.UTC)) {
		t.Errorf("listed object %+v", o)
	}
	r, err = d.ListObjects("bkt", ListParams{Delimiter: "/", MaxKeys: 1})
	if err != nil || fmt.Sprint(page(r)) != "[cp:docs/]" || !r.IsTruncated || r.NextMarker != "docs/" {
		t.Errorf("ListObjects with a delimiter = %q, %+v, %v", page(r), r, err)
	}
	vr, err := d.ListVersions("bkt", VersionListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ids(vr.Versions)); got != "[docs/a&b.txt@v2* docs/a&b.txt@v1 gone@dm!* gone@g1 uni/日本 <x>@null*]" {
		t.Errorf("ListVersions = %s", got)
	}

	l, err := d.Latest("bkt", "docs/a&b.txt")
	if err != nil {
		t.Fatal(err)
	}
	wantMeta := map[string]string{"Content-Type": "text/plain", "X-Amz-Meta-Owner": "ana"}
	if !maps.Equal(l.Metadata, wantMeta) || !l.IndexedAt.Equal(time.Date(2026, 1, 2, 4, 5, 0, 0, time.UTC)) {
		t.Errorf("Latest = %+v", l)
	}
	if g, err := d.GetVersion("bkt", "gone", "g1"); err != nil || !g.MetaPending || g.IsLatest {
		t.Errorf("GetVersion of a pending version = %+v, %v", g, err)
	}

	// A new version over JSON ones, then its removal, which makes the
	// JSON v2 the latest again.
	v3 := ver("docs/a&b.txt", "v3")
	record(t, d, "bkt", v3)
	if got := fmt.Sprint(keyVersionIDs(t, d, "bkt", "docs/a&b.txt")); got != "[docs/a&b.txt@v3* docs/a&b.txt@v2 docs/a&b.txt@v1]" {
		t.Errorf("versions after a write = %s", got)
	}
	if err := d.RemoveVersion("bkt", "docs/a&b.txt", "v3"); err != nil {
		t.Fatal(err)
	}
	if l, err := d.Latest("bkt", "docs/a&b.txt"); err != nil || l.VersionID != "v2" || !maps.Equal(l.Metadata, wantMeta) {
		t.Errorf("Latest after removing the new version = %+v, %v", l, err)
	}
	if err := d.CompleteMetadata("bkt", "gone", "g1", map[string]string{"Content-Type": "a/b"}); err != nil {
		t.Fatal(err)
	}
	if g, err := d.GetVersion("bkt", "gone", "g1"); err != nil || g.MetaPending || g.Metadata["Content-Type"] != "a/b" {
		t.Errorf("GetVersion after CompleteMetadata = %+v, %v", g, err)
	}
	vr, err = d.ListVersions("bkt", VersionListParams{Prefix: "gone"})
	if err != nil || fmt.Sprint(ids(vr.Versions)) != "[gone@dm!* gone@g1]" {
		t.Errorf("ListVersions after CompleteMetadata = %s, %v", ids(vr.Versions), err)
	}
}
