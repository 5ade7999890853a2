package mirror

import (
	"context"
	"sync"
	"time"

	"github.com/ringside/ringside/feed"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/backoff"
)

// Feed defaults.
const (
	// defaultFeedWorkers bounds the keys read from the backend at once on
	// behalf of a feed's hints.
	defaultFeedWorkers = 8
	// feedReadyWait bounds how long a bucket's first pass waits for its
	// feed to connect (or to record the log's head), so that the pass
	// covers everything the feed has not seen.
	feedReadyWait = 10 * time.Second
	// feedWatch is how often a feed's state is looked at, for the log.
	feedWatch = 250 * time.Millisecond
	// feedRestartWait is the wait before running a source again whose Run
	// gave up (a configuration the backend refused).
	feedRestartWait = time.Minute
)

// feeder follows one mirror bucket's change feed: each debounced hint is
// applied through refresh, the path a read that finds a key stale takes;
// a gap forces a full pass at once; a checkpoint is persisted once the
// hints before it are applied and no gap waits for its pass.
type feeder struct {
	l *loop
	// ctx ends the feeder's goroutines, with the loop or when SwitchFeed
	// replaces it; wg waits for them.
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	src       feed.Source
	prefix    string // of the backend keys of the bucket
	bucket    string // the backend bucket
	resumable bool   // the source resumes from a saved position
	work      chan job
	ready     chan struct{} // closed once the source is connected or its head recorded
	readyOnce sync.Once
	debouncer *feed.Debouncer
	rate      rateMeter

	mu       sync.Mutex
	n        uint64              // hints numbered as they arrive
	inflight map[uint64]struct{} // hints not yet applied
	cps      []heldCheckpoint
	// gapWant is the number of the pass whose completion repairs the
	// gaps so far; 0 when none waits.
	gapWant  int64
	held     feed.Position // a checkpoint waiting for gapWant's pass
	saved    feed.Position
	gaveUp   bool // the loop's first pass stopped waiting before the feed was ready
	pending  int  // hints handed to the workers and not yet applied
	lastGap  string
	failedAt time.Time
}

type job struct {
	seq uint64
	key string
}

type heldCheckpoint struct {
	pos   feed.Position
	after uint64
}

func newFeeder(l *loop, src feed.Source, ft FeedTarget, st index.IngestState) *feeder {
	_, positioned := src.(*feed.RaftLog)
	ctx, cancel := context.WithCancel(l.ctx)
	f := &feeder{
		ctx: ctx, cancel: cancel,
		l: l, src: src, prefix: ft.Prefix, bucket: ft.Bucket,
		work:     make(chan job),
		ready:    make(chan struct{}),
		inflight: map[uint64]struct{}{},
		saved:    feed.Position(st.FeedPosition),
	}
	f.resumable = positioned && st.InitialSyncDone && st.FeedPosition != ""
	f.debouncer = feed.NewDebouncer(feed.DebounceConfig{Kind: src.Kind(), Metrics: l.m.feedMet}, f)
	return f
}

// start runs the source, the debouncer, the workers and the watcher until
// the loop ends or stop; wg is the manager's, which Close waits for.
func (f *feeder) start(wg *sync.WaitGroup) {
	ctx := f.ctx
	spawn := func(fn func()) {
		f.wg.Add(1)
		wg.Go(func() {
			defer f.wg.Done()
			fn()
		})
	}
	spawn(func() { _ = f.debouncer.Run(ctx) })
	for range f.l.m.opts.FeedWorkers {
		spawn(func() { f.worker(ctx) })
	}
	spawn(func() { f.watch(ctx) })
	spawn(func() { f.run(ctx) })
}

// stop ends the feeder's goroutines and waits for them. Hints waiting in
// its debouncer are dropped: whoever stops a feed forces a pass.
func (f *feeder) stop() {
	f.cancel()
	f.wg.Wait()
}

// run runs the source from the saved position; a source with positions
// and none saved first records the head of its log, before the initial
// sync lists anything.
func (f *feeder) run(ctx context.Context) {
	log := f.l.m.log.With("bucket", f.l.bucket, "feed", f.src.Kind())
	from := f.saved
	if rl, ok := f.src.(*feed.RaftLog); ok {
		if from == "" {
			from = f.head(ctx, rl)
		}
		if ctx.Err() != nil {
			return
		}
		// Everything after from is read, whenever the log answers.
		f.becameReady()
	}
	sink := f.l.m.feedMet.Count(f.src.Kind(), f.debouncer)
	for ctx.Err() == nil {
		log.Info("mirror: change feed started", "location", f.l.location, "resume", from != "")
		err := f.src.Run(ctx, from, sink)
		if ctx.Err() != nil {
			return
		}
		log.Error("mirror: change feed stopped; full passes only until it runs again", "err", err, "retry_in", feedRestartWait)
		f.forcePass("the feed stopped")
		if !backoff.Sleep(ctx, feedRestartWait) {
			return
		}
		from = f.savedPosition()
	}
}

