package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

// clock is a settable time for the throttle.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestThrottle(t *testing.T) {
	type step struct {
		advance  time.Duration
		host     string
		fail     bool // a wrong token
		succeed  bool // the right token
		wantWait bool // wait before this step says the host is refused
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"four failures leave the host free", []step{
			{host: "a", fail: true}, {host: "a", fail: true}, {host: "a", fail: true}, {host: "a", fail: true},
			{host: "a"},
		}},
		{"the fifth failure blocks the host", []step{
			{host: "a", fail: true}, {host: "a", fail: true}, {host: "a", fail: true}, {host: "a", fail: true}, {host: "a", fail: true},
			{host: "a", wantWait: true},
			{advance: 59 * time.Second, host: "a", wantWait: true},
		}},
		{"another host is not blocked", []step{
			{host: "a", fail: true}, {host: "a", fail: true}, {host: "a", fail: true}, {host: "a", fail: true}, {host: "a", fail: true},
			{host: "b"},
		}},
		{"the block ends with the window", []step{
			{host: "a", fail: true}, {host: "a", fail: true}, {host: "a", fail: true}, {host: "a", fail: true}, {host: "a", fail: true},
			{advance: time.Minute, host: "a"},
			{host: "a", fail: true},
			{host: "a"},
		}},
		{"failures spread over windows never block", []step{
			{host: "a", fail: true}, {host: "a", fail: true}, {host: "a", fail: true},
			{advance: time.Minute, host: "a", fail: true}, {host: "a", fail: true}, {host: "a", fail: true},
			{host: "a"},
		}},
		{"a success forgets the failures", []step{
			{host: "a", fail: true}, {host: "a", fail: true}, {host: "a", fail: true}, {host: "a", fail: true},
			{host: "a", succeed: true},
			{host: "a", fail: true},
			{host: "a"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{t: time.Unix(1e9, 0)}
			th := newThrottle()
			th.now = c.now
			for i, s := range tc.steps {
				c.t = c.t.Add(s.advance)
				if got := th.wait(s.host) > 0; got != s.wantWait {
					t.Fatalf("step %d: refused %v, want %v", i, got, s.wantWait)
				}
				switch {
				case s.fail:
					th.failed(s.host)
				case s.succeed:
					th.succeeded(s.host)
				}
			}
		})
	}
}

func TestThrottleTableBounded(t *testing.T) {
	c := &clock{t: time.Unix(1e9, 0)}
	th := newThrottle()
	th.now = c.now
	for i := 0; i < 3*maxThrottledHosts; i++ {
		th.failed(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
		if i%1000 == 0 {
			c.t = c.t.Add(time.Second)
		}
	}
	if n := len(th.hosts); n > maxThrottledHosts {
		t.Fatalf("%d hosts held, bound %d", n, maxThrottledHosts)
	}
}

func TestSignInThrottled(t *testing.T) {
	r := newRig(t)
	c := &clock{t: time.Unix(1e9, 0)}
	r.c.throttle.now = c.now
	signIn := func(host, token string) *http.Response {
		req := form("/console/signin", nil, url.Values{"token": {token}})
		req.RemoteAddr = host + ":40000"
		return r.do(req).Result()
	}
	for i := 0; i < maxSignInFailures; i++ {
		if got := signIn("192.0.2.1", "guess"+strconv.Itoa(i)).StatusCode; got != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: status %d", i, got)
		}
	}
	res := signIn("192.0.2.1", testToken)
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("right token after %d wrong ones: status %d, want 429", maxSignInFailures, res.StatusCode)
	}
	if len(res.Cookies()) != 0 {
		t.Fatalf("a throttled sign-in set cookies: %v", res.Cookies())
	}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Fatalf("Retry-After %q, want 1..60 seconds", res.Header.Get("Retry-After"))
	}
	if got := signIn("192.0.2.2", testToken).StatusCode; got != http.StatusSeeOther {
		t.Fatalf("another host's sign-in: status %d, want 303", got)
	}
	c.t = c.t.Add(signInWindow)
	if got := signIn("192.0.2.1", testToken).StatusCode; got != http.StatusSeeOther {
		t.Fatalf("sign-in after the window: status %d, want 303", got)
	}
}
