package feed

import (
	"time"

	"github.com/ringside/ringside/internal/backoff"
)

// Defaults of the reconnection backoff.
const (
	defaultMinBackoff = 200 * time.Millisecond
	defaultMaxBackoff = 30 * time.Second
)

// newBackoff spaces reconnections between lo and hi, the defaults filling
// in for bounds not set.
func newBackoff(lo, hi time.Duration) backoff.Backoff {
	if lo <= 0 {
		lo = defaultMinBackoff
	}
	if hi < lo {
		hi = max(lo, defaultMaxBackoff)
	}
	return backoff.Backoff{Min: lo, Max: hi}
}
