package mirror

import (
	"context"
	"fmt"
	"testing"
	"time"
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
