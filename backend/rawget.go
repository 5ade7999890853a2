package backend

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// GetObject answers from a plain-HTTP backend are read over connections
// of this file rather than through net/http's client. The client hands
// the body over behind a bufio.Reader, so that copying it to an S3 client
// costs a copy from the kernel into user space and another back. Here the
// body is read off the *net.TCPConn itself: a rawBody's WriteTo gives the
// writer's ReadFrom an io.LimitedReader of the connection, and when the
// writer is a net/http server's response over TCP, Go moves the bytes
// from one socket to the other with splice(2), never through user space.
//
// The request is the same signed request, written the way net/http's
// transport writes it; the answer is parsed by http.ReadResponse. Only a
// body of known length is read this way; any other answer keeps the body
// net/http parsed. Connections are kept for the next GET only when their
// answer was read to its end, and one found closed by the backend while
// idle is replaced before any byte of an answer came.

const (
	// rawMaxIdle bounds the connections kept idle per backend.
	rawMaxIdle = 64
	// rawBufferSize is the read buffer of a connection, which holds an
	// answer's headers (and the first bytes of its body), and the write
	// buffer of its request.
	rawBufferSize = 4 << 10
)

// zeroCopyBytes counts the body bytes handed from a backend connection
// straight to a writer's ReadFrom.
var zeroCopyBytes atomic.Int64

// ZeroCopyBytes is how many bytes of GetObject bodies were handed from a
// backend connection straight to the ReadFrom of the writer they were
// copied to, which splices them from socket to socket when the writer is
// a net/http server's response on a TCP connection.
func ZeroCopyBytes() int64 { return zeroCopyBytes.Load() }

// rawPool dials and keeps the connections to one plain-HTTP backend.
type rawPool struct {
	addr        string // host:port
	dialer      net.Dialer
	idleTimeout time.Duration
	maxIdle     int
	timeouts    Timeouts
	health      *health

	mu   sync.Mutex
	idle []*rawConn // the most recently used last
}

// rawConn is one connection, with the buffers that live as long as it.
type rawConn struct {
	conn      net.Conn
	br        *bufio.Reader
	bw        *bufio.Writer
	idleSince time.Time
}

// newRawPool is the pool of a backend at ep, or nil when its GETs go
// through net/http: over TLS, and through a proxy the environment names.
func newRawPool(ep *url.URL, t Timeouts, h *health) *rawPool {
	if ep.Scheme != "http" {
		return nil
	}
	if p, err := http.ProxyFromEnvironment(&http.Request{URL: ep}); err != nil || p != nil {
		return nil
	}
	port := ep.Port()
	if port == "" {
		port = "80"
	}
	return &rawPool{
		addr:        net.JoinHostPort(ep.Hostname(), port),
		dialer:      net.Dialer{Timeout: t.Connect, KeepAlive: keepAlive},
		idleTimeout: idleConnTimeout,
		maxIdle:     rawMaxIdle,
		timeouts:    t,
		health:      h,
	}
}

// rawAttempt sends a GET over a connection of the pool, telling Observe
// as the transport would.
func (c *Client) rawAttempt(req *http.Request, op string) (*http.Response, error) {
	ctx := req.Context()
	if err := c.health.admit(ctx); err != nil {
		return nil, err
	}
	start := time.Now()
	resp, err := c.raw.roundTrip(ctx, req)
	timingFrom(ctx).called(start)
	if c.observe != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		c.observe(op, status, time.Since(start))
	}
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, ErrUnavailable) {
			err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		c.health.failed(ctx, err)
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Redacted(), err)
	}
	c.health.answered(resp.StatusCode)
	if resp.StatusCode/100 == 3 && resp.StatusCode != http.StatusNotModified {
		// net/http's client follows redirects; such a backend is
		// left to it.
		closeAnswer(resp)
		// A body held whole was sent from a copy; net/http is left the
		// stream, as it would have had it.
		req.GetBody = nil
		return c.http.Do(req)
	}
	return resp, nil
}

