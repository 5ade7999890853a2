package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ringside/ringside/internal/procmem"
	"github.com/ringside/ringside/mirror"
)

// The ingester targets of the mirror-mode issue.
const (
	targetSyncRate = 1.0 // initial sync rate / bare listing rate, at least
	// targetParallelSync: initial sync rate / single-stream bare listing
	// rate, at least, where the backend lists that much faster in parallel.
	targetParallelSync = 2.0
	targetPassCost     = 1.1 // no-change pass / bare listing, at most
	// targetMemoryGrowth: the live heap a pass over the large bucket holds
	// exceeds what a pass over the small one holds by at most this.
	targetMemoryGrowth = 4 * mi
)

// mirrorBucketSpec is a mirror bucket and the keys its backend bucket holds.
type mirrorBucketSpec struct {
	name string
	keys int
}

func (b *bench) mirrorBuckets() []mirrorBucketSpec {
	return []mirrorBucketSpec{{mirrorSmallBucket, b.plan.MirrorSmallKeys}, {listBucket, b.plan.ListKeys}}
}

// ingestRun is what is measured on one mirror bucket.
type ingestRun struct {
	mirrorBucketSpec
	sync     syncTimes
	syncPeak memoryPeak
	bares    []float64 // seconds of each bare listing
	paras    []float64 // seconds of each bare listing in key ranges side by side
	passes   []float64 // seconds of each no-change pass
	held     int64     // live heap a no-change pass holds
}

// runIngest measures the ingester: initial sync, no-change passes, its
// memory, and change-to-visibility latency, on a small and a large
// mirror bucket. Each bucket is paused while the other is measured, and
// both stay paused for the rest of the run.
func (b *bench) runIngest(ctx context.Context) error {
	var runs []*ingestRun
	for _, m := range b.mirrorBuckets() {
		r := &ingestRun{mirrorBucketSpec: m}
		head, err := b.headRateBefore(ctx, m)
		if err != nil {
			return err
		}
		if err := b.initialSync(ctx, r); err != nil {
			return err
		}
		if err := b.sweepFigure(ctx, r, head); err != nil {
			return err
		}
		runs = append(runs, r)
	}
	for _, r := range runs {
		if err := b.noChangePasses(ctx, r); err != nil {
			return err
		}
		b.ingestFigures(r)
	}
	for _, r := range runs {
		if err := b.visibility(ctx, r); err != nil {
			return err
		}
	}
	for _, r := range runs {
		if err := b.feedVisibility(ctx, r); err != nil {
			return err
		}
	}
	small, large := runs[0], runs[1]
	more := large.held - small.held
	b.rep.figure(figure{
		ID:    "ingest-memory-growth",
		Name:  fmt.Sprintf("ingester memory: live heap a pass holds, %d versions minus %d versions", large.keys, small.keys),
		Value: mib(more), Unit: "MiB", Compare: fmt.Sprintf("%.1f MiB and %.1f MiB", mib(large.held), mib(small.held)),
		Target: fmt.Sprintf("<= %d MiB (flat)", targetMemoryGrowth/mi), Met: ptr(more <= targetMemoryGrowth),
	})
	return nil
}

// initialSync creates the mirror bucket over its filled backend bucket and
// times its initial sync; a bare listing of the bucket just before is the
// first of the listings it is compared with.
func (b *bench) initialSync(ctx context.Context, r *ingestRun) error {
	if err := b.bareListings(ctx, r); err != nil {
		return err
	}
	if err := b.rs.addLocation(ctx, b.be, r.name); err != nil {
		return err
	}
	logf("ingest: initial sync of %s (%d versions)", r.name, r.keys)
	mem := b.sampleMemory(ctx, false)
	start := time.Now()
	if err := b.rs.createBucket(ctx, r.name, true); err != nil {
		mem.stop()
		return err
	}
	var err error
	r.sync, err = b.waitSynced(ctx, r.mirrorBucketSpec, start)
	r.syncPeak = mem.stop()
	if err != nil {
		return err
	}
	if n, err := b.countGatewayKeys(ctx, r.name); err != nil {
		return err
	} else if n != r.keys {
		return fmt.Errorf("after the initial sync the gateway lists %d keys of %s, want %d", n, r.name, r.keys)
	}
	if _, err := b.rs.Admin.PauseMirror(ctx, r.name); err != nil {
		return fmt.Errorf("pause %s: %w", r.name, err)
	}
	return nil
}

