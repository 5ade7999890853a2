package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// runRSS: ringside's peak RSS while a large multipart upload and a large
// download of the same size run at once.
func (b *bench) runRSS(ctx context.Context) error {
	if b.rs == nil {
		logf("rss: skipped without ringside")
		return nil
	}
	size := b.plan.RSSBytes
	src, dst := "rss/src", "rss/up"
	logf("rss: writing the %s object to download", sizeName(size))
	if _, err := b.multipartUpload(ctx, b.gateway.C, src, size); err != nil {
		return err
	}
	// The ingester's initial syncs, earlier in the run, leave memory the
	// Go runtime returns to the system only slowly: a restarted gateway
	// shows what the data path itself needs.
	logf("rss: restarting ringside")
	if err := b.rs.restart(ctx); err != nil {
		return err
	}
	b.gateway.transport.CloseIdleConnections()
	before, err := readMemory(b.rs.pid())
	if err != nil {
		return err
	}
	if err := resetPeakMemory(b.rs.pid()); err != nil {
		return err
	}
	logf("rss: %s multipart upload and %s download at once", sizeName(size), sizeName(size))
	var wg sync.WaitGroup
	var upTook, downTook time.Duration
	var upErr, downErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		upTook, upErr = b.multipartUpload(ctx, b.gateway.C, dst, size)
	}()
	go func() {
		defer wg.Done()
		start := time.Now()
		_, downErr = getObject(ctx, b.gateway.C, dataBucket, src, size, make([]byte, copyBufSize))
		downTook = time.Since(start)
	}()
	wg.Wait()
	if upErr != nil {
		return upErr
	}
	if downErr != nil {
		return downErr
	}
	after, err := readMemory(b.rs.pid())
	if err != nil {
		return err
	}
	b.rep.figure(figure{
		ID: "peak-rss", Name: fmt.Sprintf("ringside peak RSS, %s multipart upload + %s download at once", sizeName(size), sizeName(size)),
		Value: mib(after.HWM), Unit: "MiB",
		Compare: fmt.Sprintf("RSS before %.0f MiB; upload %.0f MiB/s, download %.0f MiB/s (parts of %s, %d at a time)",
			mib(before.RSS), mib(size)/upTook.Seconds(), mib(size)/downTook.Seconds(), sizeName(b.plan.RSSPartSize), b.plan.RSSPartConc),
		Target: fmt.Sprintf("<= %d MiB", targetPeakRSS/mi), Met: ptr(after.HWM <= targetPeakRSS),
	})
	for _, key := range []string{src, dst} {
		if _, err := b.gateway.C.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(dataBucket), Key: aws.String(key)}); err != nil {
			return fmt.Errorf("delete %s: %w", key, err)
		}
	}
	return nil
}

// multipartUpload uploads a generated object of size in parts, several at
// a time, the way aws-cli and the SDK's transfer managers do.
func (b *bench) multipartUpload(ctx context.Context, c *s3.Client, key string, size int64) (time.Duration, error) {
	start := time.Now()
	created, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(dataBucket), Key: aws.String(key)})
	if err != nil {
		return 0, fmt.Errorf("start the upload of %s: %w", key, err)
	}
	partSize := b.plan.RSSPartSize
	nParts := int((size + partSize - 1) / partSize)
	parts := make([]types.CompletedPart, nParts)
	body := b.pat.body(key, size)
	var next int
	var mu sync.Mutex
	s := run(ctx, b.plan.RSSPartConc, func(ctx context.Context, w int, r *workerResult) {
		for ctx.Err() == nil {
			mu.Lock()
			i := next
			next++
			mu.Unlock()
			if i >= nParts {
				return
			}
			off := int64(i) * partSize
			n := min(partSize, size-off)
			t := time.Now()
			out, err := c.UploadPart(ctx, &s3.UploadPartInput{
				Bucket: aws.String(dataBucket), Key: aws.String(key), UploadId: created.UploadId,
				PartNumber: aws.Int32(int32(i + 1)), Body: body.section(off, n), ContentLength: aws.Int64(n),
			})
			if err == nil {
				parts[i] = types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag}
			}
			r.record(t, n, err)
		}
	})
	if s.Errors > 0 || ctx.Err() != nil {
		c.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{Bucket: aws.String(dataBucket), Key: aws.String(key), UploadId: created.UploadId})
		if s.Errors > 0 {
			return 0, fmt.Errorf("upload parts of %s: %d failed, the first: %s", key, s.Errors, s.FirstErr)
		}
		return 0, ctx.Err()
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(dataBucket), Key: aws.String(key), UploadId: created.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	if err != nil {
		return 0, fmt.Errorf("complete the upload of %s: %w", key, err)
	}
	return time.Since(start), nil
}
