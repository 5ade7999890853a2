package feeds

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ringside/ringside/feed"
)

// wantHints checks the hints of bucket b: the keys in order, the events,
// and the version IDs where given.
func wantHints(t *testing.T, hints []feed.Hint, bucket string, keys []string, events []feed.Event, versions []string) {
	t.Helper()
	if len(hints) != len(keys) {
		t.Fatalf("%d hints %+v, want %d", len(hints), hints, len(keys))
	}
	for i, h := range hints {
		if h.Bucket != bucket || h.Key != keys[i] || h.Event != events[i] || (versions[i] != "" && h.VersionID != versions[i]) {
			t.Errorf("hint %d: %+v; want bucket %s key %q event %s version %q", i, h, bucket, keys[i], events[i], versions[i])
		}
		if h.Sequencer == "" {
			t.Errorf("hint %d has no sequencer", i)
		}
	}
}

// MinIO's ListenBucketNotification stream read by feed.Listen: puts and
// delete markers of the bucket, keys decoded, nothing of another bucket.
//
// The MinIO this runs holds the stream in its 4 KiB write buffer instead
// of flushing each event (docs/FEEDS.md): events come through once enough
// follow them. Filler objects are written until the test's events are
// through; the test checks what arrives, not when.
func TestMinIOListen(t *testing.T) {
	m := startMinIO(t)
	m.versionedBucket(t, "src")
	m.versionedBucket(t, "other")
	l, err := feed.NewListen(feed.ListenConfig{Client: m.client(t, "src"), Bucket: "src"})
	if err != nil {
		t.Fatal(err)
	}
	rec := run(t, l)
	// The subscription is made when the request arrives, which nothing
	// shows but events getting through.
	fill := 0
	filler := func() {
		m.put(t, "src", fmt.Sprintf("fill/%04d", fill))
		fill++
	}
	waitFor(t, "the stream to carry events", func() bool {
		filler()
		h, _ := rec.snapshot()
		return len(h) > 0
	})

	key := "dir/a b+é%"
	v1 := m.put(t, "src", key)
	m.put(t, "other", "not mine")
	m.delete(t, "src", key)
	var mine []feed.Hint
	waitFor(t, "the hints of the key", func() bool {
		filler()
		hints, _ := rec.snapshot()
		mine = mine[:0]
		for _, h := range hints {
			if h.Bucket != "src" || !strings.HasPrefix(h.Key, "fill/") {
				mine = append(mine, h)
			}
		}
		return len(mine) >= 2
	})
	_, gaps := rec.snapshot()
	if len(gaps) != 0 {
		t.Errorf("gaps: %+v", gaps)
	}
	wantHints(t, mine, "src", []string{key, key}, []feed.Event{feed.EventPut, feed.EventDeleteMarker}, []string{v1, ""})
	if mine[0].Size != int64(len("body of "+key)) || mine[0].ETag == "" {
		t.Errorf("put hint without its size or ETag: %+v", mine[0])
	}
	if feed.CompareSequencers(mine[1].Sequencer, mine[0].Sequencer) < 0 {
		t.Errorf("the delete's sequencer %s sorts before the put's %s", mine[1].Sequencer, mine[0].Sequencer)
	}
}

const (
	webhookToken = "feeds-webhook-token-5c1d2"
	targetID     = "RINGSIDE"
)

// MinIO's webhook target, configured by environment at start, posting to
// feed.Webhook served on an admin-like listener at /feed/v1/{location},
// after PutBucketNotificationConfiguration names it for the bucket.
func TestMinIOWebhook(t *testing.T) {
	hook, err := feed.NewWebhook(feed.WebhookConfig{Location: "loc", Token: webhookToken})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(hook.Path(), hook)
	var refused atomic.Int64
	srv := httptest.NewServer(countRefusals(&refused, mux))
	defer srv.Close()
	rec := run(t, hook)

	m := startMinIO(t,
		"MINIO_NOTIFY_WEBHOOK_ENABLE_"+targetID+"=on",
		"MINIO_NOTIFY_WEBHOOK_ENDPOINT_"+targetID+"="+srv.URL+hook.Path(),
		"MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_"+targetID+"="+webhookToken,
	)
	m.versionedBucket(t, "src")
	_, err = m.S3.PutBucketNotificationConfiguration(context.Background(), &s3.PutBucketNotificationConfigurationInput{
		Bucket: aws.String("src"),
		NotificationConfiguration: &types.NotificationConfiguration{QueueConfigurations: []types.QueueConfiguration{{
			QueueArn: aws.String("arn:minio:sqs::" + targetID + ":webhook"),
			Events:   []types.Event{"s3:ObjectCreated:*", "s3:ObjectRemoved:*"},
		}}},
	})
	if err != nil {
		t.Fatalf("name the webhook target for the bucket: %v", err)
	}

	key := "photos/2026 été+1.jpg"
	v1 := m.put(t, "src", key)
	m.delete(t, "src", key)
	waitFor(t, "two hints", func() bool { h, _ := rec.snapshot(); return len(h) >= 2 })
	hints, _ := rec.snapshot()
	// MinIO posts each event on its own; their order is not promised.
	slices.SortFunc(hints, func(a, b feed.Hint) int { return feed.CompareSequencers(a.Sequencer, b.Sequencer) })
	wantHints(t, hints, "src", []string{key, key}, []feed.Event{feed.EventPut, feed.EventDeleteMarker}, []string{v1, ""})
	if n := refused.Load(); n != 0 {
		t.Errorf("%d of MinIO's requests refused", n)
	}

	// A request with another token is refused and delivers nothing.
	before := len(hints)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+hook.Path(), nil)
	req.Header.Set("Authorization", "Bearer not-the-token-at-all")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("wrong token: status %d, want 403", resp.StatusCode)
	}
	if h, _ := rec.snapshot(); len(h) != before {
		t.Errorf("a refused request delivered hints")
	}
}

// countRefusals counts the POSTs answered 4xx into n.
func countRefusals(n *atomic.Int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		if r.Method == http.MethodPost && sw.status >= 400 && sw.status < 500 {
			n.Add(1)
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
