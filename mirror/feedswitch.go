package mirror

import (
	"fmt"

	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/index"
)

// SwitchFeed has a running mirror bucket follow the change feed its
// location names now (or none), without a restart: the old source stops,
// the new one starts, and a full pass follows once it is ready (or has
// given up waiting), since changes between the two may have been seen by
// neither. A bucket with no running loop follows its location's feed
// when it starts. catalog.UpdateLocation calls it after storing a change
// of the feed or of the webhook token.
func (m *Manager) SwitchFeed(bucket string) error {
	l := m.loop(bucket)
	if l == nil {
		return nil
	}
	l.switching.Lock()
	defer l.switching.Unlock()
	old := l.feed()
	if old != nil {
		old.stop()
	}
	// A recorded position belongs to the feed that recorded it; the new
	// one starts from the pass below.
	if err := l.updateState(func(s *index.IngestState) { s.FeedPosition = "" }); err != nil {
		return fmt.Errorf("switch the feed of %s: %w", bucket, err)
	}
	st, err := m.db.GetIngestState(bucket)
	if err != nil {
		return fmt.Errorf("switch the feed of %s: read ingest state: %w", bucket, err)
	}
	nf := m.newFeeder(l, st)
	if !m.startFeeder(l, nf) {
		return ErrStopped
	}
	m.log.Info("mirror: change feed switched", "bucket", bucket, "location", l.location,
		"from", feedKind(old), "to", feedKind(nf))
	if nf == nil {
		l.requestPass()
	}
	return nil
}

// startFeeder makes f the loop's feed and starts it, with the pass that
// follows once it is ready; false once the manager is closed, whose Close
// may be waiting for its goroutines.
func (m *Manager) startFeeder(l *loop, f *feeder) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || m.loops[l.bucket] != l {
		return false
	}
	if f != nil {
		// Unhealthy from now until the pass below completes, so that
		// passes do not stretch to FeedInterval before it has run.
		f.owePass("the feed changed")
	}
	l.feedp.Store(f)
	if f != nil {
		f.start(&m.wg)
		m.wg.Go(func() {
			f.waitReady(f.ctx)
			f.forcePass("the feed changed")
		})
	}
	return true
}

// feedKind names a feeder's source for the log.
func feedKind(f *feeder) string {
	if f == nil {
		return catalog.FeedNone
	}
	return f.src.Kind()
}
