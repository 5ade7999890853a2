package backend

import (
	"context"
	"sync/atomic"
	"time"
)

// Timing sums the time one request served by ringside spent waiting on
// its backend, and counts the backend calls made for it, so that an
// access log can tell ringside's time from the backend's. A caller puts
// one in the context of its request with WithTiming; every call made with
// that context (or one derived from it) adds to it, retries counting one
// call each. It is safe for concurrent use.
//
// What counts as waiting on the backend:
//   - a call's time until its answer's headers came, less the time spent
//     reading the request body from the caller (an S3 client's upload);
//   - the time spent inside reads of an answer's body, which block on the
//     backend; time between reads is the caller's and does not count;
//   - a body spliced straight from the backend's connection to the
//     client's counts whole, the client's side included: a splice cannot
//     tell the two apart.
type Timing struct {
	nanos atomic.Int64
	calls atomic.Int64
}

type timingKey struct{}

// WithTiming returns ctx carrying a new Timing, and the Timing.
func WithTiming(ctx context.Context) (context.Context, *Timing) {
	t := &Timing{}
	return context.WithValue(ctx, timingKey{}, t), t
}

// Calls is the number of backend calls counted so far.
func (t *Timing) Calls() int64 { return t.calls.Load() }

// Elapsed is the time spent waiting on the backend so far.
func (t *Timing) Elapsed() time.Duration { return time.Duration(t.nanos.Load()) }

// timingFrom is the Timing ctx carries, or nil.
func timingFrom(ctx context.Context) *Timing {
	t, _ := ctx.Value(timingKey{}).(*Timing)
	return t
}

// clock reads the clock only for a call that is timed.
func (t *Timing) clock() time.Time {
	if t == nil {
		return time.Time{}
	}
	return time.Now()
}

// called counts one call that started at start.
func (t *Timing) called(start time.Time) {
	if t != nil {
		t.calls.Add(1)
		t.nanos.Add(int64(time.Since(start)))
	}
}

// waited adds the time since start.
func (t *Timing) waited(start time.Time) {
	if t != nil {
		t.nanos.Add(int64(time.Since(start)))
	}
}

// gave takes back the time since start: time a call spent on its
// caller's side.
func (t *Timing) gave(start time.Time) {
	if t != nil {
		t.nanos.Add(-int64(time.Since(start)))
	}
}
