package feed

import (
	"context"
	"math/rand/v2"
	"time"
)

// Defaults of the reconnection backoff.
const (
	defaultMinBackoff = 200 * time.Millisecond
	defaultMaxBackoff = 30 * time.Second
)

// backoff spaces reconnections: exponential, capped, and jittered so that
// the sidecars of one backend do not reconnect in step after it restarts.
type backoff struct {
	min, max time.Duration
	cur      time.Duration
}

func newBackoff(lo, hi time.Duration) backoff {
	if lo <= 0 {
		lo = defaultMinBackoff
	}
	if hi < lo {
		hi = max(lo, defaultMaxBackoff)
	}
	return backoff{min: lo, max: hi}
}

// next returns the wait before the next attempt, between half and all of
// the current step, and doubles the step.
func (b *backoff) next() time.Duration {
	switch {
	case b.cur == 0:
		b.cur = b.min
	case b.cur < b.max:
		b.cur = min(2*b.cur, b.max)
	}
	half := b.cur / 2
	return half + rand.N(b.cur-half+1)
}

// reset starts the next failure from the smallest step again.
func (b *backoff) reset() { b.cur = 0 }

// sleep waits d or until ctx ends, reporting whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
