package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// lister walks a bucket's listing page by page with continuation tokens,
// starting again from its first key at the end.
type lister struct {
	c         *s3.Client
	delimiter string
	start     string // StartAfter of the first walk
	token     *string
	started   bool
}

const listPrefix = "obj/"

// page fetches the next page and checks that it is full unless last.
func (l *lister) page(ctx context.Context) error {
	in := &s3.ListObjectsV2Input{
		Bucket:  aws.String(listBucket),
		Prefix:  aws.String(listPrefix),
		MaxKeys: aws.Int32(1000),
	}
	if l.delimiter != "" {
		in.Delimiter = aws.String(l.delimiter)
	}
	switch {
	case l.token != nil:
		in.ContinuationToken = l.token
	case !l.started && l.start != "":
		in.StartAfter = aws.String(l.start)
	}
	l.started = true
	out, err := l.c.ListObjectsV2(ctx, in)
	if err != nil {
		l.token = nil
		return fmt.Errorf("list %s: %w", listBucket, err)
	}
	entries := len(out.Contents) + len(out.CommonPrefixes)
	truncated := aws.ToBool(out.IsTruncated)
	if truncated && entries != 1000 {
		return fmt.Errorf("list %s: a truncated page of %d entries, want 1000", listBucket, entries)
	}
	l.token = nil
	if truncated {
		l.token = out.NextContinuationToken
	}
	return nil
}

// runList: ListObjectsV2 pages of 1,000 entries from the LIST bucket,
// with and without a delimiter (pages/s). Each worker starts its walk at
// its own place in the bucket.
func (b *bench) runList(ctx context.Context) error {
	conc := b.plan.ListConc
	var cases []benchCase
	for _, delim := range []string{"", "/"} {
		id, workload := "list", "LIST 1000 keys"
		if delim != "" {
			id, workload = "list-delim", "LIST 1000 keys, delimiter /"
		}
		cases = append(cases, benchCase{
			ID: fmt.Sprintf("%s-c%d", id, conc), Workload: workload, Conc: conc,
			Unit: "pages/s", Target: targetList, Rate: opsPerSecond,
			Run: func(ctx context.Context, p path, round int) sample {
				listers := make([]*lister, conc)
				for w := range listers {
					start := ""
					if off := (w*b.plan.ListKeys/conc + round*997) % b.plan.ListKeys; off > 0 {
						start = listKey(off)
					}
					listers[w] = &lister{c: p.C, delimiter: delim, start: start}
				}
				return runFor(ctx, conc, b.plan.ListDuration, func(ctx context.Context, w, i int) (int64, error) {
					return 0, listers[w].page(ctx)
				})
			},
		})
	}
	b.runCases(ctx, "list", cases)
	return ctx.Err()
}
