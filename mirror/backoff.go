package mirror

import (
	"math/rand/v2"
	"time"
)

// backoff spaces the retries of a failing pass: exponential, capped, and
// jittered so that buckets on the same troubled backend do not retry in step.
type backoff struct {
	min, max time.Duration
	cur      time.Duration
}

// next returns the wait before the next retry, between half and all of the
// current step, and doubles the step.
func (b *backoff) next() time.Duration {
	switch {
	case b.cur == 0:
		b.cur = b.min
	case b.cur < b.max:
		b.cur = min(2*b.cur, b.max)
	}
	if b.cur <= 0 {
		return 0
	}
	half := b.cur / 2
	return half + rand.N(b.cur-half+1)
}

// reset starts the next failure from the smallest step again.
func (b *backoff) reset() { b.cur = 0 }
