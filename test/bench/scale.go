package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseSyncSizes reads --sync-sizes, a comma-separated list of key counts.
func parseSyncSizes(s string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("--sync-sizes: %q is not a number of keys", f)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// syncBucket is the backend bucket of the extra initial sync of n keys.
func syncBucket(n int) string { return "bench-sync-" + strconv.Itoa(n) }

// runSyncSizes fills a backend bucket of each extra size and measures its
// initial sync alone: the rate at which it becomes listable, its metadata
// sweep and ringside's peak RSS. The bucket stays paused afterwards.
func (b *bench) runSyncSizes(ctx context.Context) error {
	for _, n := range b.plan.SyncSizes {
		m := mirrorBucketSpec{syncBucket(n), n}
		if err := createBackendBucket(ctx, b.direct.C, m.name, true); err != nil {
			return err
		}
		logf("ingest: writing %d keys to %s", n, m.name)
		start := time.Now()
		if err := b.populate(ctx, m.name, n); err != nil {
			return err
		}
		logf("ingest: %d keys written in %.1fs", n, time.Since(start).Seconds())
		head, err := b.headRateBefore(ctx, m)
		if err != nil {
			return err
		}
		r := &ingestRun{mirrorBucketSpec: m}
		if err := b.initialSync(ctx, r); err != nil {
			return err
		}
		if err := b.sweepFigure(ctx, r, head); err != nil {
			return err
		}
		b.syncFigures(r)
	}
	return nil
}
