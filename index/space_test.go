package index

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeDisk is a filesystem whose free space the test sets.
type fakeDisk struct{ free atomic.Int64 }

func (f *fakeDisk) statfs(string) (int64, error) { return f.free.Load(), nil }

const testReserve = 1 << 20

func openOnFake(t *testing.T, dir string, free int64) (*DB, *fakeDisk) {
	t.Helper()
	disk := &fakeDisk{}
	disk.free.Store(free)
	d, err := OpenWith(dir, Options{Reserve: testReserve, FreeSpace: disk.statfs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, disk
}

func TestWritesRefusedBelowReserve(t *testing.T) {
	tests := []struct {
		name    string
		free    int64
		refused bool
	}{
		{"far above", 100 * testReserve, false},
		{"near", 2 * testReserve, false},
		{"at the reserve", testReserve, false},
		{"one byte below", testReserve - 1, true},
		{"full", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, disk := openOnFake(t, t.TempDir(), 100*testReserve)
			setUpBucket(t, d)
			record(t, d, "bkt", ver("before", "v1"))
			disk.free.Store(tt.free)

			err := d.RecordVersion("bkt", ver("k", "v1"))
			if got := errors.Is(err, ErrNoSpace); got != tt.refused {
				t.Fatalf("RecordVersion with %d free: %v, want refused=%v", tt.free, err, tt.refused)
			}
			if s := d.Space(); s.Low != tt.refused || s.Free != tt.free || s.Reserve != testReserve {
				t.Errorf("Space = %+v", s)
			}
			if err := d.CheckSpace(); errors.Is(err, ErrNoSpace) != tt.refused {
				t.Errorf("CheckSpace = %v", err)
			}
			// Reads are served either way.
			if v, err := d.Latest("bkt", "before"); err != nil || v.VersionID != "v1" {
				t.Errorf("Latest while %s = %+v, %v", tt.name, v, err)
			}
			_, err = d.Latest("bkt", "k")
			if tt.refused != errors.Is(err, ErrNotFound) {
				t.Errorf("Latest of the refused write = %v", err)
			}
			// Writes resume by themselves once space is back.
			disk.free.Store(100 * testReserve)
			if err := d.RecordVersion("bkt", ver("after", "v1")); err != nil {
				t.Errorf("RecordVersion after space came back: %v", err)
			}
		})
	}
}

func setUpBucket(t *testing.T, d *DB) {
	t.Helper()
	if err := d.CreateLocation(Location{Name: "ring", Endpoint: "http://127.0.0.1:9000"}); err != nil {
		t.Fatal(err)
	}
	if err := d.CreateBucket(Bucket{Name: "bkt", Location: "ring"}); err != nil {
		t.Fatal(err)
	}
}

func dirFiles(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]int64{}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = info.Size()
	}
	return files
}

// A start on a full disk opens read-only, creating and growing no file,
// serves reads, and opens for writing by itself once space is back.
func TestOpenOnFullDisk(t *testing.T) {
	dir := t.TempDir()
	d, _ := openOnFake(t, dir, 100*testReserve)
	setUpBucket(t, d)
	record(t, d, "bkt", ver("k", "v1"), ver("k", "v2"))
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	before := dirFiles(t, dir)

	d, disk := openOnFake(t, dir, 0)
	if s := d.Space(); !s.ReadOnly || !s.Low {
		t.Fatalf("Space after an open on a full disk = %+v", s)
	}
	after := dirFiles(t, dir)
	delete(after, "LOCK") // Badger's lock file, empty
	delete(before, "LOCK")
	for name, size := range after {
		if before[name] != size {
			t.Errorf("an open on a full disk created or grew %s: %d bytes, was %d", name, size, before[name])
		}
	}
	if v, err := d.Latest("bkt", "k"); err != nil || v.VersionID != "v2" {
		t.Errorf("Latest on a full disk = %+v, %v", v, err)
	}
	checkStats(t, d, Stats{Buckets: 1, Objects: 1, Versions: 2})
	if err := d.RecordVersion("bkt", ver("k", "v3")); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("RecordVersion on a read-only index = %v", err)
	}

	disk.free.Store(100 * testReserve)
	deadline := time.Now().Add(10 * time.Second)
	for d.Space().ReadOnly && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if s := d.Space(); s.ReadOnly || s.Low {
		t.Fatalf("Space once space came back = %+v", s)
	}
	record(t, d, "bkt", ver("k", "v3"))
	checkStats(t, d, Stats{Buckets: 1, Objects: 1, Versions: 3})
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, _ = openOnFake(t, dir, 100*testReserve)
	if v, err := d.Latest("bkt", "k"); err != nil || v.VersionID != "v3" {
		t.Errorf("Latest after reopening = %+v, %v", v, err)
	}
	checkStats(t, d, Stats{Buckets: 1, Objects: 1, Versions: 3})
}

