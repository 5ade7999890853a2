package console

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Sign-in throttling: the admin token is the console's only secret, and
// an operator may choose a short one. Five wrong guesses a minute from one
// host leaves a guesser some 7,000 a day, while an operator who mistypes
// waits at most a minute.
const (
	maxSignInFailures = 5
	signInWindow      = time.Minute
	// maxThrottledHosts bounds the table: past it, hosts whose window
	// ended are forgotten first.
	maxThrottledHosts = 4096
)

// throttle counts failed sign-ins per host. A host that failed
// maxSignInFailures times within signInWindow of its first failure is
// refused, right token or not, until that window ends.
type throttle struct {
	mu    sync.Mutex
	now   func() time.Time
	hosts map[string]*failures
}

// failures are one host's failed sign-ins since the first in the window.
type failures struct {
	n     int
	first time.Time
}

func newThrottle() *throttle {
	return &throttle{now: time.Now, hosts: map[string]*failures{}}
}

// wait is how long host must wait before it may try again; 0 if it may now.
func (t *throttle) wait(host string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.hosts[host]
	if !ok {
		return 0
	}
	left := f.first.Add(signInWindow).Sub(t.now())
	if left <= 0 {
		delete(t.hosts, host)
		return 0
	}
	if f.n < maxSignInFailures {
		return 0
	}
	return left
}

// failed counts a wrong token from host.
func (t *throttle) failed(host string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f, ok := t.hosts[host]
	if !ok || now.Sub(f.first) >= signInWindow {
		if len(t.hosts) >= maxThrottledHosts {
			t.forgetEnded(now)
		}
		f = &failures{first: now}
		t.hosts[host] = f
	}
	f.n++
}

// succeeded forgets host's failures: the operator got the token right.
func (t *throttle) succeeded(host string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.hosts, host)
}

// forgetEnded drops the hosts whose window has ended, and if every host
// is still within its window, the oldest one: the table stays bounded
// even when many hosts guess at once.
func (t *throttle) forgetEnded(now time.Time) {
	var oldest string
	for h, f := range t.hosts {
		if now.Sub(f.first) >= signInWindow {
			delete(t.hosts, h)
		} else if oldest == "" || f.first.Before(t.hosts[oldest].first) {
			oldest = h
		}
	}
	if len(t.hosts) >= maxThrottledHosts {
		delete(t.hosts, oldest)
	}
}

// remoteHost is the host part of the request's peer address: the ports of
// one guesser's connections differ.
func remoteHost(r *http.Request) string {
	h, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return h
}

// retryAfter is d in whole seconds, rounded up, for a Retry-After header.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(int((d + time.Second - 1) / time.Second))
}