// roundTrip writes req on an idle connection, or a new one, and reads the
// head of its answer.
func (p *rawPool) roundTrip(ctx context.Context, req *http.Request) (*http.Response, error) {
	if req.GetBody != nil {
		return p.send(ctx, req)
	}
	for {
		rc := p.take(time.Now())
		reused := rc != nil
		if !reused {
			conn, err := p.dialer.DialContext(ctx, "tcp", p.addr)
			if err != nil {
				return nil, err
			}
			rc = &rawConn{conn: conn, br: bufio.NewReaderSize(conn, rawBufferSize), bw: bufio.NewWriterSize(conn, rawBufferSize)}
		}
		resp, unanswered, err := rc.exchange(ctx, req, p)
		if err == nil {
			return resp, nil
		}
		rc.conn.Close()
		// An idle connection the backend closed fails before any byte
		// of an answer: the request is sent again, on another. Those
		// idle since before it were most likely closed too.
		// A backend that let a deadline pass would let it pass again.
		if !reused || !unanswered || ctx.Err() != nil || noRetry(err) {
			return nil, err
		}
		p.dropIdleSince(rc.idleSince)
	}
}

// dropIdleSince closes the idle connections kept at or before t.
func (p *rawPool) dropIdleSince(t time.Time) {
	p.mu.Lock()
	n := 0
	for n < len(p.idle) && !p.idle[n].idleSince.After(t) {
		n++
	}
	old := p.drop(n)
	p.mu.Unlock()
	for _, o := range old {
		o.conn.Close()
	}
}

// drop takes the n oldest idle connections out of the pool and returns
// them; p.mu is held.
func (p *rawPool) drop(n int) []*rawConn {
	if n == 0 {
		return nil
	}
	old := append([]*rawConn(nil), p.idle[:n]...)
	m := copy(p.idle, p.idle[n:])
	clear(p.idle[m:])
	p.idle = p.idle[:m]
	return old
}

// take returns the most recently used idle connection, after closing
// those idle for too long; nil when none is left.
func (p *rawPool) take(now time.Time) *rawConn {
	p.mu.Lock()
	expired := 0
	for expired < len(p.idle) && now.Sub(p.idle[expired].idleSince) > p.idleTimeout {
		expired++
	}
	old := p.drop(expired)
	var rc *rawConn
	if n := len(p.idle); n > 0 {
		rc = p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
	}
	p.mu.Unlock()
	for _, o := range old {
		o.conn.Close()
	}
	return rc
}

// put keeps a connection whose last answer was read to its end.
func (p *rawPool) put(rc *rawConn) {
	rc.idleSince = time.Now()
	p.mu.Lock()
	if len(p.idle) < p.maxIdle {
		p.idle = append(p.idle, rc)
		rc = nil
	}
	p.mu.Unlock()
	if rc != nil {
		rc.conn.Close()
	}
}

// aLongTimeAgo is a deadline that has passed: set on a connection, it
// ends the reads and writes waiting on it.
var aLongTimeAgo = time.Unix(1, 0)

// watch makes a cancelled ctx end whatever waits on rc, which is then
// never kept, until stop is called. failed, deferred with the call's
// error, stops watching when the call failed and reports ctx's error for
// a call it ended.
func (rc *rawConn) watch(ctx context.Context) (stop func() bool, failed func(*error)) {
	stop = context.AfterFunc(ctx, func() { _ = rc.conn.SetDeadline(aLongTimeAgo) })
	return stop, func(err *error) {
		if *err != nil {
			stop()
			if ctx.Err() != nil {
				*err = ctx.Err()
			}
		}
	}
}

// exchange sends req and reads the head of its answer. unanswered reports
// a failure before any byte of the answer came.
func (rc *rawConn) exchange(ctx context.Context, req *http.Request, p *rawPool) (resp *http.Response, unanswered bool, err error) {
	stop, failed := rc.watch(ctx)
	defer failed(&err)
	t := p.timeouts
	rc.within(ctx, t.Stall, t.Response)
	if err := req.Write(rc.bw); err != nil {
		return nil, true, timedOut(ctx, err, waitSend, t.Stall)
	}
	if err := rc.bw.Flush(); err != nil {
		return nil, true, timedOut(ctx, err, waitSend, t.Stall)
	}
	return rc.readHead(ctx, req, p, stop, t.Response)
}

