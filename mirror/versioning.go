package mirror

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrVersioningNotEnabled: a mirror bucket's backend bucket does not keep
// versions (versioning was suspended, or never enabled, out of band). The
// ingester diffs versions, so it cannot follow such a bucket.
var ErrVersioningNotEnabled = errors.New("the backend bucket's versioning is not Enabled")

// versioningTimeout bounds the versioning read before each pass.
const versioningTimeout = 10 * time.Second

// versioner is a Source that reports its bucket's versioning state;
// *backend.Client is one.
type versioner interface {
	Versioning(ctx context.Context) (string, error)
}

// checkVersioning reads the backend bucket's versioning before a pass,
// records it in the bucket's record (which the other views of the bucket
// show), and fails the pass when it is not Enabled, so that the bucket
// shows error with that cause until versioning is enabled again.
func (m *Manager) checkVersioning(ctx context.Context, bucket string) error {
	t, err := m.resolve(bucket)
	if err != nil {
		return fmt.Errorf("resolve backend of %s: %w", bucket, err)
	}
	v, ok := t.Source.(versioner)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, versioningTimeout)
	defer cancel()
	state, err := v.Versioning(ctx)
	if err != nil {
		return fmt.Errorf("read the versioning of the backend bucket of %s: %w", bucket, err)
	}
	m.recordVersioning(bucket, state)
	if state != "Enabled" {
		shown := state
		if shown == "" {
			shown = "never enabled"
		}
		return fmt.Errorf("%w: it is %s, so a mirror bucket can no longer tell versions apart; enable versioning on the backend bucket and mirroring resumes by itself",
			ErrVersioningNotEnabled, shown)
	}
	return nil
}

// recordVersioning keeps the bucket's record in step with the backend.
func (m *Manager) recordVersioning(bucket, state string) {
	b, err := m.db.GetBucket(bucket)
	if err != nil || b.Versioning == state {
		return
	}
	b.Versioning = state
	if err := m.db.PutBucket(b); err != nil {
		m.log.Warn("mirror: record the backend's versioning", "bucket", bucket, "versioning", state, "err", err)
		return
	}
	m.log.Info("mirror: the backend's versioning changed", "bucket", bucket, "versioning", state)
}
