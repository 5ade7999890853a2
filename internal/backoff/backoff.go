package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff spaces retries: exponential from Min, capped at Max, and
// jittered so that the sidecars (or buckets) of one troubled backend do
// not retry in step. Its zero step is the start.
type Backoff struct {
	Min, Max time.Duration
	cur      time.Duration
}

// Next returns the wait before the next retry, between half and all of
// the current step, and doubles the step.
func (b *Backoff) Next() time.Duration {
	switch {
	case b.cur == 0:
		b.cur = b.Min
	case b.cur < b.Max:
		b.cur = min(2*b.cur, b.Max)
	}
	if b.cur <= 0 {
		return 0
	}
	half := b.cur / 2
	return half + rand.N(b.cur-half+1)
}

// Reset starts the next failure from the smallest step again.
func (b *Backoff) Reset() { b.cur = 0 }

// Sleep waits d or until ctx ends, reporting whether ctx is still live.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
