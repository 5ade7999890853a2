package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Timeouts bound every call to a backend, so that a backend that stops
// answering (a hung process, a black-holed network) makes a caller wait a
// known time rather than for ever. None bounds a transfer as a whole: a
// large body may flow for as long as it needs, provided it flows. A zero
// field takes its default.
type Timeouts struct {
	// Connect bounds a TCP connect plus its TLS handshake. Default 5s.
	Connect time.Duration
	// Response bounds the wait for an answer's headers, from the start
	// of the call or, for a call with a body, from its last byte sent.
	// Default 15s.
	Response time.Duration
	// Stall bounds a body that stops moving: no byte of an answer's body
	// arriving, or no byte of a request body taken by the backend, for
	// that long. Time spent waiting on the other side (the S3 client that
	// sends or reads the object) does not count. Default 15s.
	Stall time.Duration
	// Long replaces Response for the calls a backend works on before it
	// answers: server-side copies and multipart completion. Default 5m.
	Long time.Duration
}

// The defaults keep a silent backend from holding an S3 client more than
// about 15 s (a call that timed out is not tried again), well under the
// 30 s after which SDKs give up on their own.
const (
	DefaultConnectTimeout  = 5 * time.Second
	DefaultResponseTimeout = 15 * time.Second
	DefaultStallTimeout    = 15 * time.Second
	DefaultLongTimeout     = 5 * time.Minute
)

// WithDefaults returns t with its zero fields given their defaults: the
// timeouts a client built with t uses.
func (t Timeouts) WithDefaults() Timeouts { return t.withDefaults() }

// withDefaults fills the zero fields.
func (t Timeouts) withDefaults() Timeouts {
	if t.Connect <= 0 {
		t.Connect = DefaultConnectTimeout
	}
	if t.Response <= 0 {
		t.Response = DefaultResponseTimeout
	}
	if t.Stall <= 0 {
		t.Stall = DefaultStallTimeout
	}
	if t.Long <= 0 {
		t.Long = DefaultLongTimeout
	}
	return t
}

// responseFor is the time op's answer may take to start.
func (t Timeouts) responseFor(op string) time.Duration {
	switch op {
	case "CopyObject", "UploadPartCopy", "CompleteMultipartUpload":
		return max(t.Long, t.Response)
	}
	return t.Response
}

// TimeoutError is a backend call cut short because the backend stopped
// answering: it wraps ErrUnavailable.
type TimeoutError struct {
	Waiting string        // what never came: "the answer's headers", ...
	After   time.Duration // how long it was awaited
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("backend unavailable: no progress on %s for %s", e.Waiting, e.After)
}

func (e *TimeoutError) Unwrap() error { return ErrUnavailable }

// Timeout lets net-style checks see it.
func (e *TimeoutError) Timeout() bool { return true }

// What a call waits for, named in its TimeoutError.
const (
	waitHeaders = "the answer's headers"
	waitSend    = "the backend taking the request body"
	waitBody    = "the answer's body"
)

// watchdog cancels a call that waits on the backend for longer than it
// was armed for. Waits on the caller's side pause it.
type watchdog struct {
	cancel context.CancelCauseFunc

	mu       sync.Mutex
	timer    *time.Timer
	deadline time.Time
	waiting  string
	armedFor time.Duration
	paused   bool
	running  bool // the timer is scheduled
	answered bool // the headers came: the request body no longer counts
	done     bool
	// bodyFailed is set when the request body's own Read failed: the
	// call then failed on the caller's side, not the backend's.
	bodyFailed atomic.Bool
}

func newWatchdog(cancel context.CancelCauseFunc) *watchdog {
	return &watchdog{cancel: cancel}
}

// arm gives the backend d, from now, to make progress on what.
func (w *watchdog) arm(d time.Duration, what string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.armLocked(d, what)
}

func (w *watchdog) armLocked(d time.Duration, what string) {
	if w.done {
		return
	}
	w.deadline, w.waiting, w.armedFor, w.paused = time.Now().Add(d), what, d, false
	if w.running {
		return
	}
	w.running = true
	if w.timer == nil {
		w.timer = time.AfterFunc(d, w.fire)
	} else {
		w.timer.Reset(d)
	}
}

// armSend is arm for the request body, which stops counting once the
// answer came.
func (w *watchdog) armSend(d time.Duration, what string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.answered {
		w.armLocked(d, what)
	}
}

// pause stops the clock while the call waits on its own caller.
func (w *watchdog) pause(send bool) {
	w.mu.Lock()
	if !send || !w.answered {
		w.paused = true
	}
	w.mu.Unlock()
}

// answer marks the headers as come; the body's reads arm it from now on.
func (w *watchdog) answer() {
	w.mu.Lock()
	w.answered, w.paused = true, true
	w.mu.Unlock()
}

// stop ends the watch for good.
func (w *watchdog) stop() {
	w.mu.Lock()
	w.done = true
	if w.timer != nil {
		w.timer.Stop()
	}
	w.mu.Unlock()
}

// fire runs when the timer expires: a deadline moved since it was set
// reschedules it; a paused or ended watch lets it lapse.
func (w *watchdog) fire() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done || w.paused {
		w.running = false
		return
	}
	if left := time.Until(w.deadline); left > 0 {
		w.timer.Reset(left)
		return
	}
	w.running, w.done = false, true
	w.cancel(&TimeoutError{Waiting: w.waiting, After: w.armedFor})
}

