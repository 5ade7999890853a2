package feed

import (
	"sync"
	"time"
)

// States of a source, as Status shows them.
const (
	StateStopped    = "stopped"    // no Run in progress
	StateConnecting = "connecting" // starting, or connecting again after a failure
	StateRunning    = "running"    // connected, or receiving
	StateFailing    = "failing"    // the last attempt failed; retrying
)

// Status is what a source says of itself, for `mirror status`.
type Status struct {
	Kind      string
	State     string
	Hints     int64     // hints delivered since the source was made
	Gaps      int64     // gaps delivered since the source was made
	LastHint  time.Time // zero before the first
	LastGap   time.Time
	LastError string // of the last failure, "" once recovered
	// Lag is how many log records the backend holds past what was read
	// (the metadata log only; -1 where unknown).
	Lag int64
}

// tracker keeps a source's Status and counts what passes to its sink.
type tracker struct {
	mu sync.Mutex
	st Status
}

func newTracker(kind string) tracker {
	return tracker{st: Status{Kind: kind, State: StateStopped, Lag: -1}}
}

// Status is the source's status now.
func (t *tracker) Status() Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.st
}

func (t *tracker) set(state string, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.st.State = state
	if err != nil {
		t.st.LastError = err.Error()
	} else if state == StateRunning || state == StateStopped {
		t.st.LastError = ""
	}
}

func (t *tracker) setLag(n int64) {
	t.mu.Lock()
	t.st.Lag = n
	t.mu.Unlock()
}

// wrap wraps next so that what passes is counted.
func (t *tracker) wrap(next Sink) Sink { return trackedSink{t: t, next: next} }

type trackedSink struct {
	t    *tracker
	next Sink
}

func (s trackedSink) Hint(h Hint) {
	s.t.mu.Lock()
	s.t.st.Hints++
	s.t.st.LastHint = time.Now()
	s.t.mu.Unlock()
	s.next.Hint(h)
}

func (s trackedSink) Gap(g Gap) {
	s.t.mu.Lock()
	s.t.st.Gaps++
	s.t.st.LastGap = time.Now()
	s.t.mu.Unlock()
	s.next.Gap(g)
}

func (s trackedSink) Checkpoint(p Position) { s.next.Checkpoint(p) }
