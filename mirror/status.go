package mirror

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
)

// States of a mirror bucket.
const (
	StateInitialSync = "initial-sync" // the first full pass has not finished
	StateIdle        = "idle"         // between passes
	StateScanning    = "scanning"     // a pass is running
	StatePaused      = "paused"       // paused by an operator
	StateError       = "error"        // the last attempt failed; retrying with backoff
)

// Status is one mirror bucket's ingest state, as `ringside mirror status`
// shows it, and the state every other view of the bucket shows.
type Status struct {
	Bucket    string `json:"bucket"`
	Location  string `json:"location"`
	State     string `json:"state"` // initial-sync, idle, scanning, paused, error
	LastError string `json:"lastError,omitempty"`
	// InitialSynced is the number of versions the initial sync has listed
	// and indexed so far (the index's, across restarts).
	InitialSynced int64 `json:"initialSynced"`
	// Progress is the running initial sync's phase, counts, rate and ETA.
	Progress *Progress `json:"progress,omitempty"`
	// InitialListedAt is when the initial sync had listed and indexed
	// every version, all listable from then on; InitialMetadataAt when its
	// metadata sweep ended. Both are this process's: zero before, and for
	// a sync that finished before a restart.
	InitialListedAt   time.Time `json:"initialListedAt,omitzero"`
	InitialMetadataAt time.Time `json:"initialMetadataAt,omitzero"`
	LastPassStart     time.Time `json:"lastPassStart,omitempty"`
	LastPassSeconds   float64   `json:"lastPassSeconds"`
	LastPassScanned   int64     `json:"lastPassScanned"`
	LastPassChanges   int64     `json:"lastPassChanges"`
	LastFullPass      time.Time `json:"lastFullPass,omitempty"` // last time the backend was fully compared
	Passes            int64     `json:"passes"`
	// Backend is the health of the bucket's backend as its location's
	// breaker sees it; the admin API fills it in.
	Backend *backend.Health `json:"backend,omitempty"`
	// Feed is the bucket's change feed, if any.
	Feed *FeedStatus `json:"feed,omitempty"`
}

// Status returns one mirror bucket's status.
func (m *Manager) Status(bucket string) (Status, error) {
	if l := m.loop(bucket); l != nil {
		s := l.status()
		s.LastFullPass = m.lastFullPass(bucket)
		if f := l.feed(); f != nil {
			s.Feed = f.status()
		}
		return s, nil
	}
	b, err := m.mirrorBucket(bucket)
	if err != nil {
		return Status{}, fmt.Errorf("status of %s: %w", bucket, err)
	}
	return m.storedStatus(b)
}

// storedStatus is the status of a mirror bucket without a running loop,
// from its persisted ingest state.
func (m *Manager) storedStatus(b index.Bucket) (Status, error) {
	st, err := m.db.GetIngestState(b.Name)
	if err != nil {
		return Status{}, fmt.Errorf("read ingest state of %s: %w", b.Name, err)
	}
	s := Status{
		Bucket:        b.Name,
		Location:      b.Location,
		InitialSynced: st.VersionsSynced,
		LastFullPass:  st.LastFullPass,
		State:         StateIdle,
	}
	switch {
	case st.Paused:
		s.State = StatePaused
	case !st.InitialSyncDone:
		s.State = StateInitialSync
	}
	return s, nil
}

// StatusAll returns every mirror bucket's status, sorted by bucket.
func (m *Manager) StatusAll() []Status {
	names := m.loopNames()
	if buckets, err := m.db.ListBuckets(); err == nil {
		names = names[:0]
		for _, b := range buckets {
			if b.Mirror {
				names = append(names, b.Name)
			}
		}
	} else {
		// The running loops are still worth showing.
		m.log.Warn("mirror: list buckets for the status; showing the running ones", "err", err)
	}
	sort.Strings(names)
	out := make([]Status, 0, len(names))
	for _, n := range names {
		s, err := m.Status(n)
		if err != nil {
			// Deleted since it was listed, or its state unreadable.
			if !errors.Is(err, index.ErrNotFound) {
				m.log.Warn("mirror: read a bucket's status", "bucket", n, "err", err)
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// Pause stops a bucket's passes until Resume; the state persists. A pass in
// progress stops after its current page.
func (m *Manager) Pause(bucket string) error {
	return m.setPaused(bucket, true)
}

// Resume restarts a paused bucket's passes.
func (m *Manager) Resume(bucket string) error {
	return m.setPaused(bucket, false)
}

func (m *Manager) setPaused(bucket string, p bool) error {
	verb := "resume"
	if p {
		verb = "pause"
	}
	if l := m.loop(bucket); l != nil {
		if err := l.setPaused(p); err != nil {
			return fmt.Errorf("%s %s: %w", verb, bucket, err)
		}
		return nil
	}
	if _, err := m.mirrorBucket(bucket); err != nil {
		return fmt.Errorf("%s %s: %w", verb, bucket, err)
	}
	// Not running (before Start): the loop reads the flag when it starts.
	if err := updateIngestState(m.db, bucket, func(s *index.IngestState) { s.Paused = p }); err != nil {
		return fmt.Errorf("%s %s: %w", verb, bucket, err)
	}
	return nil
}

// Rescan starts a full pass now; with wait it returns when one that started
// after the call has finished (or ctx ends). A paused bucket gives
// ErrPaused.
func (m *Manager) Rescan(ctx context.Context, bucket string, wait bool) error {
	l := m.loop(bucket)
	if l == nil {
		if _, err := m.mirrorBucket(bucket); err != nil {
			return fmt.Errorf("rescan %s: %w", bucket, err)
		}
		return fmt.Errorf("rescan %s: %w", bucket, ErrStopped)
	}
	if err := l.rescan(ctx, wait); err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("rescan %s: wait: %w", bucket, err)
		}
		return fmt.Errorf("rescan %s: %w", bucket, err)
	}
	return nil
}
