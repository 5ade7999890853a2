package mirror

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/backoff"
)

// loop runs the passes of one mirror bucket.
type loop struct {
	m        *Manager
	bucket   string
	location string
	ctx      context.Context
	cancel   context.CancelFunc
	done     chan struct{}
	wake     chan struct{} // a rescan, resume or pause wants attention now
	// feedp is the change feed, nil without one; SwitchFeed replaces it
	// while the loop runs.
	feedp atomic.Pointer[feeder]
	// switching serialises SwitchFeed's replacements.
	switching sync.Mutex

	stateMu sync.Mutex   // serialises read-modify-write of the persisted IngestState
	turns   atomic.Int64 // iterations of run, so tests can see a paused loop go round

	mu          sync.Mutex
	changed     chan struct{} // closed and replaced on every change below
	paused      bool
	initialDone bool
	synced      int64 // versions applied by the initial sync
	running     bool  // a pass is reading the backend now
	lastErr     string
	failures    int       // passes failed in a row
	failingFrom time.Time // when the first of them failed
	seqStarted  int64     // passes are numbered as they start
	seqDone     int64     // number of the last pass completed
	rescanWant  int64     // a rescan waits for the pass with this number
	last        passSummary
	passes      int64
	prog        *syncProgress // the initial sync's, until it is done
	// initial is the initial sync's progress, kept once it is done for
	// the moments it recorded.
	initial *syncProgress
}

// passSummary is what Status shows of the last completed pass.
type passSummary struct {
	start   time.Time
	took    time.Duration
	scanned int64
	changes int64
}

func newLoop(m *Manager, b index.Bucket, st index.IngestState) *loop {
	ctx, cancel := context.WithCancel(m.ctx)
	return &loop{
		m:           m,
		bucket:      b.Name,
		location:    b.Location,
		ctx:         ctx,
		cancel:      cancel,
		done:        make(chan struct{}),
		wake:        make(chan struct{}, 1),
		changed:     make(chan struct{}),
		paused:      st.Paused,
		initialDone: st.InitialSyncDone,
		synced:      st.VersionsSynced,
	}
}

// run is the loop: passes back to back while they find changes, Interval
// apart when they find nothing, retried with backoff when they fail.
func (l *loop) run() {
	defer close(l.done)
	bo := backoff.Backoff{Min: l.m.opts.MinBackoff, Max: l.m.opts.MaxBackoff}
	var ps *passState
	if f := l.feed(); f != nil {
		f.waitReady(f.ctx)
		if f.resumable {
			// The log resumes where the index is: no pass is owed at start.
			l.sleepBetweenPasses()
		}
	}
	for l.ctx.Err() == nil {
		l.turns.Add(1)
		if l.isPaused() {
			// An initial sync resumes from its persisted marker; a later
			// pass simply starts again.
			ps = nil
			l.sleep(-1)
			continue
		}
		if ps == nil {
			var err error
			if ps, err = l.begin(); err != nil {
				l.fail(err)
				l.sleep(bo.Next())
				continue
			}
		}
		if err := l.m.checkVersioning(l.ctx, l.bucket); err != nil {
			if l.ctx.Err() != nil {
				return
			}
			l.fail(err)
			l.sleep(bo.Next())
			continue
		}
		l.setRunning(true)
		err := l.m.lockedPass(l.ctx, l.bucket, ps, hooks{stop: l.isPaused, progress: l.progress})
		if err == nil {
			err = l.complete(ps)
		}
		l.setRunning(false)
		switch {
		case l.ctx.Err() != nil:
			return
		case errors.Is(err, errInterrupted):
			continue
		case err != nil:
			l.fail(err)
			l.sleep(bo.Next())
			continue
		}
		bo.Reset()
		changes := ps.changes
		ps = nil
		// A pass finding changes is followed at once by another, unless
		// a healthy feed is bringing the changes in: then the pass only
		// raced it.
		if (changes > 0 && !l.feedHealthy()) || l.rescanPending() {
			continue
		}
		l.sleepBetweenPasses()
	}
}

// sleepBetweenPasses waits Interval, or FeedInterval while the bucket's
// change feed is healthy; a feed that turns unhealthy meanwhile cuts the
// wait back to Interval.
func (l *loop) sleepBetweenPasses() {
	if l.feed() == nil {
		l.sleep(l.m.opts.Interval)
		return
	}
	deadline := time.Now().Add(l.m.opts.FeedInterval)
	for l.ctx.Err() == nil {
		if !l.feedHealthy() {
			l.sleep(l.m.opts.Interval)
			return
		}
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		if l.sleep(min(left, l.m.opts.Interval)) {
			return
		}
	}
}

