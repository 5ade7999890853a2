package mirror

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ringside/ringside/feed"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/backoff"
)

// Errors of the control calls.
var (
	// ErrNotMirror: the bucket exists but is not in mirror mode.
	ErrNotMirror = errors.New("not a mirror bucket")
	// ErrPaused: a rescan was asked of a paused bucket.
	ErrPaused = errors.New("mirroring is paused")
	// ErrStopped: the manager is closed or the bucket's loop was removed.
	ErrStopped = errors.New("mirroring stopped")
)

// DefaultListConcurrency is Options.ListConcurrency's default: one
// stream, as before key ranges, because a backend bound by its own CPU
// (MinIO on a small machine) lists slower in ranges and pays for the
// probes, while a RING S3 Connector, whose listing waits on its metadata
// servers, is told apart only by its operator (README: Parallel listing).
const DefaultListConcurrency = 1

// Options tune the ingester.
type Options struct {
	Interval        time.Duration // pause between passes that find nothing; default 2s
	PageSize        int           // versions per listing page; default 1000
	HeadConcurrency int           // concurrent HEADs for new versions' metadata, per bucket; default 16
	Registerer      prometheus.Registerer
	// MinBackoff and MaxBackoff bound the wait before retrying a failed
	// pass; defaults 1s and 60s.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Logger receives the ingester's lifecycle (initial syncs, metadata
	// sweeps, passes failed and recovered); nil means slog.Default().
	Logger *slog.Logger
	// Feeds finds each mirror bucket's change feed; nil: none, passes
	// only.
	Feeds FeedResolver
	// FeedInterval is the pause between passes that find nothing while
	// the bucket's feed is healthy: passes are then a safety net. Default
	// 10m; never shorter than Interval.
	FeedInterval time.Duration
	// FeedWorkers bounds the keys read at once for a feed's hints, per
	// bucket; default 8.
	FeedWorkers int
	// ListConcurrency is how many key ranges of a bucket a full pass or
	// an initial sync lists at once; 1 lists it as one stream. Default 4:
	// a RING's listing is bound by the latency of each page, not by the
	// network or its CPU, so a few streams list a few times faster, and
	// four keep the load one sidecar puts on a shared S3 Connector modest.
	// A backend bound by its CPU, or that walks the bucket anew for each
	// key marker (MinIO), lists slower in ranges: give it 1.
	ListConcurrency int
}

func (o Options) withDefaults() Options {
	if o.Interval <= 0 {
		o.Interval = 2 * time.Second
	}
	if o.PageSize <= 0 {
		o.PageSize = 1000
	}
	if o.HeadConcurrency <= 0 {
		o.HeadConcurrency = 16
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(60*time.Second, o.MinBackoff)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.FeedInterval <= 0 {
		o.FeedInterval = 10 * time.Minute
	}
	o.FeedInterval = max(o.FeedInterval, o.Interval)
	if o.FeedWorkers <= 0 {
		o.FeedWorkers = defaultFeedWorkers
	}
	if o.ListConcurrency <= 0 {
		o.ListConcurrency = DefaultListConcurrency
	}
	return o
}

// store is the part of the index the ingester uses; *index.DB is one.
type store interface {
	GetBucket(name string) (index.Bucket, error)
	PutBucket(b index.Bucket) error
	Latest(bucket, key string) (index.Version, error)
	SetKeyVersions(bucket, key string, versions []index.Version, listedAt time.Time) (bool, error)
	ListBuckets() ([]index.Bucket, error)
	SetKeysVersions(bucket string, keys []index.KeyListing) ([]bool, error)
	StoreMetadata(bucket string, reads []index.MetadataRead) ([]bool, error)
	ScanKeys(bucket, after, through string, fn func(key string, versions []index.Version) error) error
	SplitKeys(bucket, after string, parts, minPart int) ([]string, int, error)
	GetIngestState(bucket string) (index.IngestState, error)
	PutIngestState(bucket string, s index.IngestState) error
}

// Manager runs one ingest loop per mirror bucket.
type Manager struct {
	db      store
	resolve Resolver
	opts    Options
	met     *metrics
	feedMet *feed.Metrics // nil without a registerer
	log     *slog.Logger
	// headQueue bounds the reads of version headers waiting for a worker.
	headQueue int
	// storeWait is how long the first header read waits for others to be
	// stored with it (see the constant).
	storeWait time.Duration

	// ctx ends every loop and pass: Close cancels it, and so does the end
	// of the context given to Start.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	loops     map[string]*loop
	passLocks map[string]chan struct{} // one pass at a time per bucket
	lastFull  map[string]time.Time     // start of each bucket's last full pass
	started   bool
	closed    bool
	unhook    func() bool // detaches Start's context
}

// New makes a manager; nothing runs until Start.
func New(db *index.DB, resolve Resolver, opts Options) *Manager {
	return newManager(db, resolve, opts)
}

func newManager(db store, resolve Resolver, opts Options) *Manager {
	opts = opts.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{
		db:        db,
		resolve:   resolve,
		opts:      opts,
		log:       opts.Logger,
		ctx:       ctx,
		cancel:    cancel,
		loops:     map[string]*loop{},
		passLocks: map[string]chan struct{}{},
		lastFull:  map[string]time.Time{},
		headQueue: headQueue,
		storeWait: storeWait,
	}
	m.met = newMetrics(opts.Registerer, m.lastFullPasses, m.loopStates)
	if opts.Registerer != nil {
		if fm, err := feed.NewMetrics(opts.Registerer); err == nil {
			m.feedMet = fm
		} else {
			m.log.Warn("mirror: change feed metrics not registered", "err", err)
		}
	}
	return m
}

// Start starts a loop for every mirror bucket in the index, and one
// catch-up pass in the background for every other bucket, which repairs a
// write the backend acknowledged just before a crash that kept it from the
// index.
func (m *Manager) Start(ctx context.Context) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrStopped
	}
	if m.started {
		m.mu.Unlock()
		return nil
	}
	m.started = true
	m.unhook = context.AfterFunc(ctx, m.cancel)
	m.mu.Unlock()

	buckets, err := m.db.ListBuckets()
	if err != nil {
		return fmt.Errorf("list buckets: %w", err)
	}
	mirrored := 0
	for _, b := range buckets {
		if b.Mirror {
			if err := m.startLoop(b); err != nil {
				return err
			}
			mirrored++
			continue
		}
		m.catchUp(b.Name)
	}
	m.log.Info("mirror: ingester started", "mirrorBuckets", mirrored, "catchUpPasses", len(buckets)-mirrored,
		"interval", m.opts.Interval)
	return nil
}

