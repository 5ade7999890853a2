package mirror

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ringside/ringside/feed"
)

// handSource is a feed.Source driven by the test: Run hands its sink over
// and runs until stopped.
type handSource struct {
	sinks chan feed.Sink
}

func (s *handSource) Kind() string { return "hand" }

func (s *handSource) Run(ctx context.Context, from feed.Position, sink feed.Sink) error {
	s.sinks <- sink
	<-ctx.Done()
	return ctx.Err()
}

func (s *handSource) Status() feed.Status {
	return feed.Status{Kind: "hand", State: feed.StateRunning, Lag: -1}
}

// feedHarness runs bucket "b" following a handSource, with passes an hour
// apart, and returns the sink the mirror gave the source.
func feedHarness(t *testing.T) (*harness, feed.Sink) {
	t.Helper()
	src := &handSource{sinks: make(chan feed.Sink, 1)}
	opts := testOptions()
	opts.Interval = time.Hour
	opts.Feeds = func(bucket string) (FeedTarget, error) {
		return FeedTarget{Kind: "hand", Bucket: "src", Source: src}, nil
	}
	h := newHarness(t, opts)
	h.createBucket("b", true)
	if err := h.m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	sink := <-src.sinks
	waitFor(t, "the initial sync", func() bool {
		st, err := h.m.Status("b")
		return err == nil && st.Passes == 1
	})
	return h, sink
}

func (h *harness) passes(bucket string) int64 {
	h.t.Helper()
	st, err := h.m.Status(bucket)
	if err != nil {
		h.t.Fatal(err)
	}
	return st.Passes
}

func TestFeedHintRefreshesKeyAndCheckpoints(t *testing.T) {
	h, sink := feedHarness(t)
	v := h.be.put("k1", "one", nil)
	sink.Hint(feed.Hint{Bucket: "other", Key: "k1"}) // another backend bucket's: ignored
	sink.Hint(feed.Hint{Bucket: "src", Key: "k1", Size: -1})
	sink.Checkpoint("p1")
	waitFor(t, "the checkpoint recorded", func() bool { return ingestState(t, h.db, "b").FeedPosition == "p1" })
	if got := h.latest("b", "k1"); got.VersionID != v.id {
		t.Errorf("latest of k1 is %q, want %q", got.VersionID, v.id)
	}
	if n := h.passes("b"); n != 1 {
		t.Errorf("%d passes, want only the initial sync", n)
	}
	st, _ := h.m.Status("b")
	if st.Feed == nil || !st.Feed.Healthy || st.Feed.Kind != "hand" {
		t.Errorf("feed status %+v, want a healthy hand feed", st.Feed)
	}
}