// guarded is the RoundTripper of every HTTP request to a backend: it
// fails fast while the location's breaker is open, bounds the call with a
// watchdog, marks failures without an answer with ErrUnavailable, and
// tells the location's health of each outcome.
type guarded struct {
	next     http.RoundTripper
	timeouts Timeouts
	health   *health
}

func (g guarded) RoundTrip(r *http.Request) (*http.Response, error) {
	parent := r.Context()
	op := operation(parent)
	if err := g.health.admit(parent); err != nil {
		return nil, err
	}
	tm := timingFrom(parent)
	start := tm.clock()
	ctx, cancel := context.WithCancelCause(parent)
	w := newWatchdog(cancel)
	wait := g.timeouts.responseFor(op)
	r = r.WithContext(ctx)
	// A body held in memory is left as it is: wrapped, Go's transport
	// would flush the headers in a write of their own before it, and its
	// reads never wait on the caller, so the watchdog's wait covers it.
	if r.Body != nil && r.Body != http.NoBody && !hasMemoryBody(parent) {
		r.Body = &sentBody{ReadCloser: r.Body, w: w, stall: g.timeouts.Stall, wait: wait, timing: tm}
		// A body the transport sends again (on a connection found
		// closed) must keep telling the watchdog, or the clock it last
		// set would run through the whole resend.
		if getBody := r.GetBody; getBody != nil {
			r.GetBody = func() (io.ReadCloser, error) {
				b, err := getBody()
				if err != nil || b == http.NoBody {
					return b, err
				}
				return &sentBody{ReadCloser: b, w: w, stall: g.timeouts.Stall, wait: wait, timing: tm}, nil
			}
		}
	}
	w.arm(wait, waitHeaders)
	resp, err := g.next.RoundTrip(r)
	tm.called(start)
	if err != nil {
		w.stop()
		cancel(nil)
		if w.bodyFailed.Load() {
			// The S3 client's body failed (a bad digest, a client
			// gone): the backend is not to blame.
			return nil, err
		}
		err = unanswered(parent, ctx, err)
		g.health.failed(parent, err)
		return nil, err
	}
	w.answer()
	g.health.answered(resp.StatusCode)
	resp.Body = &answerStall{ReadCloser: resp.Body, parent: parent, ctx: ctx, w: w, cancel: cancel, stall: g.timeouts.Stall, health: g.health, timing: tm}
	return resp, nil
}

// unanswered is the error of a call that got no answer: the watchdog's
// TimeoutError when it cut the call, the caller's own cancellation as it
// is, and anything else (refused, reset, DNS, TLS) marked ErrUnavailable.
func unanswered(parent, ctx context.Context, err error) error {
	if parent.Err() != nil || errors.Is(err, ErrUnavailable) {
		// Go's transport may return the cause of the cancellation,
		// the watchdog's TimeoutError, itself.
		return err
	}
	var te *TimeoutError
	if errors.As(context.Cause(ctx), &te) {
		return fmt.Errorf("%w (%v)", te, err)
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// sentBody is a request body whose reads tell the watchdog where the
// time goes: inside Read it is the caller's (the S3 client sending the
// object); between reads, the backend's, which must take each chunk
// within the stall timeout and, after the last, answer within wait.
type sentBody struct {
	io.ReadCloser
	w           *watchdog
	stall, wait time.Duration
	timing      *Timing
}

func (b *sentBody) Read(p []byte) (int, error) {
	b.w.pause(true)
	start := b.timing.clock()
	n, err := b.ReadCloser.Read(p)
	b.timing.gave(start)
	switch {
	case err == io.EOF:
		b.w.armSend(b.wait, waitHeaders)
	case err != nil:
		b.w.bodyFailed.Store(true)
	default:
		b.w.armSend(b.stall, waitSend)
	}
	return n, err
}

// answerStall is an answer's body whose reads must each bring a byte
// within the stall timeout; time between reads is the caller's.
type answerStall struct {
	io.ReadCloser
	parent, ctx context.Context
	w           *watchdog
	cancel      context.CancelCauseFunc
	stall       time.Duration
	health      *health
	timing      *Timing
	closed      bool
}

func (b *answerStall) Read(p []byte) (int, error) {
	b.w.arm(b.stall, waitBody)
	start := b.timing.clock()
	n, err := b.ReadCloser.Read(p)
	b.timing.waited(start)
	b.w.pause(false)
	if err != nil && err != io.EOF {
		err = unanswered(b.parent, b.ctx, err)
		b.health.failed(b.parent, err)
	}
	return n, err
}

func (b *answerStall) Close() error {
	err := b.ReadCloser.Close()
	if !b.closed {
		b.closed = true
		b.w.stop()
		b.cancel(nil)
	}
	return err
}

// failureKind names, for the failure counter, why a call got no answer.
func failureKind(err error) string {
	var te *TimeoutError
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.Is(err, errBreakerOpen):
		return "breaker_open"
	case errors.As(err, &te) && te.Waiting == waitHeaders:
		return "timeout"
	case errors.As(err, &te):
		return "stall"
	case errors.As(err, &dns):
		return "dns"
	case errors.As(err, &op) && op.Op == "dial":
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return "connect_timeout"
		}
		return "refused"
	case isTLSError(err):
		return "tls"
	}
	return "reset"
}