// head records the log's head as the feed's position, retrying until it
// is read.
func (f *feeder) head(ctx context.Context, rl *feed.RaftLog) feed.Position {
	bo := backoff.Backoff{Min: f.l.m.opts.MinBackoff, Max: f.l.m.opts.MaxBackoff}
	for {
		pos, err := rl.Head(ctx)
		if err == nil {
			err = f.l.updateState(func(s *index.IngestState) { s.FeedPosition = string(pos) })
		}
		if err == nil {
			f.mu.Lock()
			f.saved = pos
			f.mu.Unlock()
			return pos
		}
		if ctx.Err() != nil {
			return ""
		}
		f.l.m.log.Warn("mirror: read the head of the metadata log", "bucket", f.l.bucket, "err", err)
		if !backoff.Sleep(ctx, bo.Next()) {
			return ""
		}
	}
}

// markReady marks the feed ready; true the first time.
func (f *feeder) markReady() bool {
	first := false
	f.readyOnce.Do(func() { close(f.ready); first = true })
	return first
}

// waitReady is called by the loop before its first pass: the pass then
// covers whatever the feed did not see before it was ready. A feed that
// becomes ready only later forces another pass then.
func (f *feeder) waitReady(ctx context.Context) {
	t := time.NewTimer(feedReadyWait)
	defer t.Stop()
	select {
	case <-f.ready:
	case <-t.C:
	case <-ctx.Done():
	}
	next := f.l.nextPass() // the first pass, which covers what came before
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.ready:
	default:
		// becameReady, later, sees this and forces another pass.
		f.gaveUp = true
	}
	if !f.resumable {
		f.gapWant = max(f.gapWant, next)
	}
}

// watch follows the source's state, logs when it fails and recovers, and
// marks it ready when it first runs.
func (f *feeder) watch(ctx context.Context) {
	t := time.NewTicker(feedWatch)
	defer t.Stop()
	prev := feed.StateStopped
	for {
		st := f.src.Status()
		if st.State != prev {
			f.stateChanged(prev, st)
			prev = st.State
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (f *feeder) stateChanged(prev string, st feed.Status) {
	log := f.l.m.log.With("bucket", f.l.bucket, "feed", st.Kind)
	switch {
	case st.State == feed.StateFailing:
		f.mu.Lock()
		f.failedAt = time.Now()
		f.mu.Unlock()
		log.Warn("mirror: change feed failing", "err", st.LastError)
	case st.State == feed.StateRunning && prev == feed.StateFailing:
		f.mu.Lock()
		since := time.Since(f.failedAt).Round(time.Millisecond)
		f.mu.Unlock()
		log.Info("mirror: change feed recovered", "failingFor", since)
	}
	if st.State != feed.StateRunning {
		return
	}
	if _, positioned := f.src.(*feed.RaftLog); positioned {
		return // ready once its head is recorded
	}
	f.becameReady()
}

// becameReady marks the feed ready; when the first pass began before, what
// came before the feed was ready is not known to be in the index, and
// another pass is forced.
func (f *feeder) becameReady() {
	first := f.markReady()
	f.mu.Lock()
	late := first && f.gaveUp
	f.mu.Unlock()
	if late {
		f.forcePass("the feed became ready after the first pass began")
	}
}

// Hint hands the key to a worker, waiting for one to be free: hints meanwhile
// wait in the debouncer, merged per key.
func (f *feeder) Hint(h feed.Hint) {
	if h.Bucket != f.bucket || len(h.Key) < len(f.prefix) || h.Key[:len(f.prefix)] != f.prefix {
		return
	}
	if f.l.isPaused() {
		// Paused, nothing is ingested: the pass that resuming starts
		// catches up, and the checkpoint waits for it.
		f.skipWhilePaused()
		return
	}
	f.mu.Lock()
	f.n++
	seq := f.n
	f.inflight[seq] = struct{}{}
	f.pending++
	f.mu.Unlock()
	f.rate.add(time.Now())
	select {
	case f.work <- job{seq: seq, key: h.Key[len(f.prefix):]}:
	case <-f.ctx.Done():
	}
}

// Gap forces a full pass now; checkpoints wait for it.
func (f *feeder) Gap(g feed.Gap) {
	f.l.m.log.Warn("mirror: change feed may have missed events; full pass forced", "bucket", f.l.bucket,
		"feed", f.src.Kind(), "reason", g.Reason, "detail", g.Detail)
	f.forcePass(string(g.Reason))
}

// Checkpoint is persisted once the hints before it are applied.
func (f *feeder) Checkpoint(pos feed.Position) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cps = append(f.cps, heldCheckpoint{pos: pos, after: f.n})
	f.release()
}

// forcePass asks for a full pass now, whose completion repairs what the
// feed may have missed.
func (f *feeder) forcePass(why string) {
	want := f.l.requestPass()
	f.mu.Lock()
	f.gapWant = max(f.gapWant, want)
	f.lastGap = why
	f.mu.Unlock()
}

// owePass records that the next pass to start repairs what the feed may
// have missed, without asking for it yet.
func (f *feeder) owePass(why string) {
	next := f.l.nextPass()
	f.mu.Lock()
	f.gapWant = max(f.gapWant, next)
	f.lastGap = why
	f.mu.Unlock()
}

// skipWhilePaused records that a hint was dropped while the bucket is
// paused, as a gap, once per pause.
func (f *feeder) skipWhilePaused() {
	f.mu.Lock()
	already := f.gapWant > 0
	f.mu.Unlock()
	if !already {
		f.forcePass("hints dropped while paused")
	}
}

func (f *feeder) worker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-f.work:
			f.apply(ctx, j)
		}
	}
}

