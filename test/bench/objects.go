package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The targets of the performance issue: minimum gateway/direct ratios.
const (
	targetHead4K   = 2.5
	targetGet4K    = 0.75
	targetGet4KHot = 2.5
	targetPut4K    = 0.75
	targetList     = 3
	targetGet32M   = 0.90
	targetPut32M   = 0.97
	targetPeakRSS  = 128 * mi
)

// copyBufSize is the client's read size for GET bodies: large enough that
// the client's reads are not what limits a stream.
const copyBufSize = 256 << 10

// readBody drains an object body into nothing with a worker's buffer and
// returns its length. io.Discard's own ReadFrom would use 8 KiB reads.
func readBody(body io.ReadCloser, buf []byte) (int64, error) {
	defer body.Close()
	return io.CopyBuffer(struct{ io.Writer }{io.Discard}, struct{ io.Reader }{body}, buf)
}

// getObject reads a whole object and checks its length.
func getObject(ctx context.Context, c *s3.Client, bucket, key string, want int64, buf []byte) (int64, error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return 0, fmt.Errorf("get %s: %w", key, err)
	}
	n, err := readBody(out.Body, buf)
	if err != nil {
		return n, fmt.Errorf("read %s: %w", key, err)
	}
	if n != want {
		return n, fmt.Errorf("get %s: %d bytes, want %d", key, n, want)
	}
	return n, nil
}

// workerBuffers gives each of conc workers a read buffer of its own.
func workerBuffers(conc int) [][]byte {
	bufs := make([][]byte, conc)
	for i := range bufs {
		bufs[i] = make([]byte, copyBufSize)
	}
	return bufs
}

func largeSourceKey(size int64, stream int) string {
	return fmt.Sprintf("large/src/%s/%d", sizeName(size), stream)
}

// runLarge: PUT and GET of large objects by 1, 2 and 4 streams (MiB/s).
func (b *bench) runLarge(ctx context.Context) error {
	maxStreams := 0
	for _, s := range b.plan.LargeStreams {
		maxStreams = max(maxStreams, s)
	}
	src := b.writer()
	logf("large: writing the objects GET reads through %s", src.Name)
	for _, size := range b.plan.LargeSizes {
		err := b.putMany(ctx, src.C, dataBucket, maxStreams, 2, size, func(i int) string { return largeSourceKey(size, i) })
		if err != nil {
			return err
		}
	}
	var cases []benchCase
	for _, size := range b.plan.LargeSizes {
		for _, streams := range b.plan.LargeStreams {
			perStream := max(1, int((b.plan.LargeMinBytes+int64(streams)*size-1)/(int64(streams)*size)))
			var putTarget, getTarget float64
			if size == 32*mi && streams == 2 {
				putTarget, getTarget = targetPut32M, targetGet32M
			}
			name := sizeName(size)
			cases = append(cases, benchCase{
				ID: fmt.Sprintf("put-%s-c%d", name, streams), Workload: "PUT " + name, Conc: streams,
				Unit: "MiB/s", Target: putTarget, Rate: mibPerSecond,
				Run: func(ctx context.Context, p path, round int) sample {
					return runCount(ctx, streams, perStream, func(ctx context.Context, w, i int) (int64, error) {
						key := fmt.Sprintf("large/put/%s/%s/%d", p.Name, name, w)
						return size, b.putObject(ctx, p.C, dataBucket, key, size)
					})
				},
			}, benchCase{
				ID: fmt.Sprintf("get-%s-c%d", name, streams), Workload: "GET " + name, Conc: streams,
				Unit: "MiB/s", Target: getTarget, Rate: mibPerSecond,
				Run: func(ctx context.Context, p path, round int) sample {
					bufs := workerBuffers(streams)
					return runCount(ctx, streams, perStream, func(ctx context.Context, w, i int) (int64, error) {
						return getObject(ctx, p.C, dataBucket, largeSourceKey(size, w), size, bufs[w])
					})
				},
			})
			if putTarget > 0 && !b.flags.unsigned {
				cases = append(cases, b.unsignedPutCase(size, streams, perStream))
			}
		}
	}
	b.runCases(ctx, "large", cases)
	if ctx.Err() != nil || b.profileErr != nil {
		return ctx.Err()
	}
	return b.runLargeDiskWarm(ctx)
}

// The row of a large GET the object cache's disk tier answers, beside
// the pass-through rows: ringside runs with the tier on for it alone.
const (
	diskWarmSize    = 32 * mi
	diskWarmStreams = 2
)

// diskTierArgs turn the disk tier on, with room for the objects the row
// reads.
var diskTierArgs = []string{"--cache-disk-size", "256MiB"}

