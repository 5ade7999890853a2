package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ringside/ringside/admin"
)

// scaleBucket is the backend bucket of the scale group, and its mirror
// bucket through ringside.
const scaleBucket = "bench-scale"

// scaleKey spreads the keys over 1000 prefixes, as applications do, in an
// order that is not the listing's.
func scaleKey(i int) string {
	return fmt.Sprintf("s/%03d/%07d", i%1000, i)
}

// runScale measures the change feed's freshness on a mirror bucket of
// plan.ScaleKeys objects: the embedded backend is filled at once
// (embedded.Server.Preload; PUTting a million objects over HTTP into MinIO
// takes too long for a run), ringside syncs it following the listen
// stream, then backend writes are timed until the gateway lists them. The
// initial sync's time and ringside's peak RSS during it are reported too.
// Opt-in (--scale or --only scale): it adds minutes to a run.
func (b *bench) runScale(ctx context.Context) error {
	if b.be.emb == nil {
		return errors.New("the scale group needs --backend embedded: filling MinIO over HTTP takes too long")
	}
	n := b.plan.ScaleKeys
	logf("scale: preloading %d objects into the embedded backend", n)
	start := time.Now()
	if err := b.be.emb.Preload(scaleBucket, n, scaleKey, 16); err != nil {
		return err
	}
	logf("scale: preloaded in %.1fs", time.Since(start).Seconds())
	bare, para, err := b.scaleListings(ctx, n)
	if err != nil {
		return err
	}
	logf("scale: initial sync of %s (%d versions), following the %s feed", scaleBucket, n, feedKind(b.be.Kind))
	sync, peak, err := b.syncScale(ctx, n)
	if err != nil {
		return err
	}
	b.scaleSyncFigures(n, sync, peak, bare)
	if b.flags.listConc > 1 {
		b.parallelFigures(n, para.Seconds(), float64(n)/bare.Seconds(), float64(n)/sync.listable.Seconds())
	}
	if err := b.scaleVisibility(ctx, n); err != nil {
		return err
	}
	if _, err := b.rs.Admin.PauseMirror(ctx, scaleBucket); err != nil {
		return fmt.Errorf("pause %s: %w", scaleBucket, err)
	}
	return b.scaleConstrained(ctx, n, sync)
}

// syncScale adds the scale bucket to b.rs as a mirror bucket and waits
// for its initial sync, sampling ringside's memory meanwhile.
func (b *bench) syncScale(ctx context.Context, n int) (syncTimes, memoryPeak, error) {
	_, err := b.rs.Admin.AddLocation(ctx, admin.NewLocation{
		Name: "loc-" + scaleBucket, Endpoint: b.be.URL, Region: "us-east-1", AccessKey: b.be.AccessKey,
		SecretKey: b.be.SecretKey, TargetBucket: scaleBucket, NoPrefix: true, Feed: feedKind(b.be.Kind),
	})
	if err != nil {
		return syncTimes{}, memoryPeak{}, fmt.Errorf("add the location of %s: %w", scaleBucket, err)
	}
	mem := b.sampleMemory(ctx, false)
	start := time.Now()
	if err := b.rs.createBucket(ctx, scaleBucket, true); err != nil {
		mem.stop()
		return syncTimes{}, memoryPeak{}, err
	}
	sync, err := b.waitSynced(ctx, mirrorBucketSpec{name: scaleBucket, keys: n}, start)
	return sync, mem.stop(), err
}

// scaleConstrained syncs the scale bucket again, into a second ringside
// held by a memory cgroup to targetPeakRSS, page cache included: the
// index's tables, mapped, count in RSS although the kernel takes their
// pages back when it needs them, and this shows what ringside needs.
func (b *bench) scaleConstrained(ctx context.Context, n int, free syncTimes) error {
	f := figure{ID: "scale-sync-cgroup-" + strconv.Itoa(n),
		Name: fmt.Sprintf("initial sync of %d versions (embedded backend) in a memory cgroup limited to %d MiB, page cache included: all listable",
			n, targetPeakRSS/mi),
		Unit: "s", Target: "completes, no OOM kill"}
	cg, err := newMemCgroup(targetPeakRSS)
	if err != nil {
		f.Note = "not measured: " + err.Error()
		b.rep.figure(f)
		return nil
	}
	defer cg.remove()
	logf("scale: initial sync of %s again, ringside in a %d MiB memory cgroup", scaleBucket, targetPeakRSS/mi)
	sync, peak, syncErr := b.syncConstrained(ctx, cg, n)
	kills, err := cg.oomKills()
	if err != nil {
		return fmt.Errorf("read OOM kills of the memory cgroup: %w", err)
	}
	charged, err := cg.peak()
	if err != nil {
		return fmt.Errorf("read the peak of the memory cgroup: %w", err)
	}
	f.Value, f.Met = sync.listable.Seconds(), ptr(syncErr == nil && kills == 0)
	f.Compare = fmt.Sprintf("%.2f x the unconstrained sync's rate; metadata read after %.1f s; ringside peak RSS %.0f MiB (%s); most charged to the cgroup %.0f MiB; OOM kills %d",
		free.listable.Seconds()/sync.listable.Seconds(), sync.metadata.Seconds(), mib(peak.RSS), peak.split(), mib(charged), kills)
	if syncErr != nil {
		f.Note = "the sync did not complete: " + syncErr.Error()
	}
	b.rep.figure(f)
	return nil
}

