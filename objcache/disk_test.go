package objcache

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/ringside/ringside/test/testenv"
)

func newTestDisk(t *testing.T, maxBytes, maxObject int64) *Disk {
	t.Helper()
	d, err := OpenDisk(DiskConfig{Dir: t.TempDir(), MaxBytes: maxBytes, MaxObject: maxObject, Fills: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// body is the content of a test version: its size, its ETag the MD5.
func body(seed string, size int) ([]byte, string) {
	b := bytes.Repeat([]byte(seed), size/len(seed)+1)[:size]
	sum := md5.Sum(b)
	return b, `"` + hex.EncodeToString(sum[:]) + `"`
}

// served fetches b as the backend would, saying size, etag and tags.
func served(b []byte, size int64, etag string, tags int) Fetch {
	return func(context.Context) (io.ReadCloser, Fetched, error) {
		return io.NopCloser(bytes.NewReader(b)), Fetched{Size: size, ETag: etag, TagCount: tags}, nil
	}
}

// waitIdle polls until no fill is queued or running.
func waitIdle(t *testing.T, d *Disk) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if d.pending.Load() == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the disk cache's fills did not finish")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// readHit reads what Open returns for v, if anything.
func readHit(t *testing.T, d *Disk, v Version) ([]byte, int, bool) {
	t.Helper()
	h, ok := d.Open(v)
	if !ok {
		return nil, 0, false
	}
	defer h.File.Close()
	b, err := io.ReadAll(h.File)
	if err != nil {
		t.Fatal(err)
	}
	return b, h.TagCount, true
}

func TestDiskAdmitsOnSecondMissAndNamesOneVersion(t *testing.T) {
	d := newTestDisk(t, 1<<20, 64<<10)
	b, etag := body("abc", 10_000)
	held := Version{Bucket: "b", Key: "k", VersionID: "v1", ETag: etag, Size: 10_000}
	d.Missed(held, served(b, held.Size, etag, 2))
	waitIdle(t, d)
	if _, _, ok := readHit(t, d, held); ok {
		t.Fatal("a version missed once was filled")
	}
	d.Missed(held, served(b, held.Size, etag, 2))
	waitIdle(t, d)
	other := func(f func(*Version)) Version { v := held; f(&v); return v }
	tests := []struct {
		name string
		ask  Version
		want bool
	}{
		{name: "the version held", ask: held, want: true},
		{name: "another ETag", ask: other(func(v *Version) { v.ETag = `"x"` })},
		{name: "another size", ask: other(func(v *Version) { v.Size = 9_999 })},
		{name: "another Last-Modified", ask: other(func(v *Version) { v.Modified = 1 })},
		{name: "another version", ask: other(func(v *Version) { v.VersionID = "v2" })},
		{name: "another key", ask: other(func(v *Version) { v.Key = "k2" })},
		{name: "too large", ask: other(func(v *Version) { v.Size = 64<<10 + 1 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, tags, ok := readHit(t, d, tt.ask)
			if ok != tt.want {
				t.Fatalf("Open(%+v) found %v, want %v", tt.ask, ok, tt.want)
			}
			if ok && (!bytes.Equal(got, b) || tags != 2) {
				t.Errorf("read %d bytes with %d tags, want %d with 2", len(got), tags, len(b))
			}
		})
	}
	if s := d.Stats(); s.Fills != 1 || s.Misses != 2 || s.Hits != 1 || s.Bytes != held.Size {
		t.Errorf("stats %+v, want 1 fill, 2 misses, 1 hit, %d bytes", s, held.Size)
	}
}

// failingWriter fails as a full disk does once it has taken n bytes.
type failingWriter struct {
	w io.Writer
	n int
}

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n, _ := f.w.Write(p[:f.n])
		f.n = 0
		return n, fmt.Errorf("write: %w", syscall.ENOSPC)
	}
	f.n -= len(p)
	return f.w.Write(p)
}

// TestDiskFillFailures admits versions whose fill goes wrong: nothing is
// served, no file is left, the room is given back and the failure is
// counted.
func TestDiskFillFailures(t *testing.T) {
	b, etag := body("xyz", 5000)
	good := Version{Bucket: "b", Key: "k", VersionID: "v", ETag: etag, Size: 5000}
	tests := []struct {
		name  string
		v     Version
		fetch Fetch
		wrap  func(io.Writer) io.Writer
	}{
		{name: "backend error", v: good, fetch: func(context.Context) (io.ReadCloser, Fetched, error) {
			return nil, Fetched{}, errors.New("backend unavailable")
		}},
		{name: "backend says another size", v: good, fetch: served(b, 4999, etag, 0)},
		{name: "backend says another ETag", v: good, fetch: served(b, 5000, `"other"`, 0)},
		{name: "short body", v: good, fetch: served(b[:4000], 5000, etag, 0)},
		{name: "long body", v: good, fetch: served(append(b, 'x'), 5000, etag, 0)},
		{name: "bytes not of the ETag", v: good, fetch: served(bytes.ToUpper(b), 5000, etag, 0)},
		{name: "disk full", v: good, fetch: served(b, 5000, etag, 0), wrap: func(w io.Writer) io.Writer { return &failingWriter{w: w, n: 1000} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newTestDisk(t, 1<<20, 64<<10)
			d.wrap = tt.wrap
			d.Missed(tt.v, tt.fetch)
			d.Missed(tt.v, tt.fetch)
			waitIdle(t, d)
			if _, _, ok := readHit(t, d, tt.v); ok {
				t.Error("a failed fill is served")
			}
			if s := d.Stats(); s.FillFailures != 1 || s.Fills != 0 || s.Bytes != 0 {
				t.Errorf("stats %+v, want 1 failure, no fill, no bytes", s)
			}
			if names := testenv.DirNames(t, d.dir); len(names) != 0 {
				t.Errorf("files left: %v", names)
			}
		})
	}
}

// TestDiskWipesLeftovers starts on a directory a killed run left: its
// files, a partial fill among them, are removed; other files are not.
func TestDiskWipesLeftovers(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		fillPrefix + "7": "partial", bodyPrefix + "3": "whole", "operator-notes.txt": "keep",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	d, err := OpenDisk(DiskConfig{Dir: dir, MaxBytes: 1 << 20, MaxObject: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if names := testenv.DirNames(t, dir); strings.Join(names, ",") != "operator-notes.txt" {
		t.Errorf("files after start: %v, want the operator's only", names)
	}
	if d.Bytes() != 0 {
		t.Errorf("%d bytes counted after a start", d.Bytes())
	}
}

func TestDiskConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     DiskConfig
		off     bool
		wantErr bool
	}{
		{name: "off", cfg: DiskConfig{MaxBytes: 0, MaxObject: 1}, off: true},
		{name: "object above the size", cfg: DiskConfig{MaxBytes: 10, MaxObject: 11}, wantErr: true},
		{name: "no object", cfg: DiskConfig{MaxBytes: 10}, wantErr: true},
		{name: "dir is a file", cfg: DiskConfig{MaxBytes: 10, MaxObject: 10, Dir: "/dev/null/cache"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := OpenDisk(tt.cfg)
			if (err != nil) != tt.wantErr || (d == nil) != (tt.off || tt.wantErr) {
				t.Fatalf("OpenDisk = %v, %v", d, err)
			}
			// A disabled tier takes every call.
			v := Version{Size: 1}
			d.Missed(v, nil)
			if _, ok := d.Open(v); ok || d.Takes(1) {
				t.Error("a disabled tier holds something")
			}
			d.Drop(v)
			d.Close()
		})
	}
}

// TestDiskBoundUnderRandomWorkload misses, reads and drops versions of
// random sizes, mostly from a hot set, while fills run: the bytes
// counted and the bytes of the files in the directory never exceed the
// bound, and what is read is what was fetched.
func TestDiskBoundUnderRandomWorkload(t *testing.T) {
	const maxBytes, maxObject = 256 << 10, 64 << 10
	d := newTestDisk(t, maxBytes, maxObject)
	rng := rand.New(rand.NewPCG(3, 4))
	version := func(i int) (Version, []byte) {
		size := (i*7919)%maxObject + 1
		b, etag := body(fmt.Sprintf("k%d-", i), size)
		return Version{Bucket: "b", Key: fmt.Sprintf("k%d", i), VersionID: "v", ETag: etag, Size: int64(size)}, b
	}
	for round := 0; round < 30; round++ {
		for op := 0; op < 50; op++ {
			i := rng.IntN(200)
			if rng.IntN(3) > 0 {
				i = rng.IntN(12)
			}
			v, b := version(i)
			switch r := rng.IntN(10); {
			case r < 5:
				d.Missed(v, served(b, v.Size, v.ETag, i))
			case r < 9:
				if got, tags, ok := readHit(t, d, v); ok && (!bytes.Equal(got, b) || tags != i) {
					t.Fatalf("read %s: %d bytes, %d tags; want %d, %d", v.Key, len(got), tags, len(b), i)
				}
			default:
				d.Drop(v)
			}
			checkDiskBound(t, d, maxBytes)
		}
		waitIdle(t, d)
		checkDiskBound(t, d, maxBytes)
	}
	if s := d.Stats(); s.Evictions == 0 || s.Hits == 0 || s.FillFailures != 0 {
		t.Errorf("stats %+v: the workload did not evict and hit without failures", s)
	}
}

// checkDiskBound checks the bytes counted and the bytes on disk.
func checkDiskBound(t *testing.T, d *Disk, maxBytes int64) {
	t.Helper()
	if b := d.Bytes(); b > maxBytes || b < 0 {
		t.Fatalf("%d bytes counted, bound %d", b, maxBytes)
	}
	des, err := os.ReadDir(d.dir)
	if err != nil {
		t.Fatal(err)
	}
	var onDisk int64
	for _, de := range des {
		if info, err := de.Info(); err == nil {
			onDisk += info.Size()
		}
	}
	if onDisk > maxBytes {
		t.Fatalf("%d bytes in %d files, bound %d", onDisk, len(des), maxBytes)
	}
}

// TestDiskDropDuringFill drops a version while its fill runs: the fill
// does not bring the dropped copy back.
func TestDiskDropDuringFill(t *testing.T) {
	d := newTestDisk(t, 1<<20, 64<<10)
	b, etag := body("q", 1000)
	v := Version{Bucket: "b", Key: "k", VersionID: "v", ETag: etag, Size: 1000}
	started, release := make(chan struct{}), make(chan struct{})
	fetch := func(context.Context) (io.ReadCloser, Fetched, error) {
		close(started)
		<-release
		return io.NopCloser(bytes.NewReader(b)), Fetched{Size: 1000, ETag: etag}, nil
	}
	d.Missed(v, fetch)
	d.Missed(v, fetch)
	<-started
	d.Drop(v)
	close(release)
	waitIdle(t, d)
	if _, _, ok := readHit(t, d, v); ok || d.Bytes() != 0 || len(testenv.DirNames(t, d.dir)) != 0 {
		t.Errorf("a version dropped during its fill is held (%d bytes, files %v)", d.Bytes(), testenv.DirNames(t, d.dir))
	}
}

// TestTierMetrics registers both tiers on one registry: each metric has
// one series per tier.
func TestTierMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	c, err := New(Config{MaxBytes: 1 << 20, MaxObject: 1 << 10, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := OpenDisk(DiskConfig{Dir: t.TempDir(), MaxBytes: 1 << 20, MaxObject: 1 << 20, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	b, etag := body("m", 2000)
	v := Version{Bucket: "b", Key: "k", VersionID: "v", ETag: etag, Size: 2000}
	d.Missed(v, served(b, 2000, etag, 0))
	d.Missed(v, served(b, 2000, etag, 0))
	waitIdle(t, d)
	readHit(t, d, v)
	for name, series := range map[string]int{
		"ringside_cache_hits_total": 2, "ringside_cache_misses_total": 2, "ringside_cache_bytes": 2,
		"ringside_cache_fills_total": 1, "ringside_cache_fill_failures_total": 1,
	} {
		if got, err := testutil.GatherAndCount(reg, name); err != nil || got != series {
			t.Errorf("%s: %d series (%v), want %d", name, got, err, series)
		}
	}
	want := `
# HELP ringside_cache_fills_total Object versions written whole to the disk tier of the object cache.
# TYPE ringside_cache_fills_total counter
ringside_cache_fills_total{tier="disk"} 1
# HELP ringside_cache_hits_total Object GETs answered from a tier of the object cache.
# TYPE ringside_cache_hits_total counter
ringside_cache_hits_total{tier="disk"} 1
ringside_cache_hits_total{tier="memory"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "ringside_cache_fills_total", "ringside_cache_hits_total"); err != nil {
		t.Error(err)
	}
	if _, err := OpenDisk(DiskConfig{Dir: t.TempDir(), MaxBytes: 1 << 20, MaxObject: 1 << 20, Registerer: reg}); err == nil {
		t.Error("a second disk tier registered its metrics over the first's")
	}
}

// TestDiskUnreadableFile damages a filled file: the version is not
// served, its entry is dropped and the failure counted.
func TestDiskUnreadableFile(t *testing.T) {
	tests := []struct {
		name   string
		damage func(path string) error
	}{
		{name: "removed", damage: os.Remove},
		{name: "cut short", damage: func(path string) error { return os.Truncate(path, 10) }},
		{name: "grown", damage: func(path string) error { return os.Truncate(path, 5000) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newTestDisk(t, 1<<20, 64<<10)
			b, etag := body("d", 1000)
			v := Version{Bucket: "b", Key: "k", VersionID: "v", ETag: etag, Size: 1000}
			d.Missed(v, served(b, 1000, etag, 0))
			d.Missed(v, served(b, 1000, etag, 0))
			waitIdle(t, d)
			d.mu.Lock()
			path := d.entries[v.slot()].Value.(*diskEntry).path
			d.mu.Unlock()
			if err := tt.damage(path); err != nil {
				t.Fatal(err)
			}
			if _, _, ok := readHit(t, d, v); ok {
				t.Fatal("a damaged file is served")
			}
			if s := d.Stats(); s.ReadFailures != 1 || s.Bytes != 0 {
				t.Errorf("stats %+v, want one read failure and nothing held", s)
			}
		})
	}
}