// runLargeDiskWarm: GET 32 MiB c=2 with every object held by the disk
// tier, which ringside sends from its files instead of passing the
// backend's answer through.
func (b *bench) runLargeDiskWarm(ctx context.Context) error {
	if !slices.Contains(b.plan.LargeSizes, diskWarmSize) || !slices.Contains(b.plan.LargeStreams, diskWarmStreams) {
		return nil
	}
	if err := b.withGatewayArgs(ctx, diskTierArgs); err != nil {
		return err
	}
	if err := b.warmDisk(ctx); err != nil {
		return err
	}
	size, streams, name := int64(diskWarmSize), diskWarmStreams, sizeName(diskWarmSize)
	perStream := max(1, int((b.plan.LargeMinBytes+int64(streams)*size-1)/(int64(streams)*size)))
	b.runCases(ctx, "large", []benchCase{{
		ID: fmt.Sprintf("get-%s-c%d-disk", name, streams), Workload: "GET " + name + ", disk tier warm", Conc: streams,
		Unit: "MiB/s", Rate: mibPerSecond,
		Run: func(ctx context.Context, p path, round int) sample {
			bufs := workerBuffers(streams)
			return runCount(ctx, streams, perStream, func(ctx context.Context, w, i int) (int64, error) {
				return getObject(ctx, p.C, dataBucket, largeSourceKey(size, w), size, bufs[w])
			})
		},
	}})
	return b.withGatewayArgs(ctx, nil)
}

// warmDisk reads each object of the disk row twice through ringside,
// which admits it to the disk tier, and waits until the tier has filled
// them all.
func (b *bench) warmDisk(ctx context.Context) error {
	if b.rs == nil {
		return nil
	}
	buf := make([]byte, copyBufSize)
	for w := range diskWarmStreams {
		for range 2 {
			if _, err := getObject(ctx, b.gateway.C, dataBucket, largeSourceKey(diskWarmSize, w), diskWarmSize, buf); err != nil {
				return fmt.Errorf("warm the disk tier: %w", err)
			}
		}
	}
	fills := metricQuery{Name: "ringside_cache_fills_total", Labels: map[string]string{"tier": "disk"}}
	failures := metricQuery{Name: "ringside_cache_fill_failures_total", Labels: map[string]string{"tier": "disk"}}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		v, err := b.rs.scrape(ctx, fills, failures)
		if err != nil {
			return fmt.Errorf("warm the disk tier: %w", err)
		}
		switch {
		case v[1] > 0:
			return fmt.Errorf("warm the disk tier: %v fills failed; ringside's output:\n%s", v[1], b.rs.logs())
		case v[0] >= diskWarmStreams:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("warm the disk tier: %v of %d fills done after 2m", v[0], diskWarmStreams)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// unsignedPutCase is the PUT of the target row sent UNSIGNED-PAYLOAD,
// reported beside the signed one: the gateway then has no body to hash,
// so the gap between the two rows is what the payload hash costs it.
func (b *bench) unsignedPutCase(size int64, streams, perStream int) benchCase {
	name := sizeName(size)
	return benchCase{
		ID: fmt.Sprintf("put-%s-c%d-unsigned", name, streams), Workload: "PUT " + name + ", UNSIGNED-PAYLOAD", Conc: streams,
		Unit: "MiB/s", Rate: mibPerSecond,
		Run: func(ctx context.Context, p path, round int) sample {
			return runCount(ctx, streams, perStream, func(ctx context.Context, w, i int) (int64, error) {
				key := fmt.Sprintf("large/put/%s/%s-unsigned/%d", p.Name, name, w)
				return size, b.putUnsigned(ctx, p.C, dataBucket, key, size)
			})
		},
	}
}

// putUnsigned is putObject with UNSIGNED-PAYLOAD in place of the body's
// SHA-256, whatever the client's default.
func (b *bench) putUnsigned(ctx context.Context, c *s3.Client, bucket, key string, size int64) error {
	_, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(bucket),
		Key:           aws.String(key),
		Body:          b.pat.body(key, size),
		ContentLength: aws.Int64(size),
	}, func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
	})
	if err != nil {
		return fmt.Errorf("put %s/%s unsigned: %w", bucket, key, err)
	}
	return nil
}

// writer is the path that writes the objects read by both paths: through
// ringside, so that they are in its index, unless there is no ringside.
func (b *bench) writer() path {
	if b.rs != nil {
		return b.gateway
	}
	return b.direct
}

func smallSourceKey(i int) string { return fmt.Sprintf("small/src/%05d", i) }

// writeSmallSources writes, once, the small objects GET and HEAD read.
func (b *bench) writeSmallSources(ctx context.Context) error {
	if b.smallWritten {
		return nil
	}
	src := b.writer()
	logf("small: writing %d objects of %s through %s", b.plan.SmallObjects, sizeName(b.plan.SmallSize), src.Name)
	if err := b.putMany(ctx, src.C, dataBucket, b.plan.SmallObjects, 16, b.plan.SmallSize, smallSourceKey); err != nil {
		return err
	}
	b.smallWritten = true
	return nil
}

// smallKey spreads the workers over the small objects.
func (b *bench) smallKey(w, i int) string {
	return smallSourceKey((w*7919 + i) % b.plan.SmallObjects)
}