// Add starts the loop of a newly created mirror bucket (initial sync first).
func (m *Manager) Add(bucket string) error {
	b, err := m.db.GetBucket(bucket)
	if err != nil {
		return fmt.Errorf("add %s: %w", bucket, err)
	}
	if !b.Mirror {
		return fmt.Errorf("add %s: %w", bucket, ErrNotMirror)
	}
	if err := m.startLoop(b); err != nil {
		return err
	}
	m.log.Info("mirror: mirroring started", "bucket", bucket, "location", b.Location)
	return nil
}

// Remove stops a bucket's loop, before the bucket is deleted.
func (m *Manager) Remove(bucket string) {
	m.mu.Lock()
	l := m.loops[bucket]
	delete(m.loops, bucket)
	delete(m.lastFull, bucket)
	m.mu.Unlock()
	if l != nil {
		l.stop()
		m.log.Info("mirror: mirroring stopped", "bucket", bucket)
	}
	m.met.forget(bucket)
}

// Close stops every loop and waits for them.
func (m *Manager) Close() {
	m.mu.Lock()
	m.closed = true
	unhook := m.unhook
	m.mu.Unlock()
	m.cancel()
	m.wg.Wait()
	if unhook != nil {
		unhook()
	}
	m.log.Info("mirror: ingester stopped")
}

