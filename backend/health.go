package backend

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Options are the settings the backend clients of a process share.
type Options struct {
	Timeouts Timeouts
	// BreakerFailures is how many calls in a row must go unanswered (no
	// answer, or a 5xx) before the location's breaker opens: its calls
	// then fail at once with ErrUnavailable, rather than pile up on a
	// dead backend, until a probe gets an answer again. Default 5.
	BreakerFailures int
	// ProbeInterval is the pause between two probes (a HeadBucket) of a
	// backend whose breaker is open. Default 2s.
	ProbeInterval time.Duration
	// Monitor, if set, publishes the health of each location's client.
	Monitor *Monitor
	// Logger tells of breakers opening and closing; slog.Default() if nil.
	Logger *slog.Logger
}

const (
	defaultBreakerFailures = 5
	defaultProbeInterval   = 2 * time.Second
)

// Health is what a client knows of its backend.
type Health struct {
	// Up is false while the breaker is open: the last BreakerFailures
	// calls went unanswered, and no probe has been answered since.
	Up bool `json:"up"`
	// Since is when Up last changed (the client's creation at first).
	Since time.Time `json:"since"`
	// Cause is the failure that opened the breaker; empty while up.
	Cause string `json:"cause,omitempty"`
	// ConsecutiveFailures counts the calls in a row that went
	// unanswered; 0 after any answer.
	ConsecutiveFailures int `json:"consecutiveFailures"`
}

// errBreakerOpen marks the calls refused without trying while the
// breaker is open.
var errBreakerOpen = errors.New("breaker open")

// probeKey marks the probe's calls, which the breaker lets through.
type probeKey struct{}

// health is one client's breaker.
type health struct {
	location  string
	threshold int
	every     time.Duration
	monitor   *Monitor
	log       *slog.Logger
	probe     func(context.Context) error

	// clean is true while up with no failure counted: the fast path of
	// every answered call.
	clean atomic.Bool
	up    atomic.Bool

	mu      sync.Mutex
	state   Health
	probing bool
	stop    chan struct{}
	closed  bool
}

func newHealth(location string, o Options) *health {
	h := &health{location: location, threshold: o.BreakerFailures, every: o.ProbeInterval,
		monitor: o.Monitor, log: o.Logger, stop: make(chan struct{})}
	if h.threshold <= 0 {
		h.threshold = defaultBreakerFailures
	}
	if h.every <= 0 {
		h.every = defaultProbeInterval
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.state = Health{Up: true, Since: time.Now()}
	h.clean.Store(true)
	h.up.Store(true)
	return h
}

// admit refuses a call while the breaker is open, but for the probe's.
func (h *health) admit(ctx context.Context) error {
	if h.up.Load() || ctx.Value(probeKey{}) != nil {
		return nil
	}
	h.monitor.failure(h.location, "breaker_open")
	s := h.snapshot()
	if s.Up {
		return nil
	}
	return fmt.Errorf("%w: %w since %s: %s", ErrUnavailable, errBreakerOpen, s.Since.UTC().Format(time.RFC3339), s.Cause)
}

// answered counts an answer: a 5xx is a failure, anything else proves
// the backend alive.
func (h *health) answered(status int) {
	if status >= 500 && status != 501 {
		h.failure("status_5xx", fmt.Sprintf("the backend answered %d", status))
		return
	}
	if h.clean.Load() {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.state.ConsecutiveFailures = 0
	if !h.state.Up {
		h.log.Info("backend answers again: breaker closed", "location", h.location, "down_since", h.state.Since)
		h.state = Health{Up: true, Since: time.Now()}
		h.up.Store(true)
		h.monitor.setUp(h.location, true)
	}
	h.clean.Store(true)
}

// failed counts a call that got no answer; the caller's own
// cancellation and the breaker's refusals say nothing of the backend.
func (h *health) failed(parent context.Context, err error) {
	if parent.Err() != nil || errors.Is(err, errBreakerOpen) {
		return
	}
	h.failure(failureKind(err), err.Error())
}

func (h *health) failure(kind, cause string) {
	h.monitor.failure(h.location, kind)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clean.Store(false)
	h.state.ConsecutiveFailures++
	if !h.state.Up || h.state.ConsecutiveFailures < h.threshold || h.closed {
		return
	}
	h.log.Warn("backend unreachable: breaker open, calls fail fast until a probe is answered",
		"location", h.location, "failures", h.state.ConsecutiveFailures, "cause", cause)
	h.state.Up, h.state.Since, h.state.Cause = false, time.Now(), cause
	h.up.Store(false)
	h.monitor.setUp(h.location, false)
	if !h.probing && h.probe != nil {
		h.probing = true
		go h.probeUntilUp()
	}
}

// probeUntilUp asks the backend, every interval, until it answers (the
// transport then closes the breaker) or the client is closed.
func (h *health) probeUntilUp() {
	defer func() {
		h.mu.Lock()
		h.probing = false
		h.mu.Unlock()
	}()
	t := time.NewTicker(h.every)
	defer t.Stop()
	for !h.up.Load() {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithCancel(context.WithValue(context.Background(), probeKey{}, true))
		err := h.probe(ctx)
		cancel()
		if err != nil {
			h.log.Debug("backend probe failed", "location", h.location, "err", err)
		}
	}
}

func (h *health) snapshot() Health {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state
}

// close stops the probe.
func (h *health) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.stop)
	}
}

// isTLSError reports a failed TLS handshake or certificate check.
func isTLSError(err error) bool {
	var verify *tls.CertificateVerificationError
	var header tls.RecordHeaderError
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	return errors.As(err, &verify) || errors.As(err, &header) || errors.As(err, &unknown) || errors.As(err, &hostname)
}