// ingestFigures reports the initial sync and the no-change passes of a
// bucket against the median of its bare listings.
func (b *bench) ingestFigures(r *ingestRun) {
	bare := median(r.bares)
	bareRate := float64(r.keys) / bare
	rate := float64(r.keys) / r.sync.listable.Seconds()
	key := strconv.Itoa(r.keys)
	b.rep.figure(figure{ID: "ingest-sync-rate-" + key, Name: fmt.Sprintf("initial sync, %d versions: rate at which they become listable through the gateway", r.keys),
		Value: rate, Unit: "versions/s", Compare: fmt.Sprintf("bare ListObjectVersions %.0f versions/s, %.2f s (ratio %.2f)", bareRate, bare, rate/bareRate),
		Target: fmt.Sprintf(">= %.1f x bare listing", targetSyncRate), Met: ptr(rate/bareRate >= targetSyncRate)})
	meta := figure{ID: "ingest-metadata-" + key, Name: fmt.Sprintf("initial sync, %d versions: time until every version's metadata is read", r.keys),
		Unit: "s", Compare: fmt.Sprintf("all listable after %.2f s; initial sync pass done after %.2f s", r.sync.listable.Seconds(), r.sync.passDone.Seconds())}
	if r.sync.metadata > 0 {
		meta.Value = r.sync.metadata.Seconds()
	} else {
		meta.Value = math.NaN()
		meta.Note = "not observed before the deadline"
	}
	b.rep.figure(meta)
	b.rep.figure(figure{ID: "ingest-sync-rss-" + key, Name: fmt.Sprintf("initial sync, %d versions: ringside peak RSS", r.keys),
		Value: mib(r.syncPeak.RSS), Unit: "MiB", Compare: r.syncPeak.split(),
		Target: fmt.Sprintf("<= %d MiB", targetPeakRSS/mi), Met: ptr(r.syncPeak.RSS <= targetPeakRSS)})
	if b.flags.listConc > 1 {
		b.parallelFigures(r.keys, median(r.paras), bareRate, rate)
	}
	ratio := median(r.passes) / bare
	b.rep.figure(figure{ID: "ingest-pass-" + key, Name: fmt.Sprintf("pass finding no change, %d versions", r.keys),
		Value: median(r.passes), Unit: "s", Compare: fmt.Sprintf("bare listing %.2f s (ratio %.2f)", bare, ratio),
		Target: fmt.Sprintf("<= %.1f x bare listing", targetPassCost), Met: ptr(ratio <= targetPassCost)})
}

// parallelFigures reports the backend's own listing in key ranges side by
// side and the initial sync's rate against the single-stream listing.
func (b *bench) parallelFigures(keys int, paraSeconds, bareRate, syncRate float64) {
	n, key := b.flags.listConc, strconv.Itoa(keys)
	paraRate := float64(keys) / paraSeconds
	b.rep.figure(figure{ID: "ingest-bare-parallel-" + key, Name: fmt.Sprintf("bare ListObjectVersions of %d versions, %d streams over as many key ranges", keys, n),
		Value: paraRate, Unit: "versions/s", Compare: fmt.Sprintf("one stream %.0f versions/s (ratio %.2f)", bareRate, paraRate/bareRate)})
	f := figure{ID: "ingest-sync-parallel-" + key, Name: fmt.Sprintf("initial sync, %d versions, --mirror-list-concurrency %d: listable rate / one-stream bare listing rate", keys, n),
		Value: syncRate / bareRate, Unit: "x", Compare: fmt.Sprintf("%.0f versions/s; the backend's own %d-stream listing %.2f x", syncRate, n, paraRate/bareRate),
		Target: fmt.Sprintf(">= %.0f x where the backend serves parallel listings", targetParallelSync)}
	if paraRate/bareRate >= targetParallelSync {
		f.Met = ptr(syncRate/bareRate >= targetParallelSync)
	} else {
		f.Note = fmt.Sprintf("not judged: the backend lists only %.2f x faster with %d streams", paraRate/bareRate, n)
	}
	b.rep.figure(f)
}

// syncTimes are the moments of an initial sync, from the bucket's
// creation: every version listable, the initial pass complete, every
// version's metadata read (0 when not seen).
type syncTimes struct {
	listable, passDone, metadata time.Duration
}

// syncPoll is the pace of waitSynced's status polls. The moments come
// from ringside's own record of them, not from when a poll saw them, so
// the pace only bounds how long the harness waits, and a slow one keeps
// the polls from taking CPU away from the sync they time.
const syncPoll = 50 * time.Millisecond

