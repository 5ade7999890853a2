package backend

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"sync"
	"time"

	"github.com/ringside/ringside/internal/chunks"
)

// Go's TLS writes every record, at most 16 KiB of data, with a write
// system call of its own: a large PUT to an HTTPS backend made 64 writes,
// TCP pushes and wakeups of the backend per MiB. The TLS connections
// dialled here gather the records of each Write and send them in one,
// and copy a request body to themselves a bulk buffer at a time, so that
// a 256 KiB piece of a body leaves in one write.

// dialTLS dials as bulkDial does and runs the TLS handshake with cfg,
// within handshakeTimeout, over a connection that gathers records.
// Go's transport uses it for HTTPS requests not sent through a proxy.
func dialTLS(dialer *net.Dialer, cfg *tls.Config, handshakeTimeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	dial := bulkDial(dialer)
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		raw, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		c := cfg.Clone()
		if c.ServerName == "" {
			// As Go's transport does: the host checked against the
			// certificate (its IP addresses for an IP) and sent as SNI.
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				host = addr
			}
			c.ServerName = host
		}
		under := &gatherConn{Conn: raw}
		tc := tls.Client(under, c)
		if handshakeTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, handshakeTimeout)
			defer cancel()
		}
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, err
		}
		return &gatheredTLS{Conn: tc, under: under}, nil
	}
}

// gatheredTLS is a TLS connection whose Write sends all its records in
// one write of the connection under it.
type gatheredTLS struct {
	*tls.Conn
	under *gatherConn
}

func (c *gatheredTLS) Write(p []byte) (int, error) {
	c.under.gather()
	n, err := c.Conn.Write(p)
	if ferr := c.under.flush(); err == nil && ferr != nil {
		return 0, ferr
	}
	return n, err
}

// ReadFrom copies a request body a full bulk buffer at a time: Go's
// transport hands a body to the connection's ReadFrom, and a body read
// from a client over TLS comes a record at a time, which io.Copy would
// write as it comes.
func (c *gatheredTLS) ReadFrom(r io.Reader) (int64, error) {
	buf := bulkBuffers.Get().(*[]byte)
	defer bulkBuffers.Put(buf)
	return chunks.Copy(writerOnly{c}, r, *buf)
}

// gatherConn is the connection under a gatheredTLS. Between gather and
// flush it keeps what is written; other writes (an alert the reading
// goroutine sends) go out at once, or with the gathered ones when they
// come in between.
type gatherConn struct {
	net.Conn
	mu  sync.Mutex
	buf *[]byte // while gathering
}

// gatherBuffers hold the records of one Write: a bulk buffer's worth of
// data and the records' overhead.
var gatherBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, bulkBufferSize+bulkBufferSize/64)
	return &b
}}

func (c *gatherConn) gather() {
	c.mu.Lock()
	c.buf = gatherBuffers.Get().(*[]byte)
	c.mu.Unlock()
}

func (c *gatherConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf != nil {
		*c.buf = append(*c.buf, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// flush sends what was gathered and stops gathering.
func (c *gatherConn) flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.buf
	c.buf = nil
	var err error
	if len(*b) > 0 {
		_, err = c.Conn.Write(*b)
	}
	if cap(*b) <= 2*bulkBufferSize {
		*b = (*b)[:0]
		gatherBuffers.Put(b)
	}
	return err
}
