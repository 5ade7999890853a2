package fault

// A backend that stops answering (SIGSTOP: its sockets stay open) or dies
// (SIGKILL, then a restart) for longer than the gateway's deadlines: no
// client request waits past its deadline, every one gets 503 with
// Retry-After, the breaker fails fast, the gateway recovers without a
// restart, and its goroutines come back to where they were.

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ringside/ringside/test/testenv"
)

// The gateway's deadlines in these tests, short so that the tests are.
const (
	connectTimeout  = time.Second
	responseTimeout = 2 * time.Second
	stallTimeout    = 2 * time.Second
)

// requestBound is the generous bound a request must return within: a
// request longer than that hung on the backend rather than hitting a
// deadline.
const requestBound = 2*(connectTimeout+responseTimeout+stallTimeout) + 5*time.Second

const objects = 16

// startHurtable is a gateway over a MinIO of the test's own, with a
// bucket "data" holding objects obj/00... of 64 KiB.
func startHurtable(t *testing.T) (*minio, *gateway) {
	t.Helper()
	m := startMinIO(t)
	m.NewBucket("store")
	// Without the object cache, every GET here reaches the backend: the
	// cache would answer those of the small objects written below from
	// memory while the backend is down, as HEAD answers from the index.
	g := startGateway(t, 2*requestBound,
		"--cache-size", "0",
		"--backend-connect-timeout", connectTimeout.String(),
		"--backend-response-timeout", responseTimeout.String(),
		"--backend-stall-timeout", stallTimeout.String(),
		"--backend-breaker-failures", "3")
	g.AddLocation("ring", m, "store")
	g.CreateBucket("data", "ring")
	// A mirror bucket, whose ingester must say the backend is gone.
	m.NewBucket("mstore")
	g.AddLocation("ring-m", m, "mstore")
	g.CreateBucket("mirrored", "ring-m:ingest")
	for i := range objects {
		if _, err := put(context.Background(), g.S3, "data", fmt.Sprintf("obj/%02d", i), payload(uint64(i), 64<<10)); err != nil {
			t.Fatal(err)
		}
	}
	return m, g
}

// result is one request of hammer.
type result struct {
	op         string
	started    time.Time
	took       time.Duration
	status     int // 200 for a success, 0 when no answer came
	retryAfter string
	err        error
}

// hammer runs workers doing GETs and PUTs until ctx ends.
func hammer(ctx context.Context, g *gateway, workers int) []result {
	var mu sync.Mutex
	var all []result
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for ctx.Err() == nil {
				key := fmt.Sprintf("obj/%02d", r.IntN(objects))
				res := result{op: "GET", started: time.Now()}
				var err error
				if r.IntN(3) == 0 {
					res.op = "PUT"
					_, err = put(context.Background(), g.S3, "data", key, payload(r.Uint64(), 64<<10))
				} else {
					_, err = testenv.GetObject(context.Background(), g.S3, "data", key, "")
				}
				res.took, res.status, res.err = time.Since(res.started), 200, err
				if err != nil {
					res.status, res.retryAfter = answerOf(err)
				}
				mu.Lock()
				all = append(all, res)
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	return all
}

// usage is what the gateway holds: goroutines and open files (sockets
// included).
type usage struct{ goroutines, fds int }

func (u usage) String() string { return fmt.Sprintf("%d goroutines, %d fds", u.goroutines, u.fds) }

func usageOf(t *testing.T, g *gateway) usage {
	t.Helper()
	fds, err := g.Metric("process_open_fds", "")
	if err != nil {
		t.Fatal(err)
	}
	return usage{goroutines: g.Goroutines(), fds: int(fds)}
}

// settle closes the test client's idle connections and returns the
// gateway's usage once it stops falling.
func settle(t *testing.T, g *gateway) usage {
	t.Helper()
	g.HTTP.CloseIdleConnections()
	u := usageOf(t, g)
	for range 10 {
		time.Sleep(100 * time.Millisecond)
		v := usageOf(t, g)
		u = usage{min(u.goroutines, v.goroutines), min(u.fds, v.fds)}
	}
	return u
}

// backToBaseline warms the gateway up as before the baseline was taken,
// then waits until its goroutines and open files are back to baseline
// (plus a little for the runtime's own); it returns the usage.
func backToBaseline(t *testing.T, g *gateway, baseline usage) usage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	hammer(ctx, g, 8)
	cancel()
	var u usage
	testenv.Eventually(t, time.Minute, "the gateway's goroutines and files back to the baseline", func() error {
		g.HTTP.CloseIdleConnections()
		if u = usageOf(t, g); u.goroutines > baseline.goroutines+10 || u.fds > baseline.fds+10 {
			return fmt.Errorf("%v, baseline %v", u, baseline)
		}
		return nil
	})
	return u
}