// Resync rebuilds any bucket's index (mirror or not, prefix mode too) from
// a full version listing of the backend. It is a pass that writes every key
// and reads every version's headers again, so that even entries the index
// holds wrongly are rewritten; entries stay in place until the listing shows
// them gone, so the bucket never looks empty meanwhile. It waits for a pass
// already running on the bucket to finish first.
func (m *Manager) Resync(ctx context.Context, bucket string) error {
	if _, err := m.db.GetBucket(bucket); err != nil {
		return fmt.Errorf("resync %s: %w", bucket, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(m.ctx, cancel)()

	ps := &passState{began: time.Now(), force: true}
	ps.fullSince = ps.began
	if err := m.lockedPass(ctx, bucket, ps, hooks{}); err != nil {
		m.met.errors.WithLabelValues(bucket).Inc()
		return fmt.Errorf("resync %s: %w", bucket, err)
	}
	m.passDone(bucket, ps)
	return nil
}

// startLoop starts b's loop unless one runs already.
func (m *Manager) startLoop(b index.Bucket) error {
	st, err := m.db.GetIngestState(b.Name)
	if err != nil {
		return fmt.Errorf("read ingest state of %s: %w", b.Name, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrStopped
	}
	if m.loops[b.Name] != nil {
		return nil
	}
	l := newLoop(m, b, st)
	f := m.newFeeder(l, st)
	l.feedp.Store(f)
	m.loops[b.Name] = l
	m.met.zero(b.Name)
	if !st.LastFullPass.IsZero() {
		m.lastFull[b.Name] = st.LastFullPass
	}
	if f != nil {
		f.start(&m.wg)
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		l.run()
	}()
	return nil
}

// newFeeder makes the feeder of a bucket whose location names a feed; nil
// when it names none or the feed cannot be made (passes then run as
// without a feed, and the log says why).
func (m *Manager) newFeeder(l *loop, st index.IngestState) *feeder {
	if m.opts.Feeds == nil {
		return nil
	}
	ft, err := m.opts.Feeds(l.bucket)
	if err != nil {
		m.log.Error("mirror: find the change feed; full passes only", "bucket", l.bucket, "err", err)
		return nil
	}
	src, err := newFeedSource(ft, m.log)
	if err != nil {
		m.log.Error("mirror: make the change feed; full passes only", "bucket", l.bucket, "feed", ft.Kind, "err", err)
		return nil
	}
	if src == nil {
		return nil
	}
	return newFeeder(l, src, ft, st)
}

// catchUp runs one full pass over a non-mirror bucket in the background,
// retrying until it succeeds or the manager closes.
func (m *Manager) catchUp(bucket string) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		bo := backoff.Backoff{Min: m.opts.MinBackoff, Max: m.opts.MaxBackoff}
		ps := &passState{began: time.Now()}
		ps.fullSince = ps.began
		for {
			err := m.lockedPass(m.ctx, bucket, ps, hooks{})
			if err == nil {
				m.passDone(bucket, ps)
				return
			}
			if m.ctx.Err() != nil {
				return
			}
			m.met.errors.WithLabelValues(bucket).Inc()
			m.log.Warn("mirror: catch-up pass failed", "bucket", bucket, "err", err)
			t := time.NewTimer(bo.Next())
			select {
			case <-t.C:
			case <-m.ctx.Done():
				t.Stop()
				return
			}
		}
	}()
}

// lockedPass runs ps on bucket once no other pass runs on it.
func (m *Manager) lockedPass(ctx context.Context, bucket string, ps *passState, h hooks) error {
	m.mu.Lock()
	lock := m.passLocks[bucket]
	if lock == nil {
		lock = make(chan struct{}, 1)
		m.passLocks[bucket] = lock
	}
	m.mu.Unlock()
	select {
	case lock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-lock }()
	return m.runPass(ctx, bucket, ps, h)
}

// passDone records a completed full pass in the metrics.
func (m *Manager) passDone(bucket string, ps *passState) {
	m.met.passes.WithLabelValues(bucket).Inc()
	m.met.duration.WithLabelValues(bucket).Observe(time.Since(ps.began).Seconds())
	m.mu.Lock()
	if m.lastFull[bucket].Before(ps.fullSince) {
		m.lastFull[bucket] = ps.fullSince
	}
	m.mu.Unlock()
}

// lastFullPasses returns the start of the last full pass of each mirror
// bucket that has had one. Other buckets get one pass at start only, so
// the age of theirs would grow for ever.
func (m *Manager) lastFullPasses() map[string]time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]time.Time, len(m.loops))
	for b := range m.loops {
		if t, ok := m.lastFull[b]; ok {
			out[b] = t
		}
	}
	return out
}

// loopStates returns the state of each running mirror bucket.
func (m *Manager) loopStates() map[string]string {
	m.mu.Lock()
	loops := make([]*loop, 0, len(m.loops))
	for _, l := range m.loops {
		loops = append(loops, l)
	}
	m.mu.Unlock()
	out := make(map[string]string, len(loops))
	for _, l := range loops {
		out[l.bucket] = l.status().State
	}
	return out
}

func (m *Manager) lastFullPass(bucket string) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lastFull[bucket]
}

// loop returns bucket's running loop, or nil.
func (m *Manager) loop(bucket string) *loop {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.loops[bucket]
}

func (m *Manager) loopNames() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.loops))
	for n := range m.loops {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// mirrorBucket checks that bucket exists and is in mirror mode.
func (m *Manager) mirrorBucket(bucket string) (index.Bucket, error) {
	b, err := m.db.GetBucket(bucket)
	if err != nil {
		return b, err
	}
	if !b.Mirror {
		return b, ErrNotMirror
	}
	return b, nil
}
