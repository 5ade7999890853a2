package objcache

import (
	"fmt"
	"log/slog"
	"strconv"

	"github.com/dgraph-io/ristretto/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// Config sizes a cache.
type Config struct {
	// MaxBytes bounds what the entries hold; 0 disables the cache (New
	// returns nil, which every method accepts).
	MaxBytes int64
	// MaxObject is the largest object kept, in bytes.
	MaxObject int64
	// Registerer receives the cache's metrics (nil: none).
	Registerer prometheus.Registerer
	Logger     *slog.Logger
}

// Version names one object version and the bytes it stands for.
type Version struct {
	Bucket, Key, VersionID string
	// ETag is the quoted ETag of the bytes, as the backend gave it, and
	// Size their length.
	ETag string
	Size int64
	// Modified is the version's Last-Modified (Unix nanoseconds): a
	// "null" version rewritten with the same bytes and other tags differs
	// only there.
	Modified int64
}

// slot is the ristretto key of a version. It names the bytes too (ETag
// and size), so that one slot only ever holds one body: ristretto does
// not evict to make room when a slot's cost changes.
func (v Version) slot() string {
	return v.Bucket + "\x00" + v.Key + "\x00" + v.VersionID + "\x00" + v.ETag + "\x00" +
		strconv.FormatInt(v.Size, 10) + "\x00" + strconv.FormatInt(v.Modified, 10)
}

// Entry is a cached version: its bytes and the headers the backend
// answered with that the index does not hold. It is shared and never
// modified.
type Entry struct {
	Version
	Body     []byte
	TagCount int
}

// cost is what an entry counts against MaxBytes.
func (e *Entry) cost() int64 {
	return int64(len(e.Body) + len(e.Bucket) + len(e.Key) + len(e.VersionID) + len(e.ETag) + entryOverhead)
}

// entryOverhead approximates an entry's fixed memory beyond its strings
// and body: the Entry itself and ristretto's item and map slot.
const entryOverhead = 192

// Cache is a bounded cache of small object versions; a nil *Cache is a
// disabled one.
type Cache struct {
	c         *ristretto.Cache[string, *Entry]
	maxObject int64
	n         counters
}

// New builds a cache, or returns nil when cfg.MaxBytes is 0.
func New(cfg Config) (*Cache, error) {
	if cfg.MaxBytes <= 0 {
		return nil, nil
	}
	if cfg.MaxObject <= 0 || cfg.MaxObject > cfg.MaxBytes {
		return nil, fmt.Errorf("object cache: the largest object (%d bytes) must be positive and at most the cache's size (%d bytes)", cfg.MaxObject, cfg.MaxBytes)
	}
	cache := &Cache{maxObject: cfg.MaxObject}
	c, err := ristretto.NewCache(&ristretto.Config[string, *Entry]{
		// Ten counters per entry the cache can hold when full of 4 KiB
		// objects, as ristretto advises.
		NumCounters:        max(10*cfg.MaxBytes/4096, 1000),
		MaxCost:            cfg.MaxBytes,
		BufferItems:        64,
		Metrics:            true,
		IgnoreInternalCost: true,
		OnEvict:            func(*ristretto.Item[*Entry]) { cache.n.evictions.Add(1) },
	})
	if err != nil {
		return nil, fmt.Errorf("object cache: %w", err)
	}
	cache.c = c
	if err := cache.register(cfg.Registerer); err != nil {
		c.Close()
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	log.Info("object cache on", "max_bytes", cfg.MaxBytes, "max_object", cfg.MaxObject)
	return cache, nil
}

// Takes reports whether an object of size bytes would be kept.
func (c *Cache) Takes(size int64) bool {
	return c != nil && size >= 0 && size <= c.maxObject
}

// Get returns the entry of version v, if one is held for exactly v.
func (c *Cache) Get(v Version) (*Entry, bool) {
	if c == nil {
		return nil, false
	}
	e, ok := c.c.Get(v.slot())
	if !ok || e.Version != v {
		c.n.misses.Add(1)
		return nil, false
	}
	c.n.hits.Add(1)
	return e, true
}

// Put offers the whole body of version v (v.Size bytes) to the cache, which keeps it
// unless it is too large or not worth more than what it would evict.
// Admission is asynchronous: a Get right after may still miss.
func (c *Cache) Put(v Version, body []byte, tagCount int) {
	if !c.Takes(int64(len(body))) || int64(len(body)) != v.Size {
		return
	}
	e := &Entry{Version: v, Body: body, TagCount: tagCount}
	c.c.Set(v.slot(), e, e.cost())
}

// Forget drops what is held for a version whose headers changed (its
// tags).
func (c *Cache) Forget(v Version) {
	if c == nil {
		return
	}
	c.c.Del(v.slot())
}

// Bytes is what the entries admitted hold, counted as against MaxBytes.
func (c *Cache) Bytes() int64 {
	if c == nil {
		return 0
	}
	return int64(c.c.Metrics.CostAdded() - c.c.Metrics.CostEvicted())
}

// Wait returns once every Put before it was admitted or refused.
func (c *Cache) Wait() {
	if c != nil {
		c.c.Wait()
	}
}

// Close releases the cache's goroutine and memory.
func (c *Cache) Close() {
	if c != nil {
		c.c.Close()
	}
}
