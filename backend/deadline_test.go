package backend

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fakeMode is how a fakeBackend treats requests.
type fakeMode int32

const (
	modeHold   fakeMode = iota // read the request, never answer
	modeStall                  // answer headers and a little of a 1 MiB body, then stop
	modeAnswer                 // answer 200 with an empty body
)

// fakeBackend is an HTTP server whose behaviour a test switches.
type fakeBackend struct {
	*httptest.Server
	mode     atomic.Int32
	requests atomic.Int64
	release  chan struct{}
}

func startFake(t *testing.T, mode fakeMode) *fakeBackend {
	t.Helper()
	f := &fakeBackend{release: make(chan struct{})}
	f.mode.Store(int32(mode))
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		close(f.release)
		f.Close()
	})
	return f
}

func (f *fakeBackend) serve(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	_, _ = io.Copy(io.Discard, r.Body)
	switch fakeMode(f.mode.Load()) {
	case modeAnswer:
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	case modeStall:
		w.Header().Set("Content-Length", "1048576")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(bytes.Repeat([]byte("x"), 1000))
		w.(http.Flusher).Flush()
	}
	select {
	case <-r.Context().Done():
	case <-f.release:
	}
}

// startDeaf accepts connections and never reads them.
func startDeaf(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// quick are timeouts short enough for tests.
var quick = Timeouts{Connect: 500 * time.Millisecond, Response: 300 * time.Millisecond, Stall: 300 * time.Millisecond}

func quickClient(t *testing.T, endpoint string, edit ...func(*Config)) *Client {
	t.Helper()
	return clientFor(t, endpoint, append([]func(*Config){func(c *Config) {
		c.Timeouts = quick
		c.BreakerFailures = 1000
	}}, edit...)...)
}

// waitGoroutines polls until no more goroutines run than baseline plus
// slack.
func waitGoroutines(t *testing.T, baseline, slack int) {
	t.Helper()
	var n int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if n = runtime.NumGoroutine(); n <= baseline+slack {
			return
		}
	}
	buf := make([]byte, 1<<20)
	t.Fatalf("%d goroutines, baseline %d:\n%s", n, baseline, buf[:runtime.Stack(buf, true)])
}

func wantTimeout(t *testing.T, err error, waiting string) {
	t.Helper()
	var te *TimeoutError
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &te) {
		t.Fatalf("got %v, want a TimeoutError wrapping ErrUnavailable", err)
	}
	if te.Waiting != waiting {
		t.Fatalf("timed out waiting for %q, want %q (%v)", te.Waiting, waiting, err)
	}
	var be *Error
	if errors.As(err, &be) {
		t.Fatalf("a call without an answer reads as a backend answer: %v", err)
	}
}

func TestSilentBackendTimesOut(t *testing.T) {
	baseline := runtime.NumGoroutine()
	large := bytes.Repeat([]byte("y"), 64<<20)
	for _, tt := range []struct {
		name    string
		deaf    bool
		noRaw   bool
		call    func(ctx context.Context, c *Client) error
		waiting string
	}{
		{"GET raw", false, false, func(ctx context.Context, c *Client) error {
			_, err := c.GetObject(ctx, "k", "", "", Conditions{})
			return err
		}, waitHeaders},
		{"GET net/http", false, true, func(ctx context.Context, c *Client) error {
			_, err := c.GetObject(ctx, "k", "", "", Conditions{})
			return err
		}, waitHeaders},
		{"HEAD", false, false, func(ctx context.Context, c *Client) error {
			_, err := c.HeadObject(ctx, "k", "")
			return err
		}, waitHeaders},
		{"small PUT", false, false, func(ctx context.Context, c *Client) error {
			_, err := c.PutObject(ctx, "k", strings.NewReader("abc"), 3, nil, PutOptions{})
			return err
		}, waitHeaders},
		{"large PUT the backend stops reading", true, false, func(ctx context.Context, c *Client) error {
			_, err := c.PutObject(ctx, "k", bytes.NewReader(large), int64(len(large)), nil, PutOptions{})
			return err
		}, waitSend},
		{"SDK DELETE", false, false, func(ctx context.Context, c *Client) error {
			_, err := c.DeleteObject(ctx, "k", "")
			return err
		}, waitHeaders},
		{"SDK listing", false, false, func(ctx context.Context, c *Client) error {
			_, err := c.ListVersions(ctx, "", "", "", 10)
			return err
		}, waitHeaders},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var endpoint string
			if tt.deaf {
				endpoint = startDeaf(t)
			} else {
				endpoint = startFake(t, modeHold).URL
			}
			c := quickClient(t, endpoint)
			if tt.noRaw {
				c.raw = nil
			}
			wantTimeout(t, tt.call(ctxT(t), c), tt.waiting)
		})
	}
	waitGoroutines(t, baseline, 4)
}

