package feed

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// step is one operation on a coalescer, at ms milliseconds: "add key[@seq]"
// (with a window of 10ms), "cp pos", "gap", or "flush" with what it must
// give, written as "gap:reason", "key@seq" and "cp:pos" in order.
type step struct {
	ms   int
	op   string
	want string // for flush
}

func TestCoalescer(t *testing.T) {
	tests := []struct {
		name    string
		maxKeys int
		steps   []step
	}{
		{name: "a key's hints become one", maxKeys: 10, steps: []step{
			{0, "add a@01", ""}, {2, "add a@03", ""}, {4, "add a@02", ""},
			{9, "flush", ""},
			{10, "flush", "a@03"},
			{11, "flush", ""},
		}},
		{name: "without sequencers the last arrival wins", maxKeys: 10, steps: []step{
			{0, "add a", ""}, {1, "add a#late", ""},
			{10, "flush", "a#late"},
		}},
		{name: "later hints do not extend the wait", maxKeys: 10, steps: []step{
			{0, "add a@1", ""}, {8, "add a@2", ""},
			{10, "flush", "a@2"},
		}},
		{name: "keys pass on in arrival order", maxKeys: 10, steps: []step{
			{0, "add b", ""}, {1, "add a", ""}, {2, "add c", ""},
			{11, "flush", "b a"},
			{12, "flush", "c"},
		}},
		{name: "a hint after its key was passed on waits again", maxKeys: 10, steps: []step{
			{0, "add a@1", ""}, {10, "flush", "a@1"},
			{11, "add a@1", ""}, {21, "flush", "a@1"},
		}},
		{name: "a checkpoint waits for the hints before it", maxKeys: 10, steps: []step{
			{0, "add a", ""}, {1, "cp p1", ""}, {5, "add b", ""}, {6, "cp p2", ""},
			{2, "flush", ""},
			{10, "flush", "a cp:p1"},
			{15, "flush", "b cp:p2"},
		}},
		{name: "a checkpoint with nothing waiting passes at once", maxKeys: 10, steps: []step{
			{0, "cp p1", ""}, {0, "cp p2", ""},
			{0, "flush", "cp:p2"},
		}},
		{name: "a checkpoint waits for every key before it", maxKeys: 10, steps: []step{
			{0, "add a", ""}, {1, "add b", ""}, {2, "cp p1", ""}, {3, "add a#after", ""},
			{10, "flush", "a#after"}, // the hint after p1 merged into a, which passes on with it
			{11, "flush", "b cp:p1"},
		}},
		{name: "overflow is one gap until passed on", maxKeys: 2, steps: []step{
			{0, "add a", ""}, {0, "add b", ""}, {0, "add c", ""}, {0, "add d", ""},
			{0, "add a@9", ""}, // a waiting key still merges
			{1, "flush", "gap:overflow"},
			{1, "add e", ""},
			{2, "flush", "gap:overflow"},
			{10, "flush", "a@9 b"},
			{11, "add f", ""},
			{21, "flush", "f"},
		}},
		{name: "gaps pass on first", maxKeys: 10, steps: []step{
			{0, "add a", ""}, {1, "gap", ""},
			{10, "flush", "gap:reconnect a"},
		}},
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	window := 10 * time.Millisecond
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCoalescer(tt.maxKeys)
			for i, s := range tt.steps {
				at := base.Add(time.Duration(s.ms) * time.Millisecond)
				verb, arg, _ := strings.Cut(s.op, " ")
				switch verb {
				case "add":
					c.add(hintOf(arg), at.Add(window))
				case "cp":
					c.checkpoint(Position(arg))
				case "gap":
					c.gap(Gap{Reason: GapReconnect})
				case "flush":
					if got := describe(c.flush(at)); got != s.want {
						t.Fatalf("step %d (flush at %dms): got %q, want %q", i, s.ms, got, s.want)
					}
				}
			}
		})
	}
}

// hintOf reads "key[@seq][#tag]": the tag goes into the ETag, to tell two
// hints without sequencers apart.
func hintOf(s string) Hint {
	s, tag, _ := strings.Cut(s, "#")
	key, seq, _ := strings.Cut(s, "@")
	return Hint{Bucket: "b", Key: key, Sequencer: seq, ETag: tag}
}

func describe(f flushed) string {
	var parts []string
	for _, g := range f.gaps {
		parts = append(parts, "gap:"+string(g.Reason))
	}
	for _, h := range f.hints {
		s := h.Key
		if h.Sequencer != "" {
			s += "@" + h.Sequencer
		}
		if h.ETag != "" {
			s += "#" + h.ETag
		}
		parts = append(parts, s)
	}
	if f.checkpoint != "" {
		parts = append(parts, "cp:"+string(f.checkpoint))
	}
	return strings.Join(parts, " ")
}

// The Debouncer passes hints on from its own goroutine: duplicates of a
// key become one, and a checkpoint follows the hints before it.
func TestDebouncerRun(t *testing.T) {
	rec := &recorder{}
	d := NewDebouncer(DebounceConfig{Window: 20 * time.Millisecond}, rec)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()

	for i := range 50 {
		d.Hint(Hint{Bucket: "b", Key: fmt.Sprintf("k%d", i%5), Sequencer: fmt.Sprintf("%04X", i)})
	}
	d.Checkpoint("p1")
	waitFor(t, "the checkpoint", func() bool { _, _, cps := rec.snapshot(); return len(cps) == 1 })
	hints, gaps, _ := rec.snapshot()
	if len(hints) != 5 || len(gaps) != 0 {
		t.Fatalf("got %d hints and %d gaps, want 5 hints (one per key) and no gap", len(hints), len(gaps))
	}
	for _, h := range hints {
		// Key k(i%5) last had sequencer 45+i%5.
		var i int
		fmt.Sscanf(h.Key, "k%d", &i)
		if want := fmt.Sprintf("%04X", 45+i); h.Sequencer != want {
			t.Errorf("%s passed on with sequencer %s, want the newest %s", h.Key, h.Sequencer, want)
		}
	}
	rec.mu.Lock()
	last := rec.events[len(rec.events)-1]
	rec.mu.Unlock()
	if last != "cp:p1" {
		t.Errorf("last event %q, want the checkpoint after the hints", last)
	}
	if d.Pending() != 0 {
		t.Errorf("%d keys still waiting", d.Pending())
	}
}
