package index

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
)

// abandon leaves d as a killed ringside would for the counters: Badger's
// files are closed, so the directory can be opened again, but ringside
// stores no counters, and the ones it took at open are gone. Copying a live
// directory instead would race Badger's flushes and compactions.
func abandon(t *testing.T, d *DB, dir string) string {
	t.Helper()
	if d.stopGC != nil {
		close(d.stopGC)
		<-d.gcDone
		d.stopGC = nil
	}
	close(d.stopCount)
	if d.countDone != nil {
		<-d.countDone
	}
	d.closeOnce.Do(func() { d.closeErr = d.db.Close() })
	if d.closeErr != nil {
		t.Fatal(d.closeErr)
	}
	return dir
}

// crashImage copies an open index's files as a process killed at this
// moment would leave them: what Badger wrote through its mmapped logs is
// in the page cache, and so in the copy, but nothing was flushed or closed.
func crashImage(t *testing.T, dir string) string {
	t.Helper()
	// Badger's background flushes and compactions delete files while we
	// copy; a killed process would have left a consistent set, so a copy
	// that lost a file is thrown away and taken again.
	for range 20 {
		out := t.TempDir()
		err := copyDir(dir, out)
		if err == nil {
			return out
		}
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	t.Fatalf("could not copy %s: its files kept changing", dir)
	return ""
}

// copyDir copies the files of dir, but Badger's lock file, into out. The
// manifest goes first: Badger lists a table in it only once the table is
// whole, so every table the copied manifest names is whole on disk, and
// tables written after it are unknown to it and dropped on open, as after
// a crash.
func copyDir(dir, out string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	sort.SliceStable(entries, func(i, j int) bool {
		return entries[i].Name() == "MANIFEST" && entries[j].Name() != "MANIFEST"
	})
	for _, e := range entries {
		if e.IsDir() || e.Name() == "LOCK" {
			continue
		}
		if err := copyFile(filepath.Join(dir, e.Name()), filepath.Join(out, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

func openDir(t *testing.T, dir string) *DB {
	t.Helper()
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// fill writes n keys of two versions each, the newest a delete marker for
// every third key.
func fill(t *testing.T, d *DB, bucket string, n int) {
	t.Helper()
	if err := d.CreateBucket(Bucket{Name: bucket, Location: "loc"}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		k := fmt.Sprintf("k%05d", i)
		record(t, d, bucket, ver(k, "v1"))
		if i%3 == 0 {
			record(t, d, bucket, marker(k, "dm"))
		} else {
			record(t, d, bucket, ver(k, "v2"))
		}
	}
}

func TestStatsAcrossOpens(t *testing.T) {
	const n = 300
	want := Stats{Buckets: 1, Objects: n - n/3, Versions: 2 * n}
	tests := []struct {
		name string
		// reopen returns the directory to open next, given the open
		// index that holds want.
		reopen    func(t *testing.T, d *DB, dir string) string
		recounted bool
	}{
		{"clean close", func(t *testing.T, d *DB, dir string) string {
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			return dir
		}, false},
		{"killed", abandon, true},
		{"killed after a clean close and reopen", func(t *testing.T, d *DB, dir string) string {
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			return abandon(t, openDir(t, dir), dir)
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			d := openDir(t, dir)
			fill(t, d, "b", n)
			next := tt.reopen(t, d, dir)
			d = openDir(t, next)
			_, found := storedCountsIn(t, d)
			if found {
				t.Error("the stored counters are still there once the index is open")
			}
			if tt.recounted {
				<-d.counts.ready
			} else if _, err := d.Stats(); err != nil {
				t.Fatalf("Stats right after a clean reopen: %v", err)
			}
			checkStats(t, d, want)
		})
	}
}

func storedCountsIn(t *testing.T, d *DB) (storedCounts, bool) {
	t.Helper()
	var s storedCounts
	var found bool
	err := d.view(func(txn *badger.Txn) error {
		var err error
		found, err = getJSON(txn, countsKey, &s)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, found
}

func TestCloseStoresTheCounters(t *testing.T) {
	dir := t.TempDir()
	d := openDir(t, dir)
	fill(t, d, "b", 10)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	bdb, err := badger.Open(options(dir, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	raw := &DB{db: bdb}
	s, found := storedCountsIn(t, raw)
	if want := (storedCounts{Buckets: 1, Objects: 6, Versions: 20}); !found || s != want {
		t.Errorf("stored counters = %+v (found %v), want %+v", s, found, want)
	}
}

// Writes that commit while the recount runs are counted once: in its
// snapshot or after it, never both, never neither.
func TestRecountWithConcurrentWrites(t *testing.T) {
	const n = 100000
	dir := t.TempDir()
	d := openDir(t, dir)
	bulkLoad(t, d, "b", n)
	d = openDir(t, abandon(t, d, dir))
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				k := fmt.Sprintf("k/%07d", w*(n/4)+i)
				if err := d.RecordVersion("b", ver(k, "v3")); err != nil {
					errs <- err
					return
				}
				if err := d.RemoveVersion("b", k, "v1"); err != nil {
					errs <- err
					return
				}
				if err := d.RecordVersion("b", ver(fmt.Sprintf("new/%d/%d", w, i), "v1")); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	<-d.counts.ready
	// A rewritten key gains v3 and loses v1; each worker adds 100 keys.
	checkStats(t, d, Stats{Objects: n + 400, Versions: n + 400})
}

func TestStatsWhileCounting(t *testing.T) {
	d := &DB{counts: newCounters()}
	if _, err := d.Stats(); !errors.Is(err, ErrCounting) {
		t.Errorf("Stats before the count = %v, want ErrCounting", err)
	}
	d.counts.add(delta{buckets: 1, objects: 2, versions: 3})
	d.counts.markReady()
	if s, err := d.Stats(); err != nil || s != (Stats{Buckets: 1, Objects: 2, Versions: 3}) {
		t.Errorf("Stats once counted = %+v, %v", s, err)
	}
}

// Closing while the recount runs stops it, stores nothing, and the next
// open counts again.
func TestCloseDuringRecount(t *testing.T) {
	dir := t.TempDir()
	d := openDir(t, dir)
	bulkLoad(t, d, "b", 50000)
	d = openDir(t, abandon(t, d, dir))
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	bdb, err := badger.Open(options(dir, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	_, found := storedCountsIn(t, &DB{db: bdb})
	if err := bdb.Close(); err != nil {
		t.Fatal(err)
	}
	if found && !d.counts.isReady() {
		t.Error("Close stored counters it had not finished counting")
	}
	d = openDir(t, dir)
	<-d.counts.ready
	checkStats(t, d, Stats{Objects: 50000, Versions: 50000})
}

// A memtable log written with a larger MemTableSize than the current one,
// by an earlier ringside killed before it flushed it, still opens, with
// everything in it.
func TestOpenAfterLargerMemtables(t *testing.T) {
	dir := t.TempDir()
	old := options(dir, Options{}).WithMemTableSize(32 << 20).WithNumMemtables(2)
	bdb, err := badger.Open(old)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	value := []byte(strings.Repeat("x", 1000))
	const n = 20000 // about 20 MiB: more than the current memtable holds
	wb := bdb.NewWriteBatch()
	for i := range n {
		if err := wb.Set(objectKey("b", fmt.Sprintf("k%06d", i)), value); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
	image := crashImage(t, dir)
	if mems, _ := filepath.Glob(filepath.Join(image, "*.mem")); len(mems) == 0 {
		t.Fatal("the image holds no memtable log: the test no longer tests anything")
	}
	d := openDir(t, image)
	<-d.counts.ready
	checkStats(t, d, Stats{Objects: n})
	if s, err := d.Stats(); err != nil || s.Objects != n {
		t.Errorf("Stats = %+v, %v", s, err)
	}
}