// apply reads one key's versions from the backend into the index. A hint
// that cannot be applied is a gap: the pass it forces reads the key.
func (f *feeder) apply(ctx context.Context, j job) {
	err := f.l.m.refresh(ctx, f.l.bucket, j.key)
	if err != nil && ctx.Err() == nil {
		f.l.m.log.Warn("mirror: apply a change feed hint; full pass forced", "bucket", f.l.bucket, "key", j.key, "err", err)
		f.forcePass("a hint failed")
	}
	if err == nil {
		f.l.m.met.feedApplied.WithLabelValues(f.l.bucket).Inc()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.inflight, j.seq)
	f.pending--
	f.release()
}

// release persists the newest checkpoint whose hints are all applied, or
// holds it while a gap waits for its pass; f.mu held.
func (f *feeder) release() {
	oldest := f.n + 1
	for s := range f.inflight {
		oldest = min(oldest, s)
	}
	var pos feed.Position
	i := 0
	for ; i < len(f.cps) && f.cps[i].after < oldest; i++ {
		pos = f.cps[i].pos
	}
	f.cps = f.cps[i:]
	if pos == "" {
		return
	}
	if f.gapWant > 0 {
		f.held = pos
		return
	}
	f.persist(pos)
}

// persist records pos as the position to resume from; f.mu held.
func (f *feeder) persist(pos feed.Position) {
	if pos == f.saved {
		return
	}
	if err := f.l.updateState(func(s *index.IngestState) { s.FeedPosition = string(pos) }); err != nil {
		f.l.m.log.Warn("mirror: record the change feed's position", "bucket", f.l.bucket, "err", err)
		return
	}
	f.saved = pos
}

// passDone is told of each completed full pass: the one a gap waits for
// repairs it, and the checkpoint held meanwhile is persisted.
func (f *feeder) passDone(seq int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gapWant == 0 || seq < f.gapWant {
		return
	}
	if f.lastGap != "" {
		f.l.m.log.Info("mirror: change feed caught up by a full pass", "bucket", f.l.bucket, "feed", f.src.Kind(), "gap", f.lastGap)
	}
	f.gapWant, f.lastGap = 0, ""
	if f.held != "" {
		f.persist(f.held)
		f.held = ""
	}
}

// healthy says whether passes may stretch to FeedInterval: the source runs
// and no gap waits for a pass.
func (f *feeder) healthy() bool {
	f.mu.Lock()
	gap := f.gapWant > 0
	f.mu.Unlock()
	return !gap && f.src.Status().State == feed.StateRunning
}

func (f *feeder) savedPosition() feed.Position {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.saved
}