func TestCreateOnFullDisk(t *testing.T) {
	disk := &fakeDisk{}
	_, err := OpenWith(t.TempDir(), Options{Reserve: testReserve, FreeSpace: disk.statfs})
	if !errors.Is(err, ErrNoSpace) {
		t.Fatalf("OpenWith of a new index on a full disk = %v", err)
	}
}

// fakeRefresher records the keys it is asked to refresh.
type fakeRefresher struct {
	mu   sync.Mutex
	keys []RepairKey
	fail bool
}

func (f *fakeRefresher) RepairKey(_ context.Context, bucket, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = append(f.keys, RepairKey{bucket, key})
	if f.fail {
		return errors.New("backend down")
	}
	return nil
}

func TestRepairs(t *testing.T) {
	dir := t.TempDir()
	d, disk := openOnFake(t, dir, 100*testReserve)
	setUpBucket(t, d)
	ctx := context.Background()

	// Marked while the disk is full: kept in memory, not refreshed.
	disk.free.Store(0)
	d.MarkForRepair("bkt", "a")
	r := &fakeRefresher{}
	d.repairPending(ctx, r)
	if pending, done := d.Repairs(); len(pending) != 1 || done != 0 || len(r.keys) != 0 {
		t.Fatalf("while full: pending %v, repaired %d, refreshed %v", pending, done, r.keys)
	}

	// Space is back but the backend fails: the mark stays, now persisted.
	disk.free.Store(100 * testReserve)
	d.MarkForRepair("bkt", "b")
	r.fail = true
	d.repairPending(ctx, r)
	pending, done := d.Repairs()
	slices.SortFunc(pending, func(x, y RepairKey) int { return strings.Compare(x.Key, y.Key) })
	if len(pending) != 2 || pending[0].Key != "a" || pending[1].Key != "b" || done != 0 {
		t.Fatalf("after a failed refresh: pending %v, repaired %d", pending, done)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	// A restart finds the marks again and repairs them.
	d, _ = openOnFake(t, dir, 100*testReserve)
	if pending, _ := d.Repairs(); len(pending) != 2 {
		t.Fatalf("pending after reopen = %v", pending)
	}
	r = &fakeRefresher{}
	d.repairPending(ctx, r)
	if pending, done := d.Repairs(); len(pending) != 0 || done != 2 || len(r.keys) != 2 {
		t.Fatalf("after repair: pending %v, repaired %d, refreshed %v", pending, done, r.keys)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, _ = openOnFake(t, dir, 100*testReserve)
	if pending, _ := d.Repairs(); len(pending) != 0 {
		t.Errorf("pending after a repair and a reopen = %v", pending)
	}
}

// A Close that could not flush the memtable leaves its log for the next
// open rather than write a table into a full disk.
func TestCloseOnFullDiskKeepsTheLog(t *testing.T) {
	dir := t.TempDir()
	d, disk := openOnFake(t, dir, 100*testReserve)
	setUpBucket(t, d)
	record(t, d, "bkt", ver("k", "v1"))
	disk.free.Store(0)
	if err := d.Close(); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("Close on a full disk = %v, want ErrNoSpace", err)
	}
	logs := 0
	for name, size := range dirFiles(t, dir) {
		if strings.HasSuffix(name, ".mem") && size > 0 {
			logs++
		}
	}
	if logs == 0 {
		t.Errorf("no memtable log left after a Close on a full disk: %v", dirFiles(t, dir))
	}
}

// A start on a full disk after a crash replays the memtable log the crash
// left, read-only, with every committed write.
func TestOpenOnFullDiskAfterCrash(t *testing.T) {
	dir := t.TempDir()
	d, _ := openOnFake(t, dir, 100*testReserve)
	setUpBucket(t, d)
	var want []string
	for i := range 300 {
		k := fmt.Sprintf("k%03d", i%100)
		record(t, d, "bkt", ver(k, fmt.Sprintf("v%03d", i)))
		if i >= 200 {
			want = append(want, k+"@"+fmt.Sprintf("v%03d", i))
		}
	}
	if err := d.RemoveVersion("bkt", "k000", "v200"); err != nil {
		t.Fatal(err)
	}
	want[0] = "k000@v100"
	crashed, replayed := t.TempDir(), t.TempDir()
	// A copy of an open index is what a crash leaves: Badger writes its
	// memtable log through a shared memory map, which a read sees.
	for _, to := range []string{crashed, replayed} {
		if err := copyDir(dir, to); err != nil {
			t.Fatal(err)
		}
	}

	latest := func(d *DB) []string {
		var got []string
		for i := range 100 {
			v, err := d.Latest("bkt", fmt.Sprintf("k%03d", i))
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v.Key+"@"+v.VersionID)
		}
		return got
	}
	full, disk := openOnFake(t, crashed, 0)
	if s := full.Space(); !s.ReadOnly {
		t.Fatalf("Space after an open on a full disk = %+v", s)
	}
	if got := latest(full); !slices.Equal(got, want) {
		t.Errorf("latest versions read-only after a crash = %v\nwant %v", got, want)
	}
	// Once space is back, the index reopens for writing over the log.
	disk.free.Store(100 * testReserve)
	deadline := time.Now().Add(10 * time.Second)
	for full.Space().ReadOnly && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	record(t, full, "bkt", ver("k001", "v300"))
	want[1] = "k001@v300"
	if got := latest(full); !slices.Equal(got, want) {
		t.Errorf("latest versions after reopening for writing = %v\nwant %v", got, want)
	}
	want[1] = "k001@v201"
	// Badger's own replay, with room, agrees.
	roomy, _ := openOnFake(t, replayed, 100*testReserve)
	if got := latest(roomy); !slices.Equal(got, want) {
		t.Errorf("latest versions after a writable replay = %v\nwant %v", got, want)
	}
}

