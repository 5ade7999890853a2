package gateway

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
)

// A GET answered from the object cache is ready whole at once: headers
// and a small body. Go's server puts the headers in a 4 KiB buffer and,
// when the body does not fit beside them, writes the buffer out full and
// then the rest: two write system calls and two wakeups of the client for
// one small answer. The connections of Listener let such an answer be
// held back while the server writes it and sent in one write.

// Listener returns ln with its TCP connections able to hold back an
// answer, and sets srv's ConnContext for the handlers to find them
// (chaining one srv already has). Over TLS the server wraps the
// connections in its own, and answers are written as before.
func Listener(srv *http.Server, ln net.Listener) net.Listener {
	next := srv.ConnContext
	srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if next != nil {
			ctx = next(ctx, c)
		}
		if hc, ok := c.(*heldConn); ok {
			ctx = context.WithValue(ctx, heldConnKey{}, hc)
		}
		return ctx
	}
	return heldListener{ln}
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
// request writes to it, on one goroutine, as the server serialises
// requests on a connection.
type heldConn struct {
	*net.TCPConn
	out  io.Writer // the connection itself, but in tests
	held *[]byte   // while holding: what was written since hold
}

type heldConnKey struct{}

// maxHeld bounds the answers held back: a larger body would gain little
// from one write less, and its copy would cost more.
const maxHeld = 64 << 10

var heldBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, 8<<10)
	return &b
}}

// holdAnswer holds back the writes to r's connection, if it can, until
// the returned release sends them: call it before anything of the answer
// is written, flush the answer through w, then release. size is what the
// body will be. release returns the error of the write, if any.
func holdAnswer(w http.ResponseWriter, r *http.Request, size int) (release func() error, ok bool) {
	hc, _ := r.Context().Value(heldConnKey{}).(*heldConn)
	if hc == nil || r.TLS != nil || size > maxHeld || hc.held != nil {
		return nil, false
	}
	hc.held = heldBuffers.Get().(*[]byte)
	return func() error {
		// The server flushes its buffer into the held one.
		err := http.NewResponseController(w).Flush()
		if rerr := hc.release(); err == nil {
			err = rerr
		}
		return err
	}, true
}

func (c *heldConn) Write(p []byte) (int, error) {
	if c.held != nil {
		*c.held = append(*c.held, p...)
		return len(p), nil
	}
	return c.out.Write(p)
}

// ReadFrom sends r by the TCP connection's own ReadFrom (splice,
// sendfile), but while holding adds r to what is held: sent past held
// headers, a body would reach the client before them.
func (c *heldConn) ReadFrom(r io.Reader) (int64, error) {
	if c.held != nil {
		return io.Copy(onlyWriter{c}, r)
	}
	return c.TCPConn.ReadFrom(r)
}

// release writes what was held back, and stops holding.
func (c *heldConn) release() error {
	b := c.held
	c.held = nil
	var err error
	if len(*b) > 0 {
		_, err = c.out.Write(*b)
	}
	if cap(*b) <= 2*maxHeld {
		*b = (*b)[:0]
		heldBuffers.Put(b)
	}
	return err
}
