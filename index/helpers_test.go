package index

import (
	"errors"
	"fmt"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// t0 is a fixed backend clock for test versions.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newDB(t *testing.T) *DB {
	t.Helper()
	d, err := OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// ver builds a version; its ETag and time derive from id so that equal ids
// give equal listing fields.
func ver(key, id string) Version {
	return Version{Key: key, VersionID: id, Size: int64(len(id)), ETag: `"` + id + `"`, LastModified: t0}
}

func marker(key, id string) Version {
	v := ver(key, id)
	v.IsDeleteMarker, v.Size, v.ETag = true, 0, ""
	return v
}

func record(t *testing.T, d *DB, bucket string, vs ...Version) {
	t.Helper()
	for _, v := range vs {
		if err := d.RecordVersion(bucket, v); err != nil {
			t.Fatal(err)
		}
	}
}

// ids renders versions as "key@id" ("key@id*" when latest, "key@id!" for a
// delete marker) for compact comparisons.
func ids(vs []Version) []string {
	out := []string{}
	for _, v := range vs {
		s := v.Key + "@" + v.VersionID
		if v.IsDeleteMarker {
			s += "!"
		}
		if v.IsLatest {
			s += "*"
		}
		out = append(out, s)
	}
	return out
}

func keyVersionIDs(t *testing.T, d *DB, bucket, key string) []string {
	t.Helper()
	vs, err := d.KeyVersions(bucket, key)
	if err != nil {
		t.Fatal(err)
	}
	return ids(vs)
}

// checkStats compares the kept counters with a full count of the database.
func checkStats(t *testing.T, d *DB, want Stats) {
	t.Helper()
	got, err := d.Stats()
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.countAll()
	if err != nil {
		t.Fatal(err)
	}
	counted := Stats{Buckets: int(c.buckets), Objects: c.objects, Versions: c.versions}
	if got != counted {
		t.Errorf("Stats() = %+v, but the database holds %+v", got, counted)
	}
	if got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}

// commitTS returns the commit timestamp of the entry at k, which changes
// on every write to it.
func commitTS(t *testing.T, d *DB, k []byte) uint64 {
	t.Helper()
	var ts uint64
	err := d.view(func(txn *badger.Txn) error {
		item, err := txn.Get(k)
		if err != nil {
			return err
		}
		ts = item.Version()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func wantNotFound(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

// bulkLoad writes n single-version keys to bucket directly, as a fast
// fixture for large buckets, and recounts the Stats counters.
func bulkLoad(t *testing.T, d *DB, bucket string, n int) {
	t.Helper()
	wb := d.db.NewWriteBatch()
	defer wb.Cancel()
	for i := range n {
		v := ver(fmt.Sprintf("k/%07d", i), "v1")
		raw, meta, err := encodeVersion(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := wb.SetEntry(badger.NewEntry(versionKey(bucket, v.Key, 1), raw).WithMeta(meta)); err != nil {
			t.Fatal(err)
		}
		if err := wb.SetEntry(badger.NewEntry(objectKey(bucket, v.Key), raw).WithMeta(meta)); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := d.count(); err != nil {
		t.Fatal(err)
	}
}
