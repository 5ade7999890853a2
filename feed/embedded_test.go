package feed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/embedded"
)

const (
	embKey    = "feed-test"
	embSecret = "feed-test-secret"
)

// embeddedBackend runs an embedded server with versioned buckets, and
// returns it with a backend client of bucket and an SDK client.
func embeddedBackend(t *testing.T, bucket string, others ...string) (*embedded.Server, *backend.Client, *s3.Client) {
	t.Helper()
	srv, err := embedded.Start("127.0.0.1:0", embKey, embSecret, append([]string{bucket}, others...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, backendClient(t, srv.URL(), bucket), sdkClient(srv.URL())
}

func backendClient(t *testing.T, url, bucket string) *backend.Client {
	t.Helper()
	c, err := backend.New(backend.Config{Endpoint: url, AccessKey: embKey, SecretKey: embSecret, Bucket: bucket})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sdkClient(url string) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(embKey, embSecret, ""),
		BaseEndpoint: aws.String(url),
		UsePathStyle: true,
	})
}

func putObject(t *testing.T, c *s3.Client, bucket, key string) string {
	t.Helper()
	out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("body of " + key)})
	if err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
	return aws.ToString(out.VersionId)
}

func deleteObject(t *testing.T, c *s3.Client, bucket, key string) {
	t.Helper()
	if _, err := c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		t.Fatalf("delete %s/%s: %v", bucket, key, err)
	}
}

// running runs src into a recorder until the test ends or stop is called.
func running(t *testing.T, src Source, from Position) (*recorder, func() error) {
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, from, rec) }()
	var err error
	stopped := false
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			err = <-done
		}
		return err
	}
	t.Cleanup(func() { stop() })
	return rec, stop
}

func keysOf(hints []Hint) []string {
	var keys []string
	for _, h := range hints {
		keys = append(keys, h.Key)
	}
	return keys
}