// TestStalledBody covers an answer whose body stops arriving, read by
// Read and spliced, off the raw pool and through net/http.
func TestStalledBody(t *testing.T) {
	sink, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	go func() {
		for {
			c, err := sink.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	for _, tt := range []struct {
		name   string
		noRaw  bool
		splice bool
	}{
		{"raw read", false, false},
		{"raw splice", false, true},
		{"net/http read", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t, modeStall)
			c := quickClient(t, f.URL)
			if tt.noRaw {
				c.raw = nil
			}
			r, err := c.GetObject(ctxT(t), "k", "", "", Conditions{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Body.Close()
			if tt.splice {
				dst, err := net.Dial("tcp", sink.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				defer dst.Close()
				_, err = io.Copy(dst, r.Body)
				wantTimeout(t, err, waitBody)
				return
			}
			_, err = io.Copy(io.Discard, r.Body)
			wantTimeout(t, err, waitBody)
		})
	}
}

func TestRefusedIsUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + ln.Addr().String()
	ln.Close()
	c := quickClient(t, endpoint)
	_, err = c.GetObject(ctxT(t), "k", "", "", Conditions{})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("GET from a closed port: %v, want ErrUnavailable", err)
	}
	_, err = c.DeleteObject(ctxT(t), "k", "")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("DELETE to a closed port: %v, want ErrUnavailable", err)
	}
}

// TestAnswersAreNotUnavailable: a refusal is the backend answering.
func TestAnswersAreNotUnavailable(t *testing.T) {
	c := newTestClient(t)
	_, err := c.GetObject(ctxT(t), "missing", "", "", Conditions{})
	wantCode(t, err, "NoSuchKey", http.StatusNotFound)
	if errors.Is(err, ErrUnavailable) {
		t.Fatalf("a 404 reads as unavailable: %v", err)
	}
	if h := c.Health(); !h.Up || h.ConsecutiveFailures != 0 {
		t.Fatalf("health after an answer: %+v", h)
	}
}

// TestCallerCancelIsNotAFailure: a client going away says nothing of the
// backend.
func TestCallerCancelIsNotAFailure(t *testing.T) {
	f := startFake(t, modeHold)
	c := clientFor(t, f.URL, func(c *Config) { c.BreakerFailures = 1 })
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for f.requests.Load() == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	_, err := c.HeadObject(ctx, "k", "")
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
		t.Fatalf("cancelled call: %v, want context.Canceled alone", err)
	}
	if h := c.Health(); !h.Up || h.ConsecutiveFailures != 0 {
		t.Fatalf("health after a cancelled call: %+v", h)
	}
}