// waitSynced polls the mirror status until the initial sync pass is done,
// then takes the moments it reports: every version listable (as a poll
// saw it, if the pass never completes), and the end of the metadata sweep
// once the ingester's metrics show every version's metadata read.
// Versions whose headers the sweep failed to read are read by a later
// pass: then the metadata moment is when a scrape saw them all.
func (b *bench) waitSynced(ctx context.Context, m mirrorBucketSpec, start time.Time) (syncTimes, error) {
	var t syncTimes
	deadline := time.Now().Add(time.Duration(m.keys)*2*time.Millisecond + 2*time.Minute)
	for t.passDone == 0 && time.Now().Before(deadline) {
		st, err := b.rs.Admin.MirrorStatus(ctx, m.name)
		if err != nil {
			return t, fmt.Errorf("mirror status of %s: %w", m.name, err)
		}
		if t.listable == 0 && st.InitialSynced >= int64(m.keys) {
			t.listable = time.Since(start) // as a poll sees it, for a sync that never ends
		}
		if st.Passes >= 1 {
			if t, err = passedSync(st, start); err != nil {
				return t, fmt.Errorf("initial sync of %s: %w", m.name, err)
			}
			logf("ingest: %s listable after %.2fs, initial pass done after %.2fs", m.name, t.listable.Seconds(), t.passDone.Seconds())
			break
		}
		if err := sleepCtx(ctx, syncPoll); err != nil {
			return t, err
		}
	}
	if t.passDone == 0 {
		return t, fmt.Errorf("the initial sync of %s did not finish by the deadline", m.name)
	}
	err := b.waitMetadata(ctx, m, start, deadline, &t)
	return t, err
}

// passedSync reads the moments of a completed initial sync from the
// status ringside reports after it.
func passedSync(st mirror.Status, start time.Time) (syncTimes, error) {
	if st.InitialListedAt.IsZero() || st.InitialMetadataAt.IsZero() {
		return syncTimes{}, errors.New("the status does not say when the sync was listable and when its sweep ended")
	}
	return syncTimes{
		listable: st.InitialListedAt.Sub(start),
		passDone: st.LastPassStart.Add(time.Duration(st.LastPassSeconds * float64(time.Second))).Sub(start),
		metadata: st.InitialMetadataAt.Sub(start),
	}, nil
}