// After a gap, hints still apply, but the checkpoint waits for the full
// pass the gap forced: the position must not claim what the gap missed.
func TestFeedGapHoldsCheckpointUntilPass(t *testing.T) {
	h, sink := feedHarness(t)
	sink.Checkpoint("p1")
	waitFor(t, "the first checkpoint", func() bool { return ingestState(t, h.db, "b").FeedPosition == "p1" })
	// The forced pass's listing (of the whole bucket) waits for the gate,
	// so that the held checkpoint can be seen; reads of one key do not.
	gate := make(chan struct{})
	h.be.mu.Lock()
	h.be.listGate = func(ctx context.Context, prefix string) error {
		if prefix != "" {
			return nil
		}
		select {
		case <-gate:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	h.be.mu.Unlock()
	missed := h.be.put("missed", "no hint for me", nil)
	sink.Gap(feed.Gap{Bucket: "src", Reason: feed.GapReconnect})
	h.be.put("k2", "two", nil)
	sink.Hint(feed.Hint{Bucket: "src", Key: "k2", Size: -1})
	sink.Checkpoint("p2")
	waitFor(t, "k2 applied", func() bool { return h.latest("b", "k2").VersionID != "" })
	if st, _ := h.m.Status("b"); st.Feed == nil || st.Feed.Healthy {
		t.Errorf("feed status %+v, want unhealthy while the gap waits for its pass", st.Feed)
	}
	if pos := ingestState(t, h.db, "b").FeedPosition; pos != "p1" {
		t.Fatalf("position %q recorded before the gap's pass, want p1 still", pos)
	}
	close(gate)
	waitFor(t, "the held checkpoint recorded", func() bool { return ingestState(t, h.db, "b").FeedPosition == "p2" })
	if got := h.latest("b", "missed"); got.VersionID != missed.id {
		t.Errorf("the forced pass did not index the missed key: %+v", got)
	}
	if st, _ := h.m.Status("b"); st.Feed == nil || !st.Feed.Healthy {
		t.Errorf("feed status %+v, want healthy after the pass", st.Feed)
	}
}

// A paused bucket ingests nothing, hints included; resuming runs the pass
// that catches up.
func TestFeedPausedIngestsNothing(t *testing.T) {
	h, sink := feedHarness(t)
	if err := h.m.Pause("b"); err != nil {
		t.Fatal(err)
	}
	v := h.be.put("k", "while paused", nil)
	sink.Hint(feed.Hint{Bucket: "src", Key: "k", Size: -1})
	sink.Checkpoint("p1")
	// The checkpoint comes after the hint: once it is held, the hint has
	// been dealt with.
	waitFor(t, "the hint dealt with", func() bool {
		st, _ := h.m.Status("b")
		return st.Feed != nil && !st.Feed.Healthy && st.Feed.Lag == 0
	})
	if got := h.latest("b", "k"); got.VersionID != "" {
		t.Fatalf("a paused bucket applied a hint: %+v", got)
	}
	if pos := ingestState(t, h.db, "b").FeedPosition; pos != "" {
		t.Fatalf("position %q recorded while paused", pos)
	}
	if err := h.m.Resume("b"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the pass after resuming", func() bool { return h.latest("b", "k").VersionID == v.id })
	waitFor(t, "the checkpoint recorded", func() bool { return ingestState(t, h.db, "b").FeedPosition == "p1" })
}

// The webhook receivers are served by location, each with its own token.
func TestFeedHandlerRoutesWebhooks(t *testing.T) {
	const token = "a-webhook-token-0123456789"
	opts := testOptions()
	opts.Interval = time.Hour
	opts.Feeds = func(bucket string) (FeedTarget, error) {
		return FeedTarget{Kind: "webhook", Location: "loc-" + bucket, Token: token, Bucket: "src"}, nil
	}
	h := newHarness(t, opts)
	h.createBucket("b", true)
	if err := h.m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the initial sync", func() bool { return h.passes("b") == 1 })
	srv := httptest.NewServer(h.m.FeedHandler())
	defer srv.Close()
	v := h.be.put("hello world.txt", "pushed", nil)
	body := `{"Records":[{"eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"src"},"object":{"key":"hello+world.txt","size":6}}}]}`
	post := func(path, auth string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	tests := []struct {
		path, token string
		want        int
	}{
		{"/feed/v1/loc-other", token, http.StatusNotFound},
		{"/feed/v1/", token, http.StatusNotFound},
		{"/feed/v1/loc-b/x", token, http.StatusNotFound},
		{"/feed/v1/loc-b", "", http.StatusUnauthorized},
		{"/feed/v1/loc-b", "not-the-token-0123456789", http.StatusForbidden},
	}
	for _, tt := range tests {
		if got := post(tt.path, tt.token); got != tt.want {
			t.Errorf("POST %s: status %d, want %d", tt.path, got, tt.want)
		}
	}
	if got := h.latest("b", "hello world.txt"); got.VersionID != "" {
		t.Fatalf("a refused notification was applied: %+v", got)
	}
	if got := post("/feed/v1/loc-b", token); got != http.StatusOK {
		t.Fatalf("POST with the token: status %d, want 200", got)
	}
	waitFor(t, "the pushed key indexed", func() bool { return h.latest("b", "hello world.txt").VersionID == v.id })
}