// readHead reads the head of the answer to req, sent on rc, which has
// wait to start answering; stop unregisters the cancellation of the
// call. unanswered reports a failure before any byte of the answer came.
func (rc *rawConn) readHead(ctx context.Context, req *http.Request, p *rawPool, stop func() bool, wait time.Duration) (resp *http.Response, unanswered bool, err error) {
	if _, err := rc.br.Peek(1); err != nil {
		return nil, true, timedOut(ctx, err, waitHeaders, wait)
	}
	for {
		resp, err = http.ReadResponse(rc.br, req)
		if err != nil {
			return nil, false, timedOut(ctx, err, waitHeaders, wait)
		}
		// Informational answers (103 Early Hints) come before the real
		// one; no Expect is sent, so no 100 Continue is awaited.
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	if req.Method == http.MethodHead {
		// An answer to a HEAD ends with its headers.
		release(p, rc, stop, !resp.Close)
		resp.Body = http.NoBody
		return resp, false, nil
	}
	if resp.StatusCode/100 != 2 || resp.StatusCode == http.StatusNoContent ||
		resp.ContentLength < 0 || len(resp.TransferEncoding) > 0 {
		resp.Body = &answerBody{ReadCloser: resp.Body, ctx: ctx, rc: rc, pool: p, stop: stop, keep: !resp.Close, timing: timingFrom(ctx)}
		return resp, false, nil
	}
	resp.Body = &rawBody{ctx: ctx, rc: rc, pool: p, stop: stop, left: resp.ContentLength, keep: !resp.Close, timing: timingFrom(ctx)}
	return resp, false, nil
}

// within gives the backend write to take the request and read to start
// answering (0: no read deadline, as for a body read through the
// connection's buffer). A cancelled call's deadline in the past is kept:
// the cancellation may have set it just before.
func (rc *rawConn) within(ctx context.Context, write, read time.Duration) {
	now := time.Now()
	if write > 0 {
		_ = rc.conn.SetWriteDeadline(now.Add(write))
	}
	if read > 0 {
		_ = rc.conn.SetReadDeadline(now.Add(read))
	}
	if ctx.Err() != nil {
		_ = rc.conn.SetDeadline(aLongTimeAgo)
	}
}

// timedOut turns a deadline the backend let pass into a TimeoutError.
func timedOut(ctx context.Context, err error, waiting string, d time.Duration) error {
	if ctx.Err() == nil && errors.Is(err, os.ErrDeadlineExceeded) {
		return &TimeoutError{Waiting: waiting, After: d}
	}
	return err
}

// release keeps rc for another request when keep says its answer ended
// cleanly; otherwise it closes it. stop unregisters the cancellation of
// the call, which may have set a deadline on the connection already.
func release(p *rawPool, rc *rawConn, stop func() bool, keep bool) {
	if stop() && keep && rc.br.Buffered() == 0 {
		p.put(rc)
		return
	}
	rc.conn.Close()
}

// rawBody is a body of known length read straight off its connection.
type rawBody struct {
	ctx  context.Context
	rc   *rawConn // nil once the body ended or was closed
	pool *rawPool
	stop func() bool
	left int64 // bytes of the body not yet read
	keep bool  // the answer lets the connection be used again
	err  error // why the body ended early; reads after the end return it
	// timing is told of the time reads wait on the backend.
	timing *Timing
}

// errBodyClosed is what a read of a closed body returns.
var errBodyClosed = http.ErrBodyReadAfterClose

func (b *rawBody) Read(p []byte) (int, error) {
	if b.rc == nil {
		return 0, b.ended()
	}
	if b.left == 0 {
		b.done()
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	if b.rc.br.Buffered() == 0 {
		b.rc.within(b.ctx, 0, b.pool.timeouts.Stall)
	}
	start := b.timing.clock()
	n, err := b.rc.br.Read(p)
	b.timing.waited(start)
	b.left -= int64(n)
	switch {
	case b.left == 0 && err == nil:
		b.done()
	case b.left == 0:
		// The body is whole, but the connection ended with it.
		b.keep = false
		b.done()
	case err != nil:
		return n, b.fail(err)
	}
	return n, nil
}

// WriteTo copies the rest of the body to dst: what the connection's
// reader holds already with a Write, the rest by dst's ReadFrom when it
// has one, from the connection itself.
func (b *rawBody) WriteTo(dst io.Writer) (int64, error) {
	if b.rc == nil {
		if err := b.ended(); err != io.EOF {
			return 0, err
		}
		return 0, nil
	}
	var written int64
	if n := int64(b.rc.br.Buffered()); n > 0 && b.left > 0 {
		chunk, _ := b.rc.br.Peek(int(min(n, b.left)))
		m, err := dst.Write(chunk)
		_, _ = b.rc.br.Discard(m)
		b.left -= int64(m)
		written += int64(m)
		if err != nil {
			return written, b.fail(err)
		}
	}
	if b.left > 0 {
		rf, ok := dst.(io.ReaderFrom)
		if !ok {
			// Through a buffer, by Read; readerOnly keeps io.Copy from
			// coming back here.
			m, err := io.Copy(dst, readerOnly{b})
			return written + m, err
		}
		start := b.timing.clock()
		m, err := b.splice(rf)
		b.timing.waited(start)
		written += m
		if err != nil {
			return written, b.fail(err)
		}
	}
	b.done()
	return written, nil
}

// spliceChunk is how much of a body one ReadFrom moves before the stall
// deadline may be set again: a splice cannot report progress as it goes,
// so the backend must bring each chunk, and the S3 client take it, within
// the stall timeout (15/16 of it at the least; see splice). A client
// slower than 256 KiB per stall timeout (17 KB/s with the default) is cut
// as a stalled backend would be.
const spliceChunk = 256 << 10

// splice hands the rest of the body to rf, chunk by chunk. The read
// deadline is moved on only once stall/16 has passed since it was last
// set, so that a chunk always has at least 15/16 of the stall timeout:
// moving it costs a timer update, 2% of ringside's CPU on a large GET when
// done for every chunk, and so did a reader allocated for each.
func (b *rawBody) splice(rf io.ReaderFrom) (int64, error) {
	var written int64
	stall := b.pool.timeouts.Stall
	var set time.Time
	lr := &io.LimitedReader{R: b.rc.conn}
	for b.left > 0 {
		if now := time.Now(); stall <= 0 || now.Sub(set) >= stall/16 {
			b.rc.within(b.ctx, 0, stall)
			set = now
		}
		lr.N = min(b.left, spliceChunk)
		want := lr.N
		m, err := rf.ReadFrom(lr)
		written += m
		zeroCopyBytes.Add(m)
		b.left -= m
		if err != nil {
			return written, err
		}
		if m < want {
			return written, io.ErrUnexpectedEOF
		}
	}
	return written, nil
}

// readerOnly hides the WriteTo of a body.
type readerOnly struct{ r io.Reader }

func (r readerOnly) Read(p []byte) (int, error) { return r.r.Read(p) }

// Close ends the body; a connection with unread bytes of it is closed,
// never kept.
func (b *rawBody) Close() error {
	if b.rc != nil {
		if b.left == 0 {
			b.done()
		} else {
			b.stop()
			b.rc.conn.Close()
			b.rc = nil
		}
	}
	if b.err == nil || b.err == io.EOF {
		b.err = errBodyClosed
	}
	return nil
}

// done hands the connection of a body read to its end back to the pool.
func (b *rawBody) done() {
	rc := b.rc
	b.rc = nil
	b.err = io.EOF
	release(b.pool, rc, b.stop, b.keep)
}

// fail closes the connection of a body that could not be read to its
// end, and returns the error reads see from now on.
func (b *rawBody) fail(err error) error {
	b.stop()
	b.rc.conn.Close()
	b.rc = nil
	switch {
	case b.ctx.Err() != nil:
		err = b.ctx.Err()
	case errors.Is(err, io.EOF):
		err = io.ErrUnexpectedEOF
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = &TimeoutError{Waiting: waitBody, After: b.pool.timeouts.Stall}
		b.pool.health.failed(b.ctx, err)
	}
	b.err = err
	return err
}

// ended is what a read after the end returns.
func (b *rawBody) ended() error {
	if b.err == nil {
		return io.EOF
	}
	return b.err
}

// answerBody is any other answer's body, as net/http parsed it; its
// connection is kept only when the body was read to its end.
type answerBody struct {
	io.ReadCloser
	ctx  context.Context
	rc   *rawConn // nil once closed
	pool *rawPool
	stop func() bool
	keep bool
	eof  bool
	// timing is told of the time reads wait on the backend.
	timing *Timing
}

func (b *answerBody) Read(p []byte) (int, error) {
	if b.rc == nil {
		return 0, errBodyClosed
	}
	if b.rc.br.Buffered() == 0 {
		b.rc.within(b.ctx, 0, b.pool.timeouts.Stall)
	}
	start := b.timing.clock()
	n, err := b.ReadCloser.Read(p)
	b.timing.waited(start)
	if err == io.EOF {
		b.eof = true
	}
	return n, timedOut(b.ctx, err, waitBody, b.pool.timeouts.Stall)
}

func (b *answerBody) Close() error {
	if b.rc == nil {
		return nil
	}
	rc := b.rc
	b.rc = nil
	release(b.pool, rc, b.stop, b.keep && b.eof)
	return nil
}