// waitMetadata checks the ingester's metrics for every version's metadata
// read: right after the initial pass, the sweep's end is the moment; if
// some are still missing, it polls until a later pass has read them.
func (b *bench) waitMetadata(ctx context.Context, m mirrorBucketSpec, start, deadline time.Time, t *syncTimes) error {
	q := metricQuery{Name: "ringside_mirror_changes_applied_total", Labels: map[string]string{"bucket": m.name, "kind": mirror.KindMetadata}}
	for first := true; time.Now().Before(deadline); first = false {
		v, err := b.rs.scrape(ctx, q)
		if err != nil {
			return err
		}
		if int(v[0]) >= m.keys {
			if !first {
				t.metadata = time.Since(start)
			}
			logf("ingest: %s metadata complete after %.2fs", m.name, t.metadata.Seconds())
			return nil
		}
		t.metadata = 0
		if err := sleepCtx(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// bareListing times one single-stream ListObjectVersions of the whole
// backend bucket, pages of 1,000: the limit of a listing-based design.
func (b *bench) bareListing(ctx context.Context, bucket string) (time.Duration, error) {
	start := time.Now()
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), MaxKeys: aws.Int32(1000)}
	for {
		out, err := b.direct.C.ListObjectVersions(ctx, in)
		if err != nil {
			return 0, fmt.Errorf("list versions of %s: %w", bucket, err)
		}
		if !aws.ToBool(out.IsTruncated) {
			return time.Since(start), nil
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
}

// bareListings times a single-stream bare listing of a mirror bucket's
// backend bucket, then one in key ranges side by side.
func (b *bench) bareListings(ctx context.Context, r *ingestRun) error {
	bare, err := b.bareListing(ctx, r.name)
	if err != nil {
		return err
	}
	para := bare
	if b.flags.listConc > 1 {
		cut := func(i int) string { return listKey(i * r.keys / b.flags.listConc) }
		if para, err = b.bareParallelListing(ctx, r.name, b.flags.listConc, cut); err != nil {
			return err
		}
	}
	r.bares, r.paras = append(r.bares, bare.Seconds()), append(r.paras, para.Seconds())
	logf("ingest: bare listing of %s: one stream %.2fs, %d streams %.2fs", r.name, bare.Seconds(), b.flags.listConc, para.Seconds())
	return nil
}

// bareParallelListing times n ListObjectVersions streams side by side,
// each over one of n key ranges holding as many of the keys the harness
// wrote (cut(i) is the key the i-th range starts after): the backend's own
// rate when listed in parallel, what ringside's key ranges can reach at
// best.
func (b *bench) bareParallelListing(ctx context.Context, bucket string, n int, cut func(i int) string) (time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	errs := make(chan error, n)
	for i := range n {
		after, through := "", ""
		if i > 0 {
			after = cut(i)
		}
		if i < n-1 {
			through = cut(i + 1)
		}
		go func() { errs <- b.listKeyRange(ctx, bucket, after, through) }()
	}
	var first error
	for range n {
		if err := <-errs; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return time.Since(start), first
}

// listKeyRange lists the versions of the keys in (after, through] ("" for
// no bound) in pages of 1,000.
func (b *bench) listKeyRange(ctx context.Context, bucket, after, through string) error {
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), MaxKeys: aws.Int32(1000)}
	if after != "" {
		in.KeyMarker = aws.String(after)
	}
	for {
		out, err := b.direct.C.ListObjectVersions(ctx, in)
		if err != nil {
			return fmt.Errorf("list versions of %s after %q: %w", bucket, aws.ToString(in.KeyMarker), err)
		}
		if n := len(out.Versions); !aws.ToBool(out.IsTruncated) || through != "" && n > 0 && aws.ToString(out.Versions[n-1].Key) > through {
			return nil
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
}

// countGatewayKeys lists the LIST prefix of a bucket through ringside.
func (b *bench) countGatewayKeys(ctx context.Context, bucket string) (int, error) {
	p := s3.NewListObjectsV2Paginator(b.gateway.C, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(listPrefix)})
	n := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return n, fmt.Errorf("list %s through the gateway: %w", bucket, err)
		}
		n += len(out.Contents)
	}
	return n, nil
}

// noChangePasses times full passes that find nothing, each after a bare
// listing of the same bucket.
func (b *bench) noChangePasses(ctx context.Context, r *ingestRun) error {
	for round := range b.plan.IngestRounds {
		if err := b.bareListings(ctx, r); err != nil {
			return err
		}
		if _, err := b.rs.Admin.ResumeMirror(ctx, r.name); err != nil {
			return fmt.Errorf("resume %s: %w", r.name, err)
		}
		st, err := b.rs.Admin.Rescan(ctx, r.name, true)
		if err != nil {
			return fmt.Errorf("rescan %s: %w", r.name, err)
		}
		if _, err := b.rs.Admin.PauseMirror(ctx, r.name); err != nil {
			return fmt.Errorf("pause %s: %w", r.name, err)
		}
		if st.LastPassChanges != 0 {
			return fmt.Errorf("a pass over unchanged %s applied %d changes", r.name, st.LastPassChanges)
		}
		r.passes = append(r.passes, st.LastPassSeconds)
		logf("ingest: %s round %d: pass %.2fs, bare listing %.2fs", r.name, round+1, st.LastPassSeconds, r.bares[len(r.bares)-1])
	}
	return nil
}

// visibility writes changes directly on the backend, spaced out, and
// polls a gateway listing until each shows; then it checks that a point
// read through the gateway sees a fresh backend write at once. The pass
// that brings the resumed bucket to its steady state first finds no
// change: the live heap it holds is sampled meanwhile (after forced
// collections, so that the samples are about live memory).
func (b *bench) visibility(ctx context.Context, r *ingestRun) error {
	m := r.mirrorBucketSpec
	if err := b.rs.collectGarbage(ctx); err != nil {
		return err
	}
	base, err := b.rs.scrape(ctx, metricQuery{Name: heapMetric})
	if err != nil {
		return err
	}
	mem := b.sampleMemory(ctx, true)
	st, err := b.rs.Admin.ResumeMirror(ctx, m.name)
	if err != nil {
		mem.stop()
		return fmt.Errorf("resume %s: %w", m.name, err)
	}
	err = b.waitPasses(ctx, m.name, st.Passes+1)
	peak := mem.stop()
	if err != nil {
		return err
	}
	r.held = max(0, peak.Heap-int64(base[0]))
	b.rep.figure(figure{ID: "ingest-pass-memory-" + strconv.Itoa(m.keys), Name: fmt.Sprintf("pass finding no change, %d versions: live heap held by the pass", m.keys),
		Value: mib(r.held), Unit: "MiB", Compare: fmt.Sprintf("live heap %.1f MiB before, %.1f MiB at the peak; ringside peak RSS %.0f MiB", mib(int64(base[0])), mib(peak.Heap), mib(peak.RSS))})
	n := b.plan.VisibilityChanges
	lat, missing, err := b.writeAndPoll(ctx, m.name, m.name)
	if err != nil {
		return err
	}
	first, err := b.pointReads(ctx, m.name)
	if err != nil {
		return err
	}
	if _, err := b.rs.Admin.PauseMirror(ctx, m.name); err != nil {
		return fmt.Errorf("pause %s: %w", m.name, err)
	}
	key := strconv.Itoa(m.keys)
	f := figure{ID: "ingest-visibility-" + key, Name: fmt.Sprintf("backend write to gateway listing, %d objects, p50", m.keys),
		Value: percentile(lat, 50) / 1000, Unit: "s", Compare: fmt.Sprintf("p99 %.2f s over %d changes", percentile(lat, 99)/1000, n)}
	if missing > 0 {
		f.Note = fmt.Sprintf("%d of %d changes never showed", missing, n)
	}
	b.rep.figure(f)
	b.rep.figure(figure{ID: "ingest-point-read-" + key, Name: fmt.Sprintf("backend write seen by the first gateway HEAD, %d objects", m.keys),
		Value: float64(first), Unit: fmt.Sprintf("of %d", b.plan.PointReads), Target: "all", Met: ptr(first == b.plan.PointReads)})
	return nil
}

// writeAndPoll writes plan.VisibilityChanges objects directly to backend
// bucket target, spaced out, and polls gateway bucket's listing until each
// shows; it returns each change's latency and how many never showed.
func (b *bench) writeAndPoll(ctx context.Context, target, bucket string) ([]time.Duration, int, error) {
	n := b.plan.VisibilityChanges
	prefix := fmt.Sprintf("vis/%d/", time.Now().UnixNano())
	logf("ingest: %d changes to %s, one every %s", n, target, b.plan.VisibilitySpacing)
	acks := make([]time.Time, n)
	var writeErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		for i := range n {
			time.Sleep(time.Until(start.Add(time.Duration(i) * b.plan.VisibilitySpacing)))
			key := fmt.Sprintf("%s%04d", prefix, i)
			if err := b.putObject(ctx, b.direct.C, target, key, 16); err != nil {
				writeErr = err
				return
			}
			acks[i] = time.Now()
		}
	}()
	seen, pollErr := b.pollVisible(ctx, bucket, prefix, n, time.Duration(n)*b.plan.VisibilitySpacing+time.Minute)
	wg.Wait()
	if writeErr != nil {
		return nil, 0, writeErr
	}
	if pollErr != nil {
		return nil, 0, pollErr
	}
	var lat []time.Duration
	missing := 0
	for i := range n {
		if seen[i].IsZero() {
			missing++
			continue
		}
		lat = append(lat, max(0, seen[i].Sub(acks[i])))
	}
	return lat, missing, nil
}