func (l *loop) feedHealthy() bool {
	f := l.feed()
	return f != nil && f.healthy()
}

// feed is the loop's change feed now, or nil.
func (l *loop) feed() *feeder { return l.feedp.Load() }

// nextPass is the number the next pass to start will have.
func (l *loop) nextPass() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seqStarted + 1
}

// requestPass asks for a full pass now, as a rescan does, and returns the
// number of the pass that will answer it.
func (l *loop) requestPass() int64 {
	l.mu.Lock()
	target := l.seqStarted + 1
	l.rescanWant = max(l.rescanWant, target)
	l.mu.Unlock()
	l.poke()
	return target
}

// stop ends the loop and waits for it.
func (l *loop) stop() {
	l.cancel()
	<-l.done
}

// sleep waits d (forever when d < 0), or until poked or stopped; true
// when cut short.
func (l *loop) sleep(d time.Duration) bool {
	var timeout <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return false
	case <-l.wake:
	case <-l.ctx.Done():
	}
	return true
}

// poke cuts the current sleep short.
func (l *loop) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// notify wakes whoever waits on a change of the loop's state; l.mu held.
func (l *loop) notify() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// begin numbers a new pass and, for an initial sync, picks up the
// persisted marker.
func (l *loop) begin() (*passState, error) {
	st, err := l.m.db.GetIngestState(l.bucket)
	if err != nil {
		return nil, fmt.Errorf("read ingest state of %s: %w", l.bucket, err)
	}
	ps := &passState{began: time.Now()}
	ps.fullSince = ps.began
	if !st.InitialSyncDone {
		ps.initial = true
		ps.resume = st.KeyMarker
		if len(st.SyncRanges) > 0 {
			ps.ranges = rangesFromState(st.SyncRanges)
		}
		ps.synced = st.VersionsSynced
		ps.prog = &syncProgress{before: st.VersionsSynced}
		ps.prog.startPhase(PhaseListing, 0)
		if st.SyncStarted.IsZero() {
			err := l.updateState(func(s *index.IngestState) { s.SyncStarted = ps.began })
			if err != nil {
				return nil, err
			}
		} else {
			ps.fullSince = st.SyncStarted
		}
		l.m.log.Info("mirror: initial sync started", "bucket", l.bucket, "location", l.location,
			"resumed", ps.resume != "" || ps.ranges != nil, "versionsSynced", ps.synced)
	}
	l.mu.Lock()
	l.seqStarted++
	ps.seq = l.seqStarted
	if ps.initial {
		l.prog, l.initial = ps.prog, ps.prog
	}
	l.mu.Unlock()
	return ps, nil
}

// progress records an applied page: an initial sync persists how far each
// of its ranges got, so that each resumes there after a restart. ps.mu is
// held.
func (l *loop) progress(ps *passState) error {
	if ps.initial {
		marker, ranges := ps.syncRanges()
		err := l.updateState(func(s *index.IngestState) {
			s.KeyMarker, s.SyncRanges = marker, ranges
			s.VersionIDMarker = ""
			s.VersionsSynced = ps.synced
		})
		if err != nil {
			return err
		}
	}
	l.mu.Lock()
	l.lastErr = ""
	if ps.initial {
		l.synced = ps.synced
	}
	l.notify()
	l.mu.Unlock()
	return nil
}

