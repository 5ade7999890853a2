package objcache

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Stats counts what a cache did.
type Stats struct {
	// Hits and Misses count Gets of a size the cache takes.
	Hits, Misses uint64
	// Evictions counts entries evicted to make room.
	Evictions uint64
	// Bytes is what the entries hold, as counted against MaxBytes.
	Bytes int64
}

type counters struct {
	hits, misses, evictions atomic.Uint64
}

// Stats returns the cache's counters; a disabled cache has none.
func (c *Cache) Stats() Stats {
	if c == nil {
		return Stats{}
	}
	return Stats{Hits: c.n.hits.Load(), Misses: c.n.misses.Load(), Evictions: c.n.evictions.Load(), Bytes: c.Bytes()}
}

// The metrics of both tiers share their names and help, told apart by
// the label tier ("memory" or "disk"), as a registry requires of one
// name.
const (
	helpHits      = "Object GETs answered from a tier of the object cache."
	helpMisses    = "Object GETs of a size a tier of the object cache keeps that it did not answer."
	helpEvictions = "Object versions evicted from a tier of the object cache to make room."
	helpBytes     = "Bytes a tier of the object cache holds, as counted against its bound (--cache-size, --cache-disk-size)."
)

// tierCounter is a counter of one tier read from n.
func tierCounter(name, help, tier string, n *atomic.Uint64) prometheus.Collector {
	return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: prometheus.Labels{"tier": tier}},
		func() float64 { return float64(n.Load()) })
}

// tierGauge is a gauge of one tier read from f.
func tierGauge(name, help, tier string, f func() int64) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: prometheus.Labels{"tier": tier}},
		func() float64 { return float64(f()) })
}

// register puts the cache's metrics on reg (nil: none).
func (c *Cache) register(reg prometheus.Registerer) error {
	return registerTier(reg, "memory", []prometheus.Collector{
		tierCounter("ringside_cache_hits_total", helpHits, "memory", &c.n.hits),
		tierCounter("ringside_cache_misses_total", helpMisses, "memory", &c.n.misses),
		tierCounter("ringside_cache_evictions_total", helpEvictions, "memory", &c.n.evictions),
		tierGauge("ringside_cache_bytes", helpBytes, "memory", c.Bytes),
	})
}

// registerTier puts the metrics of one tier on reg (nil: none).
func registerTier(reg prometheus.Registerer, tier string, ms []prometheus.Collector) error {
	if reg == nil {
		return nil
	}
	for _, m := range ms {
		if err := reg.Register(m); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return fmt.Errorf("register the %s cache metrics: another cache has them: %w", tier, err)
			}
			return fmt.Errorf("register the %s cache metrics: %w", tier, err)
		}
	}
	return nil
}
