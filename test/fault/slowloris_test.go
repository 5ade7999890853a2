package fault

// Slowloris: many connections dribble request headers a byte at a time;
// the other clients' requests still succeed.

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ringside/ringside/test/testenv"
)

// dribble opens a connection to addr and sends a request's headers one
// byte every interval until ctx ends or the server closes it; it reports
// whether the server closed it.
func dribble(ctx context.Context, addr string, interval time.Duration, started *atomic.Int64) (closedByServer bool, err error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return false, err
	}
	defer c.Close()
	head := []byte("GET /data/obj/00 HTTP/1.1\r\nHost: " + addr + "\r\nX-Slow: ")
	if _, err := c.Write(head); err != nil {
		return true, nil
	}
	started.Add(1)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, nil
		case <-t.C:
		}
		if _, err := c.Write([]byte("a")); err != nil {
			return true, nil
		}
	}
}

// timedRequests runs n GETs and PUTs one after another and returns their
// durations; a failed one fails the test.
func timedRequests(t *testing.T, g *gateway, n int) []time.Duration {
	t.Helper()
	var d []time.Duration
	for i := range n {
		key := fmt.Sprintf("obj/%02d", i%objects)
		start := time.Now()
		var err error
		if i%3 == 0 {
			_, err = put(context.Background(), g.S3, "data", key, payload(uint64(i), 64<<10))
		} else {
			_, err = testenv.GetObject(context.Background(), g.S3, "data", key, "")
		}
		if err != nil {
			t.Errorf("request %d during the slowloris: %v", i, err)
		}
		d = append(d, time.Since(start))
	}
	slices.Sort(d)
	return d
}

func TestSlowloris(t *testing.T) {
	_, g := startHurtable(t)
	addr := g.S3URL[len("http://"):]
	requests := pick(60, 300)
	before := timedRequests(t, g, requests)

	conns := pick(300, 1000)
	ctx, cancel := context.WithTimeout(context.Background(), pick(8*time.Second, 40*time.Second))
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var started atomic.Int64
	closed := 0
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			byServer, err := dribble(ctx, addr, 500*time.Millisecond, &started)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("slow connection: %v", err)
			}
			if byServer {
				closed++
			}
		}()
	}
	testenv.Eventually(t, time.Minute, "the slow connections started", func() error {
		if n := started.Load(); n < int64(conns) {
			return fmt.Errorf("%d of %d: %w", n, conns, testenv.ErrNotYet)
		}
		return nil
	})
	during := timedRequests(t, g, requests)
	cancel()
	wg.Wait()
	t.Logf("FIGURES slowloris: %d connections dribbling headers (%d closed by the gateway); %d requests of another client all succeeded: median %v, max %v (before: median %v, max %v)",
		conns, closed, requests, during[len(during)/2].Round(time.Millisecond), during[len(during)-1].Round(time.Millisecond),
		before[len(before)/2].Round(time.Millisecond), before[len(before)-1].Round(time.Millisecond))
}
