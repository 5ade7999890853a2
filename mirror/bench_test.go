package mirror

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ringside/ringside/backend"
)

// BenchmarkPassWithoutChanges compares a pass that finds nothing with a
// bare listing of the same (in-memory) backend: the difference is what the
// merge with the index costs.
func BenchmarkPassWithoutChanges(b *testing.B) {
	opts := testOptions()
	opts.PageSize = 1000
	h := newHarness(b, opts)
	h.createBucket("mb", true)
	for i := range 20000 {
		k := fmt.Sprintf("dir%03d/key%06d", i%100, i)
		h.be.put(k, k, meta("X-Amz-Meta-I", k))
	}
	if _, err := h.tryPass("mb"); err != nil {
		b.Fatal(err)
	}
	b.Run("bare listing", func(b *testing.B) {
		for b.Loop() {
			out := make(chan page)
			go list(context.Background(), Target{Source: h.be}, "", "", opts.PageSize, out)
			for pg := range out {
				if pg.err != nil {
					b.Fatal(pg.err)
				}
				if !pg.IsTruncated {
					break
				}
			}
		}
	})
	b.Run("pass", func(b *testing.B) {
		for b.Loop() {
			ps, err := h.tryPass("mb")
			if err != nil || ps.changes != 0 {
				b.Fatal(ps.changes, err)
			}
		}
	})
}

// BenchmarkInitialSync applies a whole (in-memory) backend to an empty
// index as an initial sync does, headers read after the listing, against a
// bare listing of the same backend.
func BenchmarkInitialSync(b *testing.B) {
	opts := testOptions()
	opts.PageSize = 1000
	be := newFakeBackend()
	for i := range 20000 {
		k := fmt.Sprintf("dir%03d/key%06d", i%100, i)
		be.put(k, k, meta("X-Amz-Meta-I", k))
	}
	b.Run("bare listing", func(b *testing.B) {
		for b.Loop() {
			out := make(chan page)
			go list(context.Background(), Target{Source: be}, "", "", opts.PageSize, out)
			for pg := range out {
				if pg.err != nil {
					b.Fatal(pg.err)
				}
				if !pg.IsTruncated {
					break
				}
			}
		}
	})
	b.Run("initial sync", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			h := newHarness(b, opts)
			h.be = be
			h.createBucket("mb", true)
			b.StartTimer()
			ps := &passState{began: time.Now(), initial: true}
			ps.fullSince = ps.began
			if err := h.m.lockedPass(context.Background(), "mb", ps, hooks{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkMetadataSweep times an initial sync's metadata sweep over an
// index on disk, against a backend whose HEADs each take headLatency, and
// reports its rate as a share of what HeadConcurrency such HEADs allow:
// what falls short is the index's cost (stores, scans, compactions).
func BenchmarkMetadataSweep(b *testing.B) {
	const headLatency = 4 * time.Millisecond
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			opts := testOptions()
			opts.PageSize, opts.HeadConcurrency = 1000, 16
			be := newFakeBackend()
			for i := range n {
				k := fmt.Sprintf("obj/k%07d", i)
				be.put(k, k, meta("X-Amz-Meta-I", k))
			}
			var listed atomic.Int64
			be.setHooks(nil, func(_ int, p *backend.VersionPage) error {
				if !p.IsTruncated {
					listed.Store(time.Now().UnixNano())
				}
				return nil
			})
			be.failHead = func(string, string) error { time.Sleep(headLatency); return nil }
			for b.Loop() {
				h := newDiskHarness(b, opts)
				h.be = be
				h.createBucket("mb", true)
				ps := &passState{began: time.Now(), initial: true}
				ps.fullSince = ps.began
				if err := h.m.lockedPass(context.Background(), "mb", ps, hooks{}); err != nil {
					b.Fatal(err)
				}
				swept := time.Since(time.Unix(0, listed.Load()))
				ideal := float64(opts.HeadConcurrency) / headLatency.Seconds()
				b.ReportMetric(float64(n)/swept.Seconds()/ideal, "share-of-head-rate")
			}
		})
	}
}