func TestBreaker(t *testing.T) {
	reg := prometheus.NewRegistry()
	mon, err := NewMonitor(reg)
	if err != nil {
		t.Fatal(err)
	}
	f := startFake(t, modeHold)
	c := quickClient(t, f.URL, func(cfg *Config) {
		cfg.Location = "ring1"
		cfg.BreakerFailures = 2
		cfg.ProbeInterval = 50 * time.Millisecond
		cfg.Monitor = mon
	})
	defer c.Close()
	for range 2 {
		_, err := c.HeadObject(ctxT(t), "k", "")
		wantTimeout(t, err, waitHeaders)
	}
	h := c.Health()
	if h.Up || h.Cause == "" || h.ConsecutiveFailures < 2 {
		t.Fatalf("health after 2 timeouts: %+v", h)
	}
	if got, ok := mon.Health("ring1"); !ok || got.Up {
		t.Fatalf("monitor says %+v, %v", got, ok)
	}
	if v := testutil.ToFloat64(mon.up.WithLabelValues("ring1")); v != 0 {
		t.Fatalf("ringside_backend_up = %v while the breaker is open", v)
	}
	// Open: calls fail at once, without reaching the backend.
	before := f.requests.Load()
	for _, call := range []func() error{
		func() error { _, err := c.HeadObject(ctxT(t), "k", ""); return err },
		func() error { _, err := c.GetObject(ctxT(t), "k", "", "", Conditions{}); return err },
		func() error { _, err := c.DeleteObject(ctxT(t), "k", ""); return err },
	} {
		err := call()
		if !errors.Is(err, ErrUnavailable) || !errors.Is(err, errBreakerOpen) {
			t.Fatalf("call while open: %v, want the breaker's refusal", err)
		}
	}
	if n := testutil.ToFloat64(mon.failures.WithLabelValues("ring1", "timeout")); n < 2 {
		t.Fatalf("timeouts counted: %v", n)
	}
	if n := testutil.ToFloat64(mon.failures.WithLabelValues("ring1", "breaker_open")); n < 3 {
		t.Fatalf("refusals counted: %v", n)
	}
	// The probes reach the backend; once it answers, the breaker closes.
	f.mode.Store(int32(modeAnswer))
	for deadline := time.Now().Add(10 * time.Second); !c.Health().Up; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("breaker still open after the backend answers: %+v", c.Health())
		}
	}
	if f.requests.Load() == before {
		t.Fatal("the breaker closed without a probe")
	}
	if _, err := c.HeadObject(ctxT(t), "k", ""); err != nil {
		t.Fatalf("HEAD after recovery: %v", err)
	}
	if v := testutil.ToFloat64(mon.up.WithLabelValues("ring1")); v != 1 {
		t.Fatalf("ringside_backend_up = %v after recovery", v)
	}
	c.Close()
	if _, ok := mon.Health("ring1"); ok {
		t.Fatal("a closed client is still monitored")
	}
}

func TestTimeoutsDefaults(t *testing.T) {
	for _, tt := range []struct {
		in   Timeouts
		op   string
		want time.Duration
	}{
		{Timeouts{}, "GetObject", DefaultResponseTimeout},
		{Timeouts{}, "CopyObject", DefaultLongTimeout},
		{Timeouts{Response: time.Second}, "HeadObject", time.Second},
		{Timeouts{Response: time.Hour, Long: time.Minute}, "CompleteMultipartUpload", time.Hour},
		{Timeouts{Long: time.Minute}, "UploadPartCopy", time.Minute},
	} {
		if got := tt.in.withDefaults().responseFor(tt.op); got != tt.want {
			t.Errorf("%+v %s: %s, want %s", tt.in, tt.op, got, tt.want)
		}
	}
}

// failingReader gives n bytes, then err.
type failingReader struct {
	n   int
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, f.err
	}
	k := min(len(p), f.n)
	f.n -= k
	return k, nil
}

// TestCallerBodyFailureIsNotTheBackends: an upload whose own body fails
// (a bad digest, a client gone) is the caller's failure; however often it
// happens, the breaker stays closed.
func TestCallerBodyFailureIsNotTheBackends(t *testing.T) {
	c := newTestClient(t, func(cfg *Config) { cfg.BreakerFailures = 2 })
	bad := errors.New("the client's body does not match its digest")
	for range 4 {
		body := &failingReader{n: 100 << 10, err: bad}
		_, err := c.PutObject(ctxT(t), "k", body, 1<<20, nil, PutOptions{})
		if !errors.Is(err, bad) || errors.Is(err, ErrUnavailable) {
			t.Fatalf("PUT with a failing body: %v, want the body's error alone", err)
		}
	}
	if h := c.Health(); !h.Up || h.ConsecutiveFailures != 0 {
		t.Fatalf("health after the caller's failures: %+v", h)
	}
	put(t, c, "k", []byte("fine"), nil)
}