// watchDown polls the gateway while the backend is hurt: it records when
// the breaker opened (ringside_backend_up fell to 0), the peak of
// goroutines, and checks /readyz against /readyz?backends=1.
type watchDown struct {
	openedAt  atomic.Int64 // unix nanoseconds
	peak      atomic.Int64
	readyErrs atomic.Value
	done      chan struct{}
}

func watch(ctx context.Context, g *gateway) *watchDown {
	w := &watchDown{done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for ctx.Err() == nil {
			if v, err := g.Metric("go_goroutines", ""); err == nil && int64(v) > w.peak.Load() {
				w.peak.Store(int64(v))
			}
			if up, err := g.Metric("ringside_backend_up", `location="ring"`); err == nil && up == 0 {
				w.openedAt.CompareAndSwap(0, time.Now().UnixNano())
				if g.Status("/readyz") != 200 {
					w.readyErrs.Store("/readyz is not 200 while only the backend is down")
				}
				if g.Status("/readyz?backends=1") != 503 {
					w.readyErrs.Store("/readyz?backends=1 is not 503 while the breaker is open")
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	return w
}

// opened is when the breaker opened: the zero time, and an error, if
// ringside_backend_up never fell to 0 while the backend was down.
func (w *watchDown) opened(t *testing.T, down string) time.Time {
	t.Helper()
	if w.openedAt.Load() == 0 {
		t.Error("ringside_backend_up never fell to 0 while the backend was " + down)
		return time.Time{}
	}
	return time.Unix(0, w.openedAt.Load())
}

// figures checks every request of a hurt period and returns the longest
// and the longest of those started once the breaker was open.
func figures(t *testing.T, results []result, openedAt time.Time) (longest, failFast time.Duration, n int) {
	t.Helper()
	bad := 0
	for _, r := range results {
		longest = max(longest, r.took)
		if !openedAt.IsZero() && r.started.After(openedAt) {
			failFast = max(failFast, r.took)
		}
		ok := r.status == 503 && r.retryAfter != "" && r.took < requestBound
		if !ok {
			bad++
			if bad <= 10 {
				t.Errorf("%s while the backend was down: %s, Retry-After %q, after %v (bound %v): %v",
					r.op, statusText(r.status), r.retryAfter, r.took.Round(time.Millisecond), requestBound, r.err)
			}
		}
	}
	if len(results) == 0 {
		t.Fatal("no request was made while the backend was down")
	}
	return longest, failFast, len(results)
}

// firstSuccess polls a GET until it succeeds and says how long it took.
func firstSuccess(t *testing.T, g *gateway, since time.Time) time.Duration {
	t.Helper()
	testenv.Eventually(t, time.Minute, "a GET through the gateway after the backend returned", func() error {
		_, err := testenv.GetObject(context.Background(), g.S3, "data", "obj/00", "")
		return err
	})
	return time.Since(since)
}

func TestBackendFrozen(t *testing.T) {
	m, g := startHurtable(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	hammer(ctx, g, 8)
	cancel()
	baseline := settle(t, g)

	down := pick(4*responseTimeout+2*time.Second, 75*time.Second)
	m.Freeze()
	ctx, cancel = context.WithTimeout(context.Background(), down)
	w := watch(ctx, g)
	results := hammer(ctx, g, 8)
	cancel()
	<-w.done
	mirrorErr := mirrorState(t, g, true)
	m.Thaw()
	thawed := time.Now()
	recovered := firstSuccess(t, g, thawed)
	testenv.Eventually(t, time.Minute, "/readyz?backends=1 back to 200", func() error {
		if s := g.Status("/readyz?backends=1"); s != 200 {
			return fmt.Errorf("status %d", s)
		}
		return nil
	})
	if msg, ok := w.readyErrs.Load().(string); ok {
		t.Error(msg)
	}
	mirrorState(t, g, false)
	opened := w.opened(t, "frozen")
	longest, failFast, n := figures(t, results, opened)
	after := backToBaseline(t, g, baseline)
	t.Logf("FIGURES backend frozen (SIGSTOP) %v with deadlines connect %v, response %v, stall %v: %d requests, all 503 with Retry-After; longest %v (bound %v); breaker open %v after the freeze; longest request once open %v; first success %v after SIGCONT; baseline %v, peak %d goroutines, after %v; mirror status while frozen: %q",
		down, connectTimeout, responseTimeout, stallTimeout, n, longest.Round(time.Millisecond), requestBound,
		opened.Sub(thawed.Add(-down)).Round(time.Millisecond), failFast.Round(time.Millisecond), recovered.Round(time.Millisecond),
		baseline, w.peak.Load(), after, mirrorErr)
	logSpread(t, results)
}

// mirrorState waits until the mirror bucket's ingester is in error with
// the backend's unavailability as its cause (down), or out of error (not
// down); it returns the error shown.
func mirrorState(t *testing.T, g *gateway, down bool) string {
	t.Helper()
	var st struct {
		State     string `json:"state"`
		LastError string `json:"lastError"`
	}
	testenv.Eventually(t, time.Minute, fmt.Sprintf("mirror status in error: %v", down), func() error {
		if err := json.Unmarshal([]byte(g.CLI("mirror", "status", "mirrored", "--json")), &st); err != nil {
			return err
		}
		inError := st.State == "error" && strings.Contains(st.LastError, "backend unavailable")
		if inError != down {
			return fmt.Errorf("state %s, last error %q", st.State, st.LastError)
		}
		return nil
	})
	return st.LastError
}

func TestBackendKilled(t *testing.T) {
	m, g := startHurtable(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	hammer(ctx, g, 8)
	cancel()
	baseline := settle(t, g)

	down := pick(3*time.Second, 30*time.Second)
	m.Kill()
	killed := time.Now()
	ctx, cancel = context.WithTimeout(context.Background(), down)
	w := watch(ctx, g)
	results := hammer(ctx, g, 8)
	cancel()
	<-w.done
	m.Start()
	restarted := time.Now()
	recovered := firstSuccess(t, g, restarted)
	if msg, ok := w.readyErrs.Load().(string); ok {
		t.Error(msg)
	}
	opened := w.opened(t, "dead")
	longest, failFast, n := figures(t, results, opened)
	after := backToBaseline(t, g, baseline)
	t.Logf("FIGURES backend killed (SIGKILL) %v, then restarted: %d requests, all 503 with Retry-After; longest %v; breaker open %v after the kill; longest request once open %v; first success %v after MinIO was ready again; baseline %v, peak %d goroutines, after %v",
		down, n, longest.Round(time.Millisecond), opened.Sub(killed).Round(time.Millisecond), failFast.Round(time.Millisecond),
		recovered.Round(time.Millisecond), baseline, w.peak.Load(), after)
	logSpread(t, results)
}

// logSpread logs the median and 99th percentile of request durations.
func logSpread(t *testing.T, results []result) {
	d := make([]time.Duration, len(results))
	for i, r := range results {
		d[i] = r.took
	}
	slices.Sort(d)
	if len(d) > 0 {
		t.Logf("request durations while down: median %v, p99 %v, max %v", d[len(d)/2].Round(time.Millisecond),
			d[len(d)*99/100].Round(time.Millisecond), d[len(d)-1].Round(time.Millisecond))
	}
}
