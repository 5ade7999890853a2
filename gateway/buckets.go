package gateway

import (
	"context"
	"errors"
	"fmt"

	"github.com/rclone/gofakes3"

	"github.com/ringside/ringside/index"
)

// ListBuckets lists the gateway buckets.
func (b *s3Backend) ListBuckets(ctx context.Context) ([]gofakes3.BucketInfo, error) {
	buckets, err := b.g.db.ListBuckets()
	if err != nil {
		return nil, b.g.forRouter(ctx, fmt.Errorf("list buckets: %w", err))
	}
	out := make([]gofakes3.BucketInfo, len(buckets))
	for i, bk := range buckets {
		out[i] = gofakes3.BucketInfo{Name: bk.Name, CreationDate: gofakes3.NewContentTime(bk.Created)}
	}
	return out, nil
}

// BucketExists reports whether the gateway has the bucket.
func (b *s3Backend) BucketExists(ctx context.Context, name string) (bool, error) {
	_, err := b.g.db.GetBucket(name)
	if errors.Is(err, index.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, b.g.forRouter(ctx, fmt.Errorf("read bucket %s: %w", name, err))
	}
	return true, nil
}

// DeleteBucket removes an empty gateway bucket.
func (b *s3Backend) DeleteBucket(ctx context.Context, name string) error {
	return b.g.forRouter(ctx, b.g.cat.DeleteBucket(ctx, name, b.g.mirror))
}
