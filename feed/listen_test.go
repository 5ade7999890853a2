package feed

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// plainGetter sends unsigned GETs to a test server.
type plainGetter struct{ base string }

func (g plainGetter) SignedGet(ctx context.Context, op, path string, q url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.base+path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}

func listenRecord(key string) string {
	return fmt.Sprintf(`{"Records":[{"eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":%q}}}]}`, key)
}

// The first connection fails, the second delivers one event and breaks,
// the third delivers another: a failed first attempt is no gap, the
// reconnection after a stream that was open is one.
func TestListenReconnectIsAGap(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query()["events"]; !slices.Equal(got, defaultListenEvents) {
			t.Errorf("events %q, want %q", got, defaultListenEvents)
		}
		switch conns.Add(1) {
		case 1:
			http.Error(w, "not yet", http.StatusServiceUnavailable)
		case 2:
			fmt.Fprintln(w, listenRecord("k1"))
		default:
			fmt.Fprint(w, " \n")
			fmt.Fprintln(w, listenRecord("k2"))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}
	}))
	defer srv.Close()
	l, err := NewListen(ListenConfig{Client: plainGetter{srv.URL}, Bucket: "b", MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx, "", rec) }()
	waitFor(t, "the second hint", func() bool { h, _, _ := rec.snapshot(); return len(h) == 2 })
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if want := []string{"hint:k1", "gap:reconnect", "hint:k2"}; !slices.Equal(rec.events, want) {
		t.Errorf("events %q, want %q", rec.events, want)
	}
}

// A stream that goes silent past the idle timeout is dropped and opened
// again, with a gap.
func TestListenIdleStreamReconnects(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conns.Add(1)
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	l, err := NewListen(ListenConfig{Client: plainGetter{srv.URL}, Bucket: "b", IdleTimeout: 20 * time.Millisecond, MinBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx, "", rec) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "a reconnection gap", func() bool { _, g, _ := rec.snapshot(); return len(g) >= 1 })
	if conns.Load() < 2 {
		t.Errorf("%d connections, want a second one", conns.Load())
	}
}
