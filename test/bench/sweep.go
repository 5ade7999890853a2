package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ringside/ringside/backend"
)

// The metadata sweep reads the headers of an initial sync's versions with
// the ingester's default concurrency; at that concurrency it should reach
// this share of the backend's own HEAD rate. The sweep is timed from the
// moments ringside records (listing done, sweep ended); only buckets whose
// sweep lasts about a second are measured, as long as the HEAD rate it is
// compared with.
const (
	sweepConc        = 16
	targetSweepShare = 0.8
	sweepMinKeys     = 5000
)

// backendHeadRate is the rate of versioned HEADs the backend answers to
// sweepConc workers over the versions of bucket, with the backend client
// the ingester uses, for about d.
func (b *bench) backendHeadRate(ctx context.Context, bucket string, d time.Duration) (float64, error) {
	c, err := backend.New(backend.Config{Endpoint: b.be.URL, AccessKey: b.be.AccessKey, SecretKey: b.be.SecretKey, Bucket: bucket})
	if err != nil {
		return 0, err
	}
	type ref struct{ key, version string }
	var refs []ref
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), MaxKeys: aws.Int32(1000)}
	for {
		out, err := b.direct.C.ListObjectVersions(ctx, in)
		if err != nil {
			return 0, fmt.Errorf("list versions of %s: %w", bucket, err)
		}
		for _, v := range out.Versions {
			refs = append(refs, ref{aws.ToString(v.Key), aws.ToString(v.VersionId)})
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
	if len(refs) == 0 {
		return 0, fmt.Errorf("%s has no versions", bucket)
	}
	s := runFor(ctx, sweepConc, d, func(ctx context.Context, w, i int) (int64, error) {
		r := refs[(w*len(refs)/sweepConc+i)%len(refs)]
		_, err := c.HeadObject(ctx, r.key, r.version)
		return 0, err
	})
	if s.Errors > 0 {
		return 0, fmt.Errorf("HEAD of %s: %d errors, the first: %s", bucket, s.Errors, s.FirstErr)
	}
	return opsPerSecond(s), nil
}

// sweepFigure reports the rate at which an initial sync's metadata sweep
// read headers, from the moment every version was listable to the moment
// every version's metadata was read, against the backend's HEAD rate at
// the same concurrency, the mean of before (headBefore) and right after.
func (b *bench) sweepFigure(ctx context.Context, r *ingestRun, headBefore float64) error {
	if headBefore == 0 || r.sync.metadata == 0 || r.sync.metadata <= r.sync.listable {
		return nil
	}
	swept := r.sync.metadata - r.sync.listable
	headAfter, err := b.backendHeadRate(ctx, r.name, min(max(swept, time.Second), 5*time.Second))
	if err != nil {
		return err
	}
	head := (headBefore + headAfter) / 2
	rate := float64(r.keys) / swept.Seconds()
	b.rep.figure(figure{ID: "ingest-sweep-rate-" + strconv.Itoa(r.keys),
		Name:  fmt.Sprintf("initial sync, %d versions: metadata sweep, headers read per second", r.keys),
		Value: rate, Unit: "versions/s",
		Compare: fmt.Sprintf("backend HEAD at c=%d with the ingester's client %.0f/s before, %.0f/s after (ratio %.2f to the mean); sweep %.2f s after all were listable",
			sweepConc, headBefore, headAfter, rate/head, swept.Seconds()),
		Target: fmt.Sprintf(">= %.1f x backend HEAD rate", targetSweepShare), Met: ptr(rate/head >= targetSweepShare)})
	return nil
}

// headRateBefore measures the backend's HEAD rate over a mirror bucket
// about to be synced, if its sweep is long enough to be measured.
func (b *bench) headRateBefore(ctx context.Context, m mirrorBucketSpec) (float64, error) {
	if m.keys < sweepMinKeys {
		return 0, nil
	}
	return b.backendHeadRate(ctx, m.name, 2*time.Second)
}
