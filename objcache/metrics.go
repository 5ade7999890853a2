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

// register puts the cache's metrics on reg (nil: none).
func (c *Cache) register(reg prometheus.Registerer) error {
	if reg == nil {
		return nil
	}
	counter := func(name, help string, n *atomic.Uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(n.Load()) })
	}
	for _, m := range []prometheus.Collector{
		counter("ringside_cache_hits_total", "Object GETs answered from the object cache.", &c.n.hits),
		counter("ringside_cache_misses_total", "Object GETs of a size the object cache keeps that it did not hold.", &c.n.misses),
		counter("ringside_cache_evictions_total", "Object versions evicted from the object cache to make room.", &c.n.evictions),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ringside_cache_bytes",
			Help: "Bytes the object cache holds, bodies and identities, as counted against --cache-size.",
		}, func() float64 { return float64(c.Bytes()) }),
	} {
		if err := reg.Register(m); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return fmt.Errorf("register the object cache metrics: another cache has them: %w", err)
			}
			return fmt.Errorf("register the object cache metrics: %w", err)
		}
	}
	return nil
}
