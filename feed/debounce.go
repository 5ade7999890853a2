package feed

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Debouncer defaults.
const (
	defaultWindow  = 50 * time.Millisecond
	defaultMaxKeys = 100_000
)

// DebounceConfig configures a Debouncer.
type DebounceConfig struct {
	// Window is how long a key's first hint waits for more of the same key
	// before it is passed on: a burst of writes to one key becomes one
	// read of it. The wait is not extended by later hints, so a hint is
	// passed on at most Window after it arrived (plus the time the
	// receiver takes). Default 50ms.
	Window time.Duration
	// MaxKeys bounds the keys waiting: a hint for a new key beyond it is
	// dropped and reported as a Gap (GapOverflow). Default 100000.
	MaxKeys int
	Kind    string   // the source's kind, for metrics
	Metrics *Metrics // may be nil
}

// Debouncer is a Sink that coalesces hints per (bucket, key) over a short
// window and passes them on to another Sink, from its own goroutine (Run).
// Its Sink methods never block on the receiver: while the receiver is busy,
// hints wait, merged per key, up to MaxKeys; beyond that they are dropped
// and the receiver is told of a Gap. Checkpoints are held back until every
// hint received before them has been passed on.
type Debouncer struct {
	window time.Duration
	kind   string
	met    *Metrics
	out    Sink
	wake   chan struct{}

	mu sync.Mutex
	c  coalescer
}

// NewDebouncer makes a Debouncer passing hints on to out.
func NewDebouncer(cfg DebounceConfig, out Sink) *Debouncer {
	if cfg.Window <= 0 {
		cfg.Window = defaultWindow
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = defaultMaxKeys
	}
	return &Debouncer{
		window: cfg.Window,
		kind:   cfg.Kind,
		met:    cfg.Metrics,
		out:    out,
		wake:   make(chan struct{}, 1),
		c:      newCoalescer(cfg.MaxKeys),
	}
}

// Hint queues h, merged with a hint of the same key already waiting.
func (d *Debouncer) Hint(h Hint) {
	d.mu.Lock()
	res := d.c.add(h, time.Now().Add(d.window))
	d.mu.Unlock()
	if res == merged {
		d.met.merged(d.kind, h.Bucket)
		return
	}
	d.poke()
}

// Gap is passed on at the next flush, before the hints waiting.
func (d *Debouncer) Gap(g Gap) {
	d.mu.Lock()
	d.c.gap(g)
	d.mu.Unlock()
	d.poke()
}

// Checkpoint is passed on once every hint received before it has been.
func (d *Debouncer) Checkpoint(p Position) {
	d.mu.Lock()
	d.c.checkpoint(p)
	d.mu.Unlock()
	d.poke()
}

// Pending is the number of keys waiting.
func (d *Debouncer) Pending() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.c.keys)
}

func (d *Debouncer) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run passes hints on as their window ends, until ctx ends; it returns
// ctx's error. Hints still waiting then are not passed on.
func (d *Debouncer) Run(ctx context.Context) error {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		d.mu.Lock()
		f := d.c.flush(time.Now())
		d.mu.Unlock()
		for _, g := range f.gaps {
			// The source's own gaps were counted as it delivered them.
			if g.Reason == GapOverflow {
				d.met.gap(d.kind, g)
			}
		}
		f.deliver(d.out)
		if !f.next.IsZero() {
			timer.Reset(time.Until(f.next))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.wake:
		case <-timer.C:
		}
	}
}

// addResult says what became of a hint given to a coalescer.
type addResult int

const (
	queued  addResult = iota // the first hint of its key
	merged                   // merged into a hint of its key already waiting
	dropped                  // MaxKeys were waiting already
)

// coalescer is the Debouncer's state, without locks or clocks, so that it
// is tested with times given.
type coalescer struct {
	maxKeys int
	keys    map[bucketKey]*waiting
	queue   []*waiting // by arrival, which is also by due time
	n       uint64     // hints queued so far, to order checkpoints
	gaps    []Gap
	// overflowing is set from a drop until its Gap is passed on, so that
	// a burst is reported once.
	overflowing bool
	cps         []heldCheckpoint
}

type bucketKey struct{ bucket, key string }

type waiting struct {
	h   Hint
	due time.Time
	seq uint64
}

type heldCheckpoint struct {
	pos   Position
	after uint64 // passed on once every hint numbered up to this one is
}

func newCoalescer(maxKeys int) coalescer {
	return coalescer{maxKeys: maxKeys, keys: map[bucketKey]*waiting{}}
}

func (c *coalescer) add(h Hint, due time.Time) addResult {
	k := bucketKey{h.Bucket, h.Key}
	if w := c.keys[k]; w != nil {
		if newer(h, w.h) {
			w.h = h
		}
		return merged
	}
	if len(c.keys) >= c.maxKeys {
		if !c.overflowing {
			c.overflowing = true
			c.gaps = append(c.gaps, Gap{Bucket: h.Bucket, Reason: GapOverflow,
				Detail: fmt.Sprintf("more than %d keys waiting", c.maxKeys)})
		}
		return dropped
	}
	c.n++
	w := &waiting{h: h, due: due, seq: c.n}
	c.keys[k] = w
	c.queue = append(c.queue, w)
	return queued
}

// newer reports whether hint a supersedes b, waiting for the same key: by
// sequencer where both have one, else by arrival.
func newer(a, b Hint) bool {
	if a.Sequencer != "" && b.Sequencer != "" {
		return CompareSequencers(a.Sequencer, b.Sequencer) >= 0
	}
	return true
}

func (c *coalescer) gap(g Gap) { c.gaps = append(c.gaps, g) }

func (c *coalescer) checkpoint(p Position) {
	c.cps = append(c.cps, heldCheckpoint{pos: p, after: c.n})
}

// flushed is what a flush passes on, in order: gaps, hints, then the
// latest checkpoint released; next is when the next hint is due (zero
// when none waits).
type flushed struct {
	gaps       []Gap
	hints      []Hint
	checkpoint Position
	next       time.Time
}

func (f flushed) deliver(out Sink) {
	for _, g := range f.gaps {
		out.Gap(g)
	}
	for _, h := range f.hints {
		out.Hint(h)
	}
	if f.checkpoint != "" {
		out.Checkpoint(f.checkpoint)
	}
}

// flush takes what is due at now.
func (c *coalescer) flush(now time.Time) flushed {
	var f flushed
	if len(c.gaps) > 0 {
		f.gaps, c.gaps = c.gaps, nil
		c.overflowing = false
	}
	i := 0
	for ; i < len(c.queue) && !c.queue[i].due.After(now); i++ {
		w := c.queue[i]
		f.hints = append(f.hints, w.h)
		delete(c.keys, bucketKey{w.h.Bucket, w.h.Key})
	}
	c.queue = c.queue[i:]
	if len(c.queue) == 0 {
		c.queue = nil // let the array go after a burst
	}
	// Hints wait in order of arrival: the oldest waiting bounds what a
	// checkpoint may claim.
	oldest := c.n + 1
	if len(c.queue) > 0 {
		oldest = c.queue[0].seq
		f.next = c.queue[0].due
	}
	j := 0
	for ; j < len(c.cps) && c.cps[j].after < oldest; j++ {
		f.checkpoint = c.cps[j].pos
	}
	c.cps = c.cps[j:]
	return f
}
