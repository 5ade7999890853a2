package mirror

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ringside/ringside/feed"
)

// endingSource is a handSource that says when its Run ended.
type endingSource struct {
	handSource
	ended chan struct{}
}

func newEndingSource() *endingSource {
	return &endingSource{handSource: handSource{sinks: make(chan feed.Sink, 1)}, ended: make(chan struct{})}
}

func (s *endingSource) Run(ctx context.Context, from feed.Position, sink feed.Sink) error {
	defer close(s.ended)
	return s.handSource.Run(ctx, from, sink)
}

// A location's feed changed while its bucket is mirrored: the old source
// stops, the new one runs and its hints are applied, a pass is forced, and
// the position the old feed recorded is dropped; switched to none, the
// bucket runs passes only.
func TestSwitchFeed(t *testing.T) {
	first, second := newEndingSource(), newEndingSource()
	var mu sync.Mutex
	var current feed.Source = first
	opts := testOptions()
	opts.Interval = time.Hour
	opts.Feeds = func(bucket string) (FeedTarget, error) {
		mu.Lock()
		defer mu.Unlock()
		if current == nil {
			return FeedTarget{}, nil
		}
		return FeedTarget{Kind: "hand", Bucket: "src", Source: current}, nil
	}
	h := newHarness(t, opts)
	h.createBucket("b", true)
	if err := h.m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	sink := <-first.sinks
	waitFor(t, "the initial sync", func() bool { return h.passes("b") == 1 })
	sink.Checkpoint("old-position")
	waitFor(t, "the old feed's position", func() bool { return ingestState(t, h.db, "b").FeedPosition == "old-position" })

	mu.Lock()
	current = second
	mu.Unlock()
	if err := h.m.SwitchFeed("b"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the old source still runs")
	}
	if pos := ingestState(t, h.db, "b").FeedPosition; pos != "" {
		t.Errorf("position %q kept from the old feed", pos)
	}
	sink2 := <-second.sinks
	waitFor(t, "the pass the switch forces", func() bool { return h.passes("b") >= 2 })
	v := h.be.put("k1", "one", nil)
	sink2.Hint(feed.Hint{Bucket: "src", Key: "k1", Size: -1})
	waitFor(t, "the new feed's hint applied", func() bool { return h.latest("b", "k1").VersionID == v.id })

	mu.Lock()
	current = nil
	mu.Unlock()
	passes := h.passes("b")
	if err := h.m.SwitchFeed("b"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-second.ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the second source still runs")
	}
	waitFor(t, "the pass the switch to none forces", func() bool { return h.passes("b") > passes })
	if st, _ := h.m.Status("b"); st.Feed != nil {
		t.Errorf("feed status %+v after the switch to none", st.Feed)
	}
	if err := h.m.SwitchFeed("nobucket"); err != nil {
		t.Errorf("switch of a bucket not mirrored: %v", err)
	}
}