// runSmall: PUT and GET of 4 KiB objects at concurrency 1, 16 and 64
// (ops/s), and GET of a hot set the object cache holds. ringside runs
// with its object cache at the default size for the PUTs and the hot
// GETs, and without it for the other GETs, which the cache would
// otherwise answer: they read a set it holds whole.
func (b *bench) runSmall(ctx context.Context) error {
	if err := b.writeSmallSources(ctx); err != nil {
		return err
	}
	size := b.plan.SmallSize
	name := sizeName(size)
	var puts, gets []benchCase
	for _, conc := range b.plan.SmallConc {
		var putTarget, getTarget float64
		if conc == 16 {
			putTarget, getTarget = targetPut4K, targetGet4K
		}
		puts = append(puts, benchCase{
			ID: fmt.Sprintf("put-%s-c%d", name, conc), Workload: "PUT " + name, Conc: conc,
			Unit: "ops/s", Target: putTarget, Rate: opsPerSecond,
			Run: func(ctx context.Context, p path, round int) sample {
				return runFor(ctx, conc, b.plan.SmallDuration, func(ctx context.Context, w, i int) (int64, error) {
					key := fmt.Sprintf("small/put/%s/%d/%d", p.Name, w, i%100)
					return size, b.putObject(ctx, p.C, dataBucket, key, size)
				})
			},
		})
		gets = append(gets, b.smallGetCase(fmt.Sprintf("get-%s-c%d", name, conc), "GET "+name, conc, getTarget))
	}
	hot := b.smallGetCase(fmt.Sprintf("get-%s-hot-c%d", name, b.plan.HotConc), "GET "+name+", hot set cached", b.plan.HotConc, targetGet4KHot)
	steps := []struct {
		cases []benchCase
		args  []string
	}{
		{puts, nil},
		{gets, []string{"--cache-size", "0"}},
		{[]benchCase{hot}, nil},
	}
	for i, s := range steps {
		if err := b.withGatewayArgs(ctx, s.args); err != nil {
			return err
		}
		if i == len(steps)-1 {
			if err := b.warmSmall(ctx); err != nil {
				return err
			}
		}
		b.runCases(ctx, "small", s.cases)
		if b.profileErr != nil {
			break
		}
	}
	return ctx.Err()
}

// smallGetCase is GET of the small objects at concurrency conc.
func (b *bench) smallGetCase(id, workload string, conc int, target float64) benchCase {
	size := b.plan.SmallSize
	return benchCase{
		ID: id, Workload: workload, Conc: conc, Unit: "ops/s", Target: target, Rate: opsPerSecond,
		Run: func(ctx context.Context, p path, round int) sample {
			bufs := workerBuffers(conc)
			return runFor(ctx, conc, b.plan.SmallDuration, func(ctx context.Context, w, i int) (int64, error) {
				return getObject(ctx, p.C, dataBucket, b.smallKey(w, i), size, bufs[w])
			})
		},
	}
}

// withGatewayArgs restarts ringside, if there is one, with extra
// arguments (nil: its defaults).
func (b *bench) withGatewayArgs(ctx context.Context, extra []string) error {
	if b.rs == nil {
		return nil
	}
	if err := b.rs.restartWith(ctx, extra...); err != nil {
		return fmt.Errorf("restart ringside with %q: %w", extra, err)
	}
	return nil
}

// warmSmall reads every small object once through ringside, so that its
// object cache holds them.
func (b *bench) warmSmall(ctx context.Context) error {
	if b.rs == nil {
		return nil
	}
	buf := make([]byte, copyBufSize)
	for i := range b.plan.SmallObjects {
		if _, err := getObject(ctx, b.gateway.C, dataBucket, smallSourceKey(i), b.plan.SmallSize, buf); err != nil {
			return fmt.Errorf("warm the object cache: %w", err)
		}
	}
	return nil
}

// runHead: HEAD of 4 KiB objects at concurrency 16 (ops/s).
func (b *bench) runHead(ctx context.Context) error {
	if err := b.writeSmallSources(ctx); err != nil {
		return err
	}
	conc := b.plan.HeadConc
	size := b.plan.SmallSize
	b.runCases(ctx, "head", []benchCase{{
		ID: fmt.Sprintf("head-%s-c%d", sizeName(size), conc), Workload: "HEAD " + sizeName(size), Conc: conc,
		Unit: "ops/s", Target: targetHead4K, Rate: opsPerSecond,
		Run: func(ctx context.Context, p path, round int) sample {
			return runFor(ctx, conc, b.plan.SmallDuration, func(ctx context.Context, w, i int) (int64, error) {
				key := b.smallKey(w, i)
				out, err := p.C.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(dataBucket), Key: aws.String(key)})
				if err != nil {
					return 0, fmt.Errorf("head %s: %w", key, err)
				}
				if aws.ToInt64(out.ContentLength) != size {
					return 0, fmt.Errorf("head %s: length %d, want %d", key, aws.ToInt64(out.ContentLength), size)
				}
				return 0, nil
			})
		},
	}})
	return ctx.Err()
}