// The listen stream of the embedded backend, as MinIO's: every change of
// the bucket, keys decoded, delete markers told apart; a restart of the
// backend is a reconnection, hence a gap, and the stream goes on.
func TestListenEmbedded(t *testing.T) {
	srv, client, s3c := embeddedBackend(t, "src", "other")
	l, err := NewListen(ListenConfig{Client: client, Bucket: "src", MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := running(t, l, "")
	waitFor(t, "the stream to connect", l.Connected)

	v1 := putObject(t, s3c, "src", "dir/a b+é")
	putObject(t, s3c, "other", "not mine")
	deleteObject(t, s3c, "src", "dir/a b+é")
	waitFor(t, "two hints", func() bool { h, _, _ := rec.snapshot(); return len(h) == 2 })
	hints, gaps, _ := rec.snapshot()
	if len(gaps) != 0 {
		t.Errorf("gaps before any reconnection: %+v", gaps)
	}
	if h := hints[0]; h.Bucket != "src" || h.Key != "dir/a b+é" || h.VersionID != v1 || h.Event != EventPut || h.Size != int64(len("body of dir/a b+é")) || h.ETag == "" {
		t.Errorf("put hint %+v", h)
	}
	if h := hints[1]; h.Key != "dir/a b+é" || h.Event != EventDeleteMarker || CompareSequencers(h.Sequencer, hints[0].Sequencer) <= 0 {
		t.Errorf("delete marker hint %+v, after sequencer %s", h, hints[0].Sequencer)
	}

	// Restart the backend on the same address: its data is gone, which
	// does not matter here, its stream is.
	addr := strings.TrimPrefix(srv.URL(), "http://")
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the stream to drop", func() bool { return !l.Connected() })
	srv2, err := embedded.Start(addr, embKey, embSecret, "src")
	if err != nil {
		t.Fatalf("restart the backend on %s: %v", addr, err)
	}
	defer srv2.Close()
	waitFor(t, "a reconnection gap", func() bool { _, g, _ := rec.snapshot(); return len(g) == 1 })
	waitFor(t, "the stream to connect again", l.Connected)
	putObject(t, sdkClient(srv2.URL()), "src", "after")
	waitFor(t, "the hint after the gap", func() bool { h, _, _ := rec.snapshot(); return len(h) == 3 })
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if want := []string{"hint:dir/a b+é", "hint:dir/a b+é", "gap:reconnect", "hint:after"}; !slices.Equal(rec.events, want) {
		t.Errorf("events %q, want %q", rec.events, want)
	}
	if rec.gaps[0].Bucket != "src" {
		t.Errorf("gap of bucket %q", rec.gaps[0].Bucket)
	}
	if st := l.Status(); st.Kind != "listen" || st.State != StateRunning || st.Hints != 3 || st.Gaps != 1 || st.LastHint.IsZero() || st.LastError != "" {
		t.Errorf("status %+v", st)
	}
}

func newRaftLog(t *testing.T, c *backend.Client, bucket string) *RaftLog {
	t.Helper()
	r, err := NewRaftLog(RaftLogConfig{
		Client: c, Bucket: bucket, Limit: 3, Poll: 5 * time.Millisecond,
		// The embedded backend logs the version IDs its API shows.
		EncodeVersionID: func(raw string) string { return raw },
		MinBackoff:      5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The metadata log of the embedded backend, read as the S3 Connector's:
// from a head recorded before the writes, filtered on the bucket, with
// checkpoints; a Run resumed from the last checkpoint misses nothing and
// repeats at most what the checkpoint had not covered.
func TestRaftLogEmbeddedResume(t *testing.T) {
	_, client, s3c := embeddedBackend(t, "src", "other")
	r := newRaftLog(t, client, "src")
	putObject(t, s3c, "src", "before-head")
	head, err := r.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Written before Run starts, after the head: not missed.
	var versions []string
	for i := range 4 {
		versions = append(versions, putObject(t, s3c, "src", fmt.Sprintf("k%d", i)))
		putObject(t, s3c, "other", fmt.Sprintf("o%d", i))
	}
	rec, stop := running(t, r, head)
	waitFor(t, "k3", func() bool { h, _, _ := rec.snapshot(); return slices.Contains(keysOf(h), "k3") })
	deleteObject(t, s3c, "src", "k0")
	waitFor(t, "the delete marker", func() bool {
		h, _, _ := rec.snapshot()
		return len(h) > 0 && h[len(h)-1].Event == EventDeleteMarker
	})
	waitFor(t, "the log read to its end", func() bool { return r.Status().Lag == 0 })
	if st := r.Status(); st.State != StateRunning || st.Hints == 0 {
		t.Errorf("status while running: %+v", st)
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	if st := r.Status(); st.State != StateStopped {
		t.Errorf("status once stopped: %+v", st)
	}
	hints, gaps, cps := rec.snapshot()
	if len(gaps) != 0 {
		t.Errorf("gaps: %+v", gaps)
	}
	for _, h := range hints {
		if h.Bucket != "src" {
			t.Errorf("hint of another bucket: %+v", h)
		}
	}
	got := slices.Compact(keysOf(hints)) // a put gives its version's entry and its master's
	if want := []string{"before-head", "k0", "k1", "k2", "k3", "k0"}; !slices.Equal(got, want) && !slices.Equal(got, want[1:]) {
		t.Errorf("keys %q, want %q (the first at most once: the head is read again)", got, want)
	}
	for _, h := range hints {
		var i int
		if n, _ := fmt.Sscanf(h.Key, "k%d", &i); n == 1 && h.Event == EventPut && h.VersionID != versions[i] {
			t.Errorf("%s: version %q, want %q", h.Key, h.VersionID, versions[i])
		}
	}
	if len(cps) == 0 {
		t.Fatal("no checkpoint")
	}

	// Changes while stopped are read on resume, from the last checkpoint.
	last := cps[len(cps)-1]
	putObject(t, s3c, "src", "while-stopped")
	rec2, _ := running(t, newRaftLog(t, client, "src"), last)
	waitFor(t, "while-stopped", func() bool { h, _, _ := rec2.snapshot(); return slices.Contains(keysOf(h), "while-stopped") })
	h2, g2, _ := rec2.snapshot()
	if len(g2) != 0 {
		t.Errorf("gaps on resume: %+v", g2)
	}
	if got := slices.Compact(keysOf(h2)); !slices.Equal(got, []string{"while-stopped"}) {
		t.Errorf("resumed with keys %q, want only the change made while stopped", got)
	}
}

// A position the backend no longer holds is a gap, after which the log is
// read from the oldest change held.
func TestRaftLogEmbeddedLostPosition(t *testing.T) {
	srv, client, s3c := embeddedBackend(t, "src")
	r := newRaftLog(t, client, "src")
	head, err := r.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv.SetLogRetention(2)
	for i := range 5 {
		putObject(t, s3c, "src", fmt.Sprintf("k%d", i))
	}
	rec, _ := running(t, r, head)
	waitFor(t, "k4", func() bool { h, _, _ := rec.snapshot(); return slices.Contains(keysOf(h), "k4") })
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.events) == 0 || rec.events[0] != "gap:lost-position" || len(rec.gaps) != 1 {
		t.Fatalf("events %q, want a lost-position gap first, once", rec.events)
	}
	if got := slices.Compact(keysOf(rec.hints)); !slices.Equal(got, []string{"k3", "k4"}) {
		t.Errorf("keys %q, want the two changes held", got)
	}
}

// Positions that cannot be resumed are gaps too: another raft session's,
// one past the end of the log (the backend lost its log), or garbage.
func TestRaftLogEmbeddedBadPositions(t *testing.T) {
	_, client, s3c := embeddedBackend(t, "src")
	putObject(t, s3c, "src", "k")
	for _, from := range []Position{"raft:9:1", "raft:1:1000", "not a position"} {
		t.Run(string(from), func(t *testing.T) {
			rec, stop := running(t, newRaftLog(t, client, "src"), from)
			waitFor(t, "a gap", func() bool { _, g, _ := rec.snapshot(); return len(g) == 1 })
			waitFor(t, "a checkpoint", func() bool { _, _, c := rec.snapshot(); return len(c) > 0 })
			stop()
			_, gaps, _ := rec.snapshot()
			if gaps[0].Reason != GapLostPosition {
				t.Errorf("gap %+v", gaps[0])
			}
		})
	}
}

// A bucket no raft session holds cannot be followed: Run says so rather
// than retrying for ever.
func TestRaftLogEmbeddedNoSession(t *testing.T) {
	srv, _, _ := embeddedBackend(t, "src")
	r := newRaftLog(t, backendClient(t, srv.URL(), "missing"), "missing")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Run(ctx, "", &recorder{}); !errors.Is(err, errNoSession) {
		t.Fatalf("Run returned %v, want errNoSession", err)
	}
}

// The embedded backend pushes its changes as MinIO's webhook target does;
// the receiver refuses them with 503 until it runs, and the backend's
// retries then deliver them: nothing is lost, keys arrive decoded.
func TestWebhookEmbeddedPush(t *testing.T) {
	srv, _, s3c := embeddedBackend(t, "src")
	hook, err := NewWebhook(WebhookConfig{Location: "emb", Token: "embedded-push-token-1"})
	if err != nil {
		t.Fatal(err)
	}
	var refused atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := httptest.NewRecorder()
		hook.ServeHTTP(rw, r)
		if rw.Code == http.StatusServiceUnavailable {
			refused.Add(1)
		}
		for k, v := range rw.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rw.Code)
		w.Write(rw.Body.Bytes())
	}))
	defer receiver.Close()
	if err := srv.PushEvents(receiver.URL+hook.Path(), "embedded-push-token-1"); err != nil {
		t.Fatal(err)
	}
	v1 := putObject(t, s3c, "src", "before run+ é")
	waitFor(t, "a push refused while the receiver does not run", func() bool { return refused.Load() > 0 })
	rec, _ := running(t, hook, "")
	deleteObject(t, s3c, "src", "before run+ é")
	waitFor(t, "two hints", func() bool { h, _, _ := rec.snapshot(); return len(h) == 2 })
	hints, _, _ := rec.snapshot()
	if h := hints[0]; h.Key != "before run+ é" || h.VersionID != v1 || h.Event != EventPut {
		t.Errorf("first hint %+v", h)
	}
	if h := hints[1]; h.Key != "before run+ é" || h.Event != EventDeleteMarker {
		t.Errorf("second hint %+v", h)
	}
}

// The chain the mirror will use: a source, counted, into a Debouncer. Every
// hint received is either passed on or merged into one passed on, and the
// metrics say so; the checkpoint after them follows them.
func TestPipelineEmbedded(t *testing.T) {
	_, client, s3c := embeddedBackend(t, "src")
	reg := prometheus.NewRegistry()
	met, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	r := newRaftLog(t, client, "src")
	head, err := r.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	const puts = 20
	for i := range puts {
		putObject(t, s3c, "src", fmt.Sprintf("k%d", i%3))
	}
	out := &recorder{}
	d := NewDebouncer(DebounceConfig{Window: 20 * time.Millisecond, Kind: r.Kind(), Metrics: met}, out)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go d.Run(ctx)
	go func() { _ = r.Run(ctx, head, met.Count(r.Kind(), d)) }()
	// Each put is two entries (the version's and the master's); the head
	// record is read again.
	received := func() float64 { return counterValue(t, met.received.WithLabelValues("raftlog", "src")) }
	waitFor(t, "every entry received", func() bool { return received() >= 2*puts })
	waitFor(t, "nothing waiting", func() bool { return d.Pending() == 0 })
	waitFor(t, "a checkpoint", func() bool { _, _, c := out.snapshot(); return len(c) > 0 })
	hints, gaps, _ := out.snapshot()
	merged := counterValue(t, met.debounced.WithLabelValues("raftlog", "src"))
	if got := float64(len(hints)) + merged; got != received() {
		t.Errorf("%d passed on + %v merged = %v, want the %v received", len(hints), merged, got, received())
	}
	if len(hints) < 3 || len(gaps) != 0 {
		t.Errorf("%d hints and %d gaps passed on; want at least one per key and no gap", len(hints), len(gaps))
	}
}

// counterValue reads a counter.
func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// With ping, the embedded stream keeps alive with empty records, as MinIO
// does; they carry no hint.
func TestListenEmbeddedPing(t *testing.T) {
	_, client, _ := embeddedBackend(t, "src")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := client.SignedGet(ctx, "ListenBucketNotification", "/src", url.Values{"events": {"s3:ObjectCreated:*"}, "ping": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatalf("read the first keepalive: %v", err)
	}
	hints, err := parseNotification(raw, false)
	if err != nil || len(hints) != 0 {
		t.Errorf("keepalive %s: %d hints, %v", raw, len(hints), err)
	}
}
