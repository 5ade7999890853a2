package objcache

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func newTestCache(t *testing.T, maxBytes, maxObject int64) *Cache {
	t.Helper()
	c, err := New(Config{MaxBytes: maxBytes, MaxObject: maxObject})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestGetNamesExactlyOneVersion(t *testing.T) {
	held := Version{Bucket: "b", Key: "k", VersionID: "null", ETag: `"e1"`, Size: 4}
	tests := []struct {
		name string
		ask  Version
		want bool
	}{
		{name: "the version held", ask: held, want: true},
		{name: "null rewritten in place", ask: Version{Bucket: "b", Key: "k", VersionID: "null", ETag: `"e2"`, Size: 4}},
		{name: "another size", ask: Version{Bucket: "b", Key: "k", VersionID: "null", ETag: `"e1"`, Size: 5}},
		{name: "null rewritten with the same bytes", ask: Version{Bucket: "b", Key: "k", VersionID: "null", ETag: `"e1"`, Size: 4, Modified: 1}},
		{name: "another version", ask: Version{Bucket: "b", Key: "k", VersionID: "v2", ETag: `"e1"`, Size: 4}},
		{name: "another key", ask: Version{Bucket: "b", Key: "k2", VersionID: "null", ETag: `"e1"`, Size: 4}},
		{name: "another bucket", ask: Version{Bucket: "b2", Key: "k", VersionID: "null", ETag: `"e1"`, Size: 4}},
	}
	c := newTestCache(t, 1<<20, 1<<10)
	c.Put(held, []byte("body"), 3)
	c.Wait()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := c.Get(tt.ask)
			if ok != tt.want {
				t.Fatalf("Get(%+v) found %v, want %v", tt.ask, ok, tt.want)
			}
			if ok && (string(e.Body) != "body" || e.TagCount != 3) {
				t.Errorf("entry %q with %d tags, want body with 3", e.Body, e.TagCount)
			}
		})
	}
}

func TestSizeLimitsAndForget(t *testing.T) {
	c := newTestCache(t, 1<<20, 100)
	small := Version{Bucket: "b", Key: "small", VersionID: "v", ETag: `"s"`, Size: 100}
	large := Version{Bucket: "b", Key: "large", VersionID: "v", ETag: `"l"`, Size: 101}
	c.Put(small, make([]byte, 100), 0)
	c.Put(large, make([]byte, 101), 0)
	c.Wait()
	if _, ok := c.Get(large); ok {
		t.Error("an object above the largest size was kept")
	}
	if _, ok := c.Get(small); !ok {
		t.Fatal("an object of the largest size was not kept")
	}
	c.Put(Version{Bucket: "b", Key: "short", VersionID: "v", Size: 10}, make([]byte, 9), 0)
	c.Wait()
	if _, ok := c.Get(Version{Bucket: "b", Key: "short", VersionID: "v", Size: 10}); ok {
		t.Error("a body shorter than its version was kept")
	}
	c.Forget(small)
	if _, ok := c.Get(small); ok {
		t.Error("a forgotten version is still served")
	}
	if s := c.Stats(); s.Hits != 1 || s.Misses != 3 {
		t.Errorf("hits %d misses %d, want 1 and 3", s.Hits, s.Misses)
	}
}

func TestDisabled(t *testing.T) {
	c, err := New(Config{MaxBytes: 0, MaxObject: 100})
	if err != nil || c != nil {
		t.Fatalf("New with no bytes = %v, %v; want a nil cache", c, err)
	}
	v := Version{Bucket: "b", Key: "k", VersionID: "v", Size: 1}
	c.Put(v, []byte("x"), 0)
	if _, ok := c.Get(v); ok || c.Takes(1) {
		t.Error("a disabled cache holds something")
	}
	c.Forget(v)
	c.Close()
	if _, err := New(Config{MaxBytes: 100, MaxObject: 200}); err == nil {
		t.Error("a largest object above the cache's size was accepted")
	}
}

