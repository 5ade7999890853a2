package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/index"
)

// hangingBackend relays requests to a backend, or, while hung, holds them
// unanswered until released.
type hangingBackend struct {
	proxy   *httputil.ReverseProxy
	hung    atomic.Bool
	mu      sync.Mutex
	release chan struct{}
}

func newHangingBackend(t *testing.T, target string) (*hangingBackend, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	h := &hangingBackend{proxy: httputil.NewSingleHostReverseProxy(u), release: make(chan struct{})}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { h.set(false) })
	return h, srv.URL
}

func (h *hangingBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.hung.Load() {
		h.mu.Lock()
		release := h.release
		h.mu.Unlock()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
	}
	h.proxy.ServeHTTP(w, r)
}

// set hangs the backend, or releases the requests it holds.
func (h *hangingBackend) set(hung bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if hung == h.hung.Load() {
		return
	}
	if !hung {
		close(h.release)
		h.release = make(chan struct{})
	}
	h.hung.Store(hung)
}

// A location with a short response timeout answers 503 when its backend
// hangs, while a location with the default keeps waiting; an update of a
// location's timeout holds for the next request, without a restart.
func TestLocationResponseTimeout(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	hb, endpoint := newHangingBackend(t, e.backend.URL())
	far := e.location("far", "shared", false)
	far.Endpoint, far.ResponseTimeout = endpoint, 300*time.Millisecond
	near := e.location("near", "shared", false)
	near.Endpoint = endpoint
	for _, l := range []index.Location{far, near} {
		if _, err := e.cat.AddLocation(ctx, l); err != nil {
			t.Fatalf("add location %s: %v", l.Name, err)
		}
	}
	e.createBucket("far-b", "far")
	e.createBucket("near-b", "near")
	e.put("far-b", "k", "far away")
	e.put("near-b", "k", "close by")

	hb.set(true)
	nearDone := make(chan error, 1)
	go func() {
		_, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("near-b"), Key: aws.String("k")})
		nearDone <- err
	}()
	// The client gives up well before the default timeout would pass: a
	// 503 can only come from the location's own.
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := e.s3.GetObject(short, &s3.GetObjectInput{Bucket: aws.String("far-b"), Key: aws.String("k")})
	if httpStatusOf(err) != http.StatusServiceUnavailable {
		t.Fatalf("GET from the hung location with a short timeout: %v, want 503", err)
	}
	select {
	case err := <-nearDone:
		t.Fatalf("the GET from the location with the default timeout ended first: %v", err)
	default:
	}
	hb.set(false)
	if err := <-nearDone; err != nil {
		t.Fatalf("the GET from the location with the default timeout, once released: %v", err)
	}

	shorter := 300 * time.Millisecond
	info, err := e.cat.UpdateLocation(ctx, "near", catalog.LocationChange{ResponseTimeout: &shorter})
	if err != nil {
		t.Fatal(err)
	}
	if info.Timeouts.Response != 300*time.Millisecond {
		t.Fatalf("updated timeouts: %+v", info.Timeouts)
	}
	hb.set(true)
	short, cancel = context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err = e.s3.GetObject(short, &s3.GetObjectInput{Bucket: aws.String("near-b"), Key: aws.String("k")})
	if httpStatusOf(err) != http.StatusServiceUnavailable {
		t.Fatalf("GET from the hung location after its timeout was shortened: %v, want 503", err)
	}
}