func TestMemtableLogEnd(t *testing.T) {
	entry := func(meta byte, key, value string) []byte {
		b := []byte{meta, 0}
		b = binary.AppendUvarint(b, uint64(len(key)))
		b = binary.AppendUvarint(b, uint64(len(value)))
		b = binary.AppendUvarint(b, 0)
		b = append(append(b, key...), value...)
		return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, walCRC))
	}
	ts := func(key string, commit uint64) string {
		return key + string(binary.BigEndian.AppendUint64(nil, math.MaxUint64-commit))
	}
	head := make([]byte, walHeaderSize)
	plain := entry(0, ts("a", 1), "x")
	txn1 := entry(walBitTxn, ts("b", 5), "y")
	txn2 := entry(walBitTxn, ts("c", 5), "z")
	fin := entry(walBitFinTxn, ts("!badger!txn", 5), "5")
	torn := slices.Clone(plain)
	torn[len(torn)-1] ^= 1
	cat := func(parts ...[]byte) []byte { return slices.Concat(append([][]byte{head}, parts...)...) }
	n := func(parts ...[]byte) int64 { return int64(len(cat(parts...))) }
	tests := []struct {
		name string
		log  []byte
		want int64
	}{
		{"empty", cat(), walHeaderSize},
		{"one entry then zeros", cat(plain, make([]byte, 64)), n(plain)},
		{"a whole transaction", cat(plain, txn1, txn2, fin, make([]byte, 64)), n(plain, txn1, txn2, fin)},
		{"an unfinished transaction", cat(plain, txn1, txn2, make([]byte, 64)), n(plain)},
		{"a torn entry", cat(plain, torn, plain), n(plain)},
		{"a cut entry", cat(plain, plain[:5]), n(plain)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := memtableLogEnd(bufio.NewReader(bytes.NewReader(tt.log)))
			if err != nil || got != tt.want {
				t.Errorf("memtableLogEnd = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

// Far above the reserve a write trusts a recent measure; near it, it
// measures every time.
func TestSpaceGuardTrust(t *testing.T) {
	tests := []struct {
		name     string
		before   int64 // free at the last measure
		measured time.Duration
		refused  bool // the disk is full now
	}{
		{"far above, just measured", 3 * testReserve, 0, false},
		{"far above, measured long ago", 3 * testReserve, time.Hour, true},
		{"near the reserve, just measured", 2*testReserve - 1, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			disk := &fakeDisk{}
			disk.free.Store(tt.before)
			g := newSpaceGuard(t.TempDir(), testReserve, disk.statfs)
			g.trust = time.Minute
			if _, err := g.measure(); err != nil {
				t.Fatal(err)
			}
			g.measured.Add(-int64(tt.measured))
			disk.free.Store(0)
			if err := g.check(); errors.Is(err, ErrNoSpace) != tt.refused {
				t.Errorf("check = %v, want refused=%v", err, tt.refused)
			}
		})
	}
}
