package objcache

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// DiskStats counts what a disk tier did.
type DiskStats struct {
	Stats
	// Fills counts versions written to disk whole and checked;
	// FillFailures those whose fetch, write or check failed, and
	// FillsDropped those admitted while the fill queue was full.
	Fills, FillFailures, FillsDropped uint64
	// ReadFailures counts cached files that could not be opened or read,
	// and were dropped.
	ReadFailures uint64
}

type diskCounters struct {
	counters
	fills, fillFailures, fillsDropped, readFailures atomic.Uint64
}

// Stats returns the tier's counters; a disabled tier has none.
func (d *Disk) Stats() DiskStats {
	if d == nil {
		return DiskStats{}
	}
	return DiskStats{
		Stats: Stats{Hits: d.n.hits.Load(), Misses: d.n.misses.Load(), Evictions: d.n.evictions.Load(), Bytes: d.Bytes()},
		Fills: d.n.fills.Load(), FillFailures: d.n.fillFailures.Load(), FillsDropped: d.n.fillsDropped.Load(),
		ReadFailures: d.n.readFailures.Load(),
	}
}

// register puts the tier's metrics on reg (nil: none).
func (d *Disk) register(reg prometheus.Registerer) error {
	return registerTier(reg, "disk", []prometheus.Collector{
		tierCounter("ringside_cache_hits_total", helpHits, "disk", &d.n.hits),
		tierCounter("ringside_cache_misses_total", helpMisses, "disk", &d.n.misses),
		tierCounter("ringside_cache_evictions_total", helpEvictions, "disk", &d.n.evictions),
		tierGauge("ringside_cache_bytes", helpBytes, "disk", d.Bytes),
		tierCounter("ringside_cache_fills_total", "Object versions written whole to the disk tier of the object cache.", "disk", &d.n.fills),
		tierCounter("ringside_cache_fill_failures_total", "Fills of the disk tier of the object cache that failed (backend read, write, or check of size and ETag).", "disk", &d.n.fillFailures),
		tierCounter("ringside_cache_fills_dropped_total", "Object versions admitted to the disk tier of the object cache and dropped because the fill queue was full.", "disk", &d.n.fillsDropped),
		tierCounter("ringside_cache_read_failures_total", "Files of the disk tier of the object cache that could not be read, and were dropped.", "disk", &d.n.readFailures),
	})
}