// complete records a finished pass. A pass that changed nothing writes
// nothing, not even its time: after a restart the status shows the time
// of the last pass that did, until the next pass completes.
func (l *loop) complete(ps *passState) error {
	if ps.initial || ps.changes > 0 {
		err := l.updateState(func(s *index.IngestState) {
			if ps.initial {
				s.InitialSyncDone = true
				s.KeyMarker, s.VersionIDMarker, s.SyncRanges = "", "", nil
				s.VersionsSynced = ps.synced
			}
			s.LastFullPass = ps.fullSince
		})
		if err != nil {
			return err
		}
	}
	l.m.passDone(l.bucket, ps)
	if ps.initial {
		l.m.log.Info("mirror: initial sync done", "bucket", l.bucket, "versions", ps.synced,
			"scanned", ps.scanned, "took", time.Since(ps.fullSince).Round(time.Millisecond))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failures > 0 {
		l.m.log.Info("mirror: pass recovered", "bucket", l.bucket, "failedPasses", l.failures,
			"failingFor", time.Since(l.failingFrom).Round(time.Millisecond))
		l.failures = 0
	}
	if ps.initial {
		l.initialDone = true
		l.synced = ps.synced
		l.prog = nil
	}
	l.seqDone = ps.seq
	l.passes++
	l.lastErr = ""
	l.last = passSummary{start: ps.began, took: time.Since(ps.began), scanned: ps.scanned, changes: ps.changes}
	l.notify()
	if f := l.feed(); f != nil {
		f.passDone(ps.seq)
	}
	return nil
}

// fail records a failed pass; each is logged with its cause, and the
// first pass to complete after them says the bucket recovered.
func (l *loop) fail(err error) {
	l.m.met.errors.WithLabelValues(l.bucket).Inc()
	l.mu.Lock()
	if l.failures == 0 {
		l.failingFrom = time.Now()
	}
	l.failures++
	failures := l.failures
	l.mu.Unlock()
	l.m.log.Warn("mirror: pass failed", "bucket", l.bucket, "failedPasses", failures, "err", err)
	l.mu.Lock()
	l.lastErr = err.Error()
	l.notify()
	l.mu.Unlock()
}

func (l *loop) setRunning(r bool) {
	l.mu.Lock()
	l.running = r
	l.notify()
	l.mu.Unlock()
}

func (l *loop) isPaused() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.paused
}

func (l *loop) rescanPending() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rescanWant > l.seqStarted
}

// setPaused persists the paused flag, then applies it. A pass in progress
// stops after its current page.
func (l *loop) setPaused(p bool) error {
	if err := l.updateState(func(s *index.IngestState) { s.Paused = p }); err != nil {
		return err
	}
	l.mu.Lock()
	l.paused = p
	l.notify()
	l.mu.Unlock()
	l.poke()
	return nil
}

// rescan asks for a pass to start now and, with wait, waits until a pass
// started after the call has completed.
func (l *loop) rescan(ctx context.Context, wait bool) error {
	l.mu.Lock()
	if l.paused {
		l.mu.Unlock()
		return ErrPaused
	}
	target := l.seqStarted + 1
	l.rescanWant = max(l.rescanWant, target)
	l.mu.Unlock()
	l.poke()
	if !wait {
		return nil
	}
	for {
		l.mu.Lock()
		done, paused, changed := l.seqDone >= target, l.paused, l.changed
		l.mu.Unlock()
		switch {
		case done:
			return nil
		case paused:
			return ErrPaused
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-l.done:
			return ErrStopped
		}
	}
}

// updateState applies fn to the persisted ingest state.
func (l *loop) updateState(fn func(*index.IngestState)) error {
	l.stateMu.Lock()
	defer l.stateMu.Unlock()
	return updateIngestState(l.m.db, l.bucket, fn)
}

func updateIngestState(db store, bucket string, fn func(*index.IngestState)) error {
	st, err := db.GetIngestState(bucket)
	if err != nil {
		return fmt.Errorf("read ingest state of %s: %w", bucket, err)
	}
	fn(&st)
	if err := db.PutIngestState(bucket, st); err != nil {
		return fmt.Errorf("write ingest state of %s: %w", bucket, err)
	}
	return nil
}

// status reports the loop's state.
func (l *loop) status() Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := Status{
		Bucket:          l.bucket,
		Location:        l.location,
		LastError:       l.lastErr,
		InitialSynced:   l.synced,
		LastPassStart:   l.last.start,
		LastPassSeconds: l.last.took.Seconds(),
		LastPassScanned: l.last.scanned,
		LastPassChanges: l.last.changes,
		Passes:          l.passes,
	}
	switch {
	case l.paused:
		s.State = StatePaused
	case l.lastErr != "":
		s.State = StateError
	case !l.initialDone:
		s.State = StateInitialSync
	case l.running:
		s.State = StateScanning
	default:
		s.State = StateIdle
	}
	if !l.initialDone {
		s.Progress = l.prog.show(time.Now())
	}
	s.InitialListedAt, s.InitialMetadataAt = l.initial.times()
	return s
}
