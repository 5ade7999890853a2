package gateway

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"

	"github.com/ringside/ringside/internal/chunks"
)

// A GET answered from the object cache is ready whole at once: headers
// and a small body. Go's server puts the headers in a 4 KiB buffer and,
// when the body does not fit beside them, writes the buffer out full and
// then the rest: two write system calls and two wakeups of the client for
// one small answer. The connections of Listener let such an answer be
// held back while the server writes it and sent in one write.
//
// Over TLS the same connections lie under the server's TLS ones, and
// what they hold back is TLS records. There holding matters for large
// bodies too: Go's TLS writes every record of at most 16 KiB with a
// system call of its own, and the backend's answer comes a record at a
// time, so a large GET made a write, a TCP push and a wakeup of the
// client per 16 KiB. copyBody sends such a body in batches instead: a
// buffer's worth of records in one write.

// Listener returns ln with its TCP connections able to hold back an
// answer, and sets srv's ConnContext for the handlers to find them
// (chaining one srv already has), under the TLS connection when the
// server wraps them in one.
func Listener(srv *http.Server, ln net.Listener) net.Listener {
	next := srv.ConnContext
	srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if next != nil {
			ctx = next(ctx, c)
		}
		if hc := heldUnder(c); hc != nil {
			ctx = context.WithValue(ctx, heldConnKey{}, hc)
		}
		return ctx
	}
	return heldListener{ln}
}

// heldUnder is the heldConn c is, or that c's TLS runs over.
func heldUnder(c net.Conn) *heldConn {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	hc, _ := c.(*heldConn)
	return hc
}

type heldListener struct{ net.Listener }

func (l heldListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && err == nil {
		return &heldConn{TCPConn: tc, out: tc}, nil
	}
	return c, err
}

// heldConn is a server connection whose writes a handler can hold back
// and release in one. It keeps every other method of the TCP connection,
// ReadFrom among them, with which the server sends large bodies by
// sendfile or splice. Only the handler of the connection's current
// request holds and releases, on one goroutine, as the server serialises
// requests on a connection; but over TLS the goroutine reading the
// connection may write too (a TLS 1.3 key update), hence the lock.
type heldConn struct {
	*net.TCPConn
	out  io.Writer // the connection itself, but in tests
	mu   sync.Mutex
	held *[]byte // while holding: what was written since hold
	pool *sync.Pool
}

type heldConnKey struct{}

// heldConnOf is the connection r came over, if it can hold. Never for
// HTTP/2: there the connection carries the frames of every stream,
// written by the server's own goroutine, and a stream's handler waiting
// for the client's flow-control window while its frames were held back
// would wait forever.
func heldConnOf(r *http.Request) *heldConn {
	if r.ProtoMajor != 1 {
		return nil
	}
	hc, _ := r.Context().Value(heldConnKey{}).(*heldConn)
	return hc
}

// maxHeld bounds the answers held back: a larger body would gain little
// from one write less, and its copy would cost more.
const maxHeld = 64 << 10

// heldBuffers hold answers; batchBuffers the batches of a large body
// over TLS, a copy buffer's worth of records.
var (
	heldBuffers = sync.Pool{New: func() any {
		b := make([]byte, 0, 8<<10)
		return &b
	}}
	batchBuffers = sync.Pool{New: func() any {
		b := make([]byte, 0, copyBufferSize+copyBufferSize/64)
		return &b
	}}
)

// holdAnswer holds back the writes to r's connection, if it can, until
// the returned release sends them: call it before anything of the answer
// is written, flush the answer through w, then release. size is what the
// body will be (negative: not known, never held). release returns the
// error of the write, if any.
func holdAnswer(w http.ResponseWriter, r *http.Request, size int64) (release func() error, ok bool) {
	hc := heldConnOf(r)
	if hc == nil || size < 0 || size > maxHeld || !hc.hold(&heldBuffers) {
		return nil, false
	}
	return func() error {
		// The server flushes its buffer into the held one.
		err := http.NewResponseController(w).Flush()
		if rerr := hc.release(); err == nil {
			err = rerr
		}
		return err
	}, true
}

// copyInBatches copies body to w a full buffer at a time, each buffer's
// writes held back on hc and sent in one; w's own buffering may keep the
// last few KiB of a batch for the next one or for the server's final
// flush. When hc holds already (an answer held whole), it copies plainly.
func copyInBatches(w http.ResponseWriter, body io.Reader, buf []byte, hc *heldConn) error {
	_, err := chunks.Copy(batchWriter{w: w, hc: hc}, body, buf)
	return err
}

// batchWriter sends what each Write writes to w in one write of hc.
type batchWriter struct {
	w  io.Writer
	hc *heldConn
}

func (b batchWriter) Write(p []byte) (int, error) {
	held := b.hc.hold(&batchBuffers)
	n, err := b.w.Write(p)
	if held {
		if rerr := b.hc.release(); err == nil {
			err = rerr
		}
	}
	return n, err
}

// hold starts holding back writes in a buffer from pool; false when
// holding already.
func (c *heldConn) hold(pool *sync.Pool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held != nil {
		return false
	}
	c.held, c.pool = pool.Get().(*[]byte), pool
	return true
}

func (c *heldConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.held != nil {
		*c.held = append(*c.held, p...)
		c.mu.Unlock()
		return len(p), nil
	}
	c.mu.Unlock()
	return c.out.Write(p)
}

// ReadFrom sends r by the TCP connection's own ReadFrom (splice,
// sendfile), but while holding adds r to what is held: sent past held
// headers, a body would reach the client before them.
func (c *heldConn) ReadFrom(r io.Reader) (int64, error) {
	c.mu.Lock()
	holding := c.held != nil
	c.mu.Unlock()
	if holding {
		return io.Copy(onlyWriter{c}, r)
	}
	return c.TCPConn.ReadFrom(r)
}

// release writes what was held back, and stops holding.
func (c *heldConn) release() error {
	c.mu.Lock()
	b, pool := c.held, c.pool
	c.held, c.pool = nil, nil
	c.mu.Unlock()
	if b == nil {
		return nil
	}
	var err error
	if len(*b) > 0 {
		_, err = c.out.Write(*b)
	}
	if cap(*b) <= 2*copyBufferSize {
		*b = (*b)[:0]
		pool.Put(b)
	}
	return err
}
