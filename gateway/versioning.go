package gateway

import (
	"context"
	"time"

	"github.com/rclone/gofakes3"

	"github.com/ringside/ringside/internal/s3err"
)

// versioningTimeout bounds the backend calls of the versioning
// subresource, which gofakes3 makes without the request's context.
const versioningTimeout = 10 * time.Second

// A gateway bucket's versioning is its backend bucket's: ringside never
// changes a backend bucket's configuration, which other buckets and
// writers share. GET ?versioning reports the backend's state (and updates
// the bucket's record); PUT ?versioning accepts only the current state,
// and refuses outright to suspend a mirror bucket.

// VersioningConfiguration reports the backend bucket's versioning.
func (b *s3Backend) VersioningConfiguration(bucket string) (gofakes3.VersioningConfiguration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), versioningTimeout)
	defer cancel()
	state, err := b.g.versioning(ctx, bucket)
	if err != nil {
		return gofakes3.VersioningConfiguration{}, b.g.forRouter(ctx, err)
	}
	return gofakes3.VersioningConfiguration{Status: gofakes3.VersioningStatus(state)}, nil
}

// versioning reads a bucket's backend versioning state, keeping the
// bucket's record up to date. When the backend does not answer, the
// recorded state stands.
func (g *Gateway) versioning(ctx context.Context, bucket string) (string, error) {
	t, err := g.target(bucket)
	if err != nil {
		return "", err
	}
	state, err := t.client.Versioning(ctx)
	if err != nil {
		g.log.Warn("read the backend's versioning", "bucket", bucket, "err", err)
		return t.bucket.Versioning, nil
	}
	if state != t.bucket.Versioning {
		t.bucket.Versioning = state
		if err := g.db.PutBucket(t.bucket); err != nil {
			g.log.Warn("record the backend's versioning", "bucket", bucket, "err", err)
		}
	}
	return state, nil
}

// SetVersioningConfiguration accepts the current state and refuses changes.
func (b *s3Backend) SetVersioningConfiguration(bucket string, v gofakes3.VersioningConfiguration) error {
	ctx, cancel := context.WithTimeout(context.Background(), versioningTimeout)
	defer cancel()
	return b.g.forRouter(ctx, b.g.setVersioning(ctx, bucket, v))
}

func (g *Gateway) setVersioning(ctx context.Context, bucket string, v gofakes3.VersioningConfiguration) error {
	if err := g.refuseWhenIndexFull(); err != nil {
		return err
	}
	t, err := g.target(bucket)
	if err != nil {
		return err
	}
	if v.MFADelete.Enabled() {
		return s3err.New(s3err.NotImplemented, "MFA delete is not supported.")
	}
	if t.bucket.Mirror && v.Status != gofakes3.VersioningEnabled {
		return s3err.New(s3err.InvalidBucketState,
			"Bucket %s is a mirror bucket: the ingester follows its backend bucket by versions, so versioning stays Enabled.", bucket)
	}
	state, err := g.versioning(ctx, bucket)
	if err != nil {
		return err
	}
	if v.Status == "" || string(v.Status) == state {
		return nil
	}
	current := state
	if current == "" {
		current = "never enabled"
	}
	return s3err.New(s3err.NotImplemented,
		"Bucket %s follows the versioning of backend bucket %s (%s); ringside does not change it: change it on the backend.",
		bucket, t.loc.TargetBucket, current)
}