// TestBoundUnderRandomWorkload puts, reads and forgets versions of random
// sizes, most of them from a hot set: the bytes held, as counted and as
// found by reading every version ever put, never exceed the bound, and
// what is found is what was put.
func TestBoundUnderRandomWorkload(t *testing.T) {
	const maxBytes, maxObject = 256 << 10, 16 << 10
	c := newTestCache(t, maxBytes, maxObject)
	rng := rand.New(rand.NewPCG(1, 2))
	type put struct {
		v    Version
		size int
	}
	var all []put
	// The version ID of every version is "null", each rewritten in
	// place with bodies of other sizes and ETags.
	version := func(i, size int) Version {
		return Version{Bucket: "b", Key: fmt.Sprintf("k%d", i), VersionID: "null", ETag: fmt.Sprintf(`"%d-%d"`, i, size), Size: int64(size)}
	}
	sizes := map[int]int{} // the latest size put of each key
	for round := 0; round < 50; round++ {
		for op := 0; op < 400; op++ {
			i := rng.IntN(2000)
			if rng.IntN(4) > 0 {
				i = rng.IntN(40) // the hot set
			}
			switch r := rng.IntN(10); {
			case r < 6:
				c.Get(version(i, sizes[i]))
			case r < 9:
				size := rng.IntN(maxObject + 1)
				sizes[i] = size
				c.Put(version(i, size), make([]byte, size), i)
				all = append(all, put{version(i, size), size})
			default:
				c.Forget(version(i, sizes[i]))
			}
		}
		c.Wait()
		if b := c.Bytes(); b > maxBytes || b < 0 {
			t.Fatalf("round %d: %d bytes counted, bound %d", round, b, maxBytes)
		}
		found := map[Version]bool{}
		var held int64
		for _, p := range all {
			if found[p.v] {
				continue
			}
			if e, ok := c.c.Get(p.v.slot()); ok && e.Version == p.v {
				found[p.v] = true
				held += e.cost()
				if e.TagCount != keyNumber(t, e.Key) || len(e.Body) != p.size {
					t.Fatalf("entry of %s holds %d bytes and %d tags, want %d and its own", e.Key, len(e.Body), e.TagCount, p.size)
				}
			}
		}
		if held > maxBytes {
			t.Fatalf("round %d: %d bytes held by %d entries, bound %d", round, held, len(found), maxBytes)
		}
	}
	if s := c.Stats(); s.Evictions == 0 || s.Hits == 0 {
		t.Errorf("stats %+v: the workload neither evicted nor hit", s)
	}
}

func keyNumber(t *testing.T, key string) int {
	var n int
	if _, err := fmt.Sscanf(key, "k%d", &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	c, err := New(Config{MaxBytes: 1 << 20, MaxObject: 1 << 10, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	v := Version{Bucket: "b", Key: "k", VersionID: "v", ETag: `"e"`, Size: 1000}
	c.Get(v)
	c.Put(v, make([]byte, 1000), 0)
	c.Wait()
	c.Get(v)
	want := map[string]float64{
		"ringside_cache_hits_total":      1,
		"ringside_cache_misses_total":    1,
		"ringside_cache_evictions_total": 0,
		"ringside_cache_bytes":           float64(1000 + len("bkv\"e\"") + entryOverhead),
	}
	for name, w := range want {
		if got, err := testutil.GatherAndCount(reg, name); err != nil || got != 1 {
			t.Fatalf("%s: %d series (%v)", name, got, err)
		}
		mfs, _ := reg.Gather()
		for _, mf := range mfs {
			if mf.GetName() != name {
				continue
			}
			m := mf.GetMetric()[0]
			got := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			if got != w {
				t.Errorf("%s = %v, want %v", name, got, w)
			}
		}
	}
	if _, err := New(Config{MaxBytes: 1 << 20, MaxObject: 1 << 10, Registerer: reg}); err == nil {
		t.Error("a second cache registered its metrics over the first's")
	}
}