// syncConstrained runs a second ringside, with a data dir of its own, in
// cg and syncs the scale bucket into it; b.rs is that ringside meanwhile.
func (b *bench) syncConstrained(ctx context.Context, cg *memCgroup, n int) (syncTimes, memoryPeak, error) {
	dir, err := os.MkdirTemp(filepath.Dir(filepath.Dir(b.rs.bin)), "constrained-")
	if err != nil {
		return syncTimes{}, memoryPeak{}, err
	}
	defer os.RemoveAll(dir)
	adminListen, err := freeAddr()
	if err != nil {
		return syncTimes{}, memoryPeak{}, err
	}
	rs, err := newRingside(b.rs.bin, dir, adminListen, "--mirror-list-concurrency", strconv.Itoa(b.flags.listConc))
	if err != nil {
		return syncTimes{}, memoryPeak{}, err
	}
	rs.cgroup = cg
	if err := rs.start(ctx); err != nil {
		return syncTimes{}, memoryPeak{}, err
	}
	defer rs.stop()
	main := b.rs
	b.rs = rs
	defer func() { b.rs = main }()
	return b.syncScale(ctx, n)
}

// scaleListings times a bare single-stream listing of the scale bucket
// and, with more than one lister, one in as many key ranges side by side:
// the rates its initial sync is compared with.
func (b *bench) scaleListings(ctx context.Context, n int) (bare, para time.Duration, err error) {
	if bare, err = b.bareListing(ctx, scaleBucket); err != nil {
		return 0, 0, err
	}
	para, conc := bare, b.flags.listConc
	if conc > 1 {
		// scaleKey spreads keys evenly over its 1000 prefixes.
		cut := func(i int) string { return fmt.Sprintf("s/%03d/", i*1000/conc) }
		if para, err = b.bareParallelListing(ctx, scaleBucket, conc, cut); err != nil {
			return 0, 0, err
		}
	}
	logf("scale: bare listing of %d versions: one stream %.1fs, %d streams %.1fs", n, bare.Seconds(), conc, para.Seconds())
	return bare, para, nil
}

// scaleSyncFigures reports the initial sync of the scale bucket against a
// bare listing, and ringside's peak RSS meanwhile.
func (b *bench) scaleSyncFigures(n int, t syncTimes, peak memoryPeak, bare time.Duration) {
	id := strconv.Itoa(n)
	b.rep.figure(figure{ID: "scale-sync-listable-" + id,
		Name:  fmt.Sprintf("initial sync of %d versions (embedded backend): all listable", n),
		Value: t.listable.Seconds(), Unit: "s",
		Compare: fmt.Sprintf("%.0f versions/s, %.2f x the one-stream bare listing (%.0f versions/s); initial pass done after %.1f s, metadata read after %.1f s",
			float64(n)/t.listable.Seconds(), bare.Seconds()/t.listable.Seconds(), float64(n)/bare.Seconds(), t.passDone.Seconds(), t.metadata.Seconds())})
	b.rep.figure(figure{ID: "scale-sync-rss-" + id,
		Name:  fmt.Sprintf("ringside peak RSS during the initial sync of %d versions", n),
		Value: mib(peak.RSS), Unit: "MiB", Compare: peak.split(),
		Target: fmt.Sprintf("<= %d MiB", targetPeakRSS/mi), Met: ptr(peak.RSS <= targetPeakRSS)})
}

// scaleVisibility times backend writes until the gateway lists them,
// through the feed, on the synced scale bucket.
func (b *bench) scaleVisibility(ctx context.Context, n int) error {
	kind := feedKind(b.be.Kind)
	before, err := b.rs.Admin.MirrorStatus(ctx, scaleBucket)
	if err != nil {
		return fmt.Errorf("mirror status of %s: %w", scaleBucket, err)
	}
	lat, missing, err := b.writeAndPoll(ctx, scaleBucket, scaleBucket)
	if err != nil {
		return err
	}
	after, err := b.rs.Admin.MirrorStatus(ctx, scaleBucket)
	if err != nil {
		return fmt.Errorf("mirror status of %s: %w", scaleBucket, err)
	}
	p50, p99 := percentile(lat, 50)/1000, percentile(lat, 99)/1000
	f := figure{ID: "ingest-feed-visibility-" + strconv.Itoa(n),
		Name:  fmt.Sprintf("backend write to gateway listing with the %s feed, %d objects (embedded backend), p50", kind, n),
		Value: p50, Unit: "s", Target: "p50 <= 0.1 s, p99 <= 1 s", Met: ptr(p50 <= 0.1 && p99 <= 1 && missing == 0),
		Compare: fmt.Sprintf("p99 %.3f s over %d changes; %d full passes meanwhile", p99, len(lat), after.Passes-before.Passes)}
	if missing > 0 {
		f.Note = fmt.Sprintf("%d of %d changes never showed", missing, b.plan.VisibilityChanges)
	}
	b.rep.figure(f)
	return nil
}
