package feed

import (
	"sync"
	"testing"
	"time"
)

// recorder is a Sink that keeps what it is given, safe to read from the
// test's goroutine.
type recorder struct {
	mu     sync.Mutex
	hints  []Hint
	gaps   []Gap
	cps    []Position
	events []string // "hint:key", "gap:reason", "cp:pos", in order
}

func (r *recorder) Hint(h Hint) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hints = append(r.hints, h)
	r.events = append(r.events, "hint:"+h.Key)
}

func (r *recorder) Gap(g Gap) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gaps = append(r.gaps, g)
	r.events = append(r.events, "gap:"+string(g.Reason))
}

func (r *recorder) Checkpoint(p Position) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cps = append(r.cps, p)
	r.events = append(r.events, "cp:"+string(p))
}

func (r *recorder) snapshot() (hints []Hint, gaps []Gap, cps []Position) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Hint(nil), r.hints...), append([]Gap(nil), r.gaps...), append([]Position(nil), r.cps...)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