// waitPasses waits until a mirror bucket has completed n passes.
func (b *bench) waitPasses(ctx context.Context, bucket string, n int64) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		st, err := b.rs.Admin.MirrorStatus(ctx, bucket)
		if err != nil {
			return fmt.Errorf("mirror status of %s: %w", bucket, err)
		}
		if st.Passes >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not complete pass %d by the deadline", bucket, n)
}

// pollVisible lists prefix through the gateway until its n keys have all
// shown, and returns when each was first seen.
func (b *bench) pollVisible(ctx context.Context, bucket, prefix string, n int, timeout time.Duration) ([]time.Time, error) {
	seen := make([]time.Time, n)
	count := 0
	deadline := time.Now().Add(timeout)
	for count < n && time.Now().Before(deadline) {
		p := s3.NewListObjectsV2Paginator(b.gateway.C, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list %s through the gateway: %w", bucket, err)
			}
			now := time.Now()
			for _, o := range out.Contents {
				i, err := strconv.Atoi(strings.TrimPrefix(aws.ToString(o.Key), prefix))
				if err != nil || i < 0 || i >= n {
					return nil, fmt.Errorf("unexpected key %q in %s", aws.ToString(o.Key), bucket)
				}
				if seen[i].IsZero() {
					seen[i] = now
					count++
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return seen, nil
}

// pointReads writes objects directly and HEADs each through the gateway
// right after; it returns how many the first HEAD found.
func (b *bench) pointReads(ctx context.Context, bucket string) (int, error) {
	prefix := fmt.Sprintf("pr/%d/", time.Now().UnixNano())
	found := 0
	for i := range b.plan.PointReads {
		key := fmt.Sprintf("%s%04d", prefix, i)
		if err := b.putObject(ctx, b.direct.C, bucket, key, 16); err != nil {
			return 0, err
		}
		out, err := b.gateway.C.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err == nil && aws.ToInt64(out.ContentLength) == 16 {
			found++
		}
	}
	return found, nil
}

// mirrorQuietly makes a mirror bucket, waits for its initial sync and
// metadata, and pauses it: for the LIST workload run without the
// ingester figures.
func (b *bench) mirrorQuietly(ctx context.Context, bucket string, keys int) error {
	if err := b.rs.bindBucket(ctx, b.be, bucket, true); err != nil {
		return err
	}
	if _, err := b.waitSynced(ctx, mirrorBucketSpec{bucket, keys}, time.Now()); err != nil {
		return err
	}
	if _, err := b.rs.Admin.PauseMirror(ctx, bucket); err != nil {
		return fmt.Errorf("pause %s: %w", bucket, err)
	}
	return nil
}

// memoryPeak is the highest ringside RSS and Go heap in use seen.
type memoryPeak struct {
	RSS, Heap int64
	// Anon and File are the highest anonymous and file-mapped parts of
	// RSS sampled (every 50 ms, so a shorter peak may be missed).
	Anon, File int64
	// Files splits File near its peak: read when File climbs 2 MiB past
	// the last split.
	Files procmem.MappedFiles
}

// split says what a peak RSS is made of.
func (p memoryPeak) split() string {
	return fmt.Sprintf("peak Go heap in use %.0f MiB; sampled peaks: anonymous %.0f MiB, mapped index files (page cache the kernel can take back) %.0f MiB (%s)",
		mib(p.Heap), mib(p.Anon), mib(p.File), p.Files)
}

// memSampler samples ringside's memory until stopped.
type memSampler struct {
	pid    int
	cancel context.CancelFunc
	done   chan struct{}
	peak   memoryPeak
	err    error
}

const heapMetric = "go_memstats_heap_inuse_bytes"

// sampleMemory resets ringside's peak RSS and samples its Go heap in use
// until stopped, every 50 ms; with live, right after a forced collection,
// so that the samples are about the live heap. stop returns the peaks.
func (b *bench) sampleMemory(ctx context.Context, live bool) *memSampler {
	ctx, cancel := context.WithCancel(ctx)
	s := &memSampler{pid: b.rs.pid(), cancel: cancel, done: make(chan struct{})}
	s.err = resetPeakMemory(s.pid)
	every := 50 * time.Millisecond
	go func() {
		defer close(s.done)
		for {
			var err error
			if live {
				err = b.rs.collectGarbage(ctx)
			}
			if err == nil {
				var v []float64
				if v, err = b.rs.scrape(ctx, metricQuery{Name: heapMetric}); err == nil {
					s.peak.Heap = max(s.peak.Heap, int64(v[0]))
				}
			}
			if m, err := readMemory(s.pid); err == nil {
				s.peak.Anon, s.peak.File = max(s.peak.Anon, m.Anon), max(s.peak.File, m.File)
				s.splitFiles(m.File)
			}
			if err != nil && ctx.Err() == nil && s.err == nil {
				s.err = err
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(every):
			}
		}
	}()
	return s
}

// splitFiles reads which files the mapped part is made of when it has
// climbed past the last reading: the last one read is near the peak.
func (s *memSampler) splitFiles(file int64) {
	if file <= s.peak.Files.Total+2<<20 {
		return
	}
	if f, err := procmem.ReadMappedFiles(s.pid); err == nil {
		s.peak.Files = f
	}
}

func (s *memSampler) stop() memoryPeak {
	s.cancel()
	<-s.done
	if m, err := readMemory(s.pid); err == nil {
		s.peak.RSS = m.HWM
	} else if s.err == nil {
		s.err = err
	}
	if s.err != nil && !errors.Is(s.err, context.Canceled) {
		logf("memory sampling: %v", s.err)
	}
	return s.peak
}

func ptr[T any](v T) *T { return &v }
