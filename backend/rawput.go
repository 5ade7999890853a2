package backend

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"sync"
	"time"
)

// A request whose body is held whole in memory (a small PutObject or
// UploadPart) is sent over the raw pool as well: written in one write,
// headers and body, and its answer read on the caller's goroutine, where
// net/http's transport hands each request to a writing and a reading
// goroutine of the connection, three wakeups per call.
//
// Unlike a GET, such a request is never sent again once written: the
// backend may have stored it before the connection failed. An idle
// connection the backend closed is found before the write instead
// (idleClosed), which is the case the transport guards against too.

// heldRequests hold the requests written whole, up to smallBody and
// their headers.
var heldRequests = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// send writes req, whose GetBody gives its body, on an idle connection
// still open, or a new one, and reads the head of its answer.
func (p *rawPool) send(ctx context.Context, req *http.Request) (*http.Response, error) {
	buf := heldRequests.Get().(*bytes.Buffer)
	defer putHeldRequest(buf)
	if err := writeHeld(buf, req); err != nil {
		return nil, err
	}
	for {
		rc := p.take(time.Now())
		if rc != nil && rc.idleClosed() {
			rc.conn.Close()
			continue
		}
		if rc == nil {
			conn, err := p.dialer.DialContext(ctx, "tcp", p.addr)
			if err != nil {
				return nil, err
			}
			rc = &rawConn{conn: conn, br: bufio.NewReaderSize(conn, rawBufferSize), bw: bufio.NewWriterSize(conn, rawBufferSize)}
		}
		resp, err := rc.sendHeld(ctx, req, buf.Bytes(), p)
		if err != nil {
			rc.conn.Close()
			return nil, err
		}
		return resp, nil
	}
}

// writeHeld writes the whole of req, body included, into buf.
func writeHeld(buf *bytes.Buffer, req *http.Request) error {
	body, err := req.GetBody()
	if err != nil {
		return err
	}
	r := *req
	r.Body = body
	// A bytes.Buffer is an io.ByteWriter: Write puts it all there, with
	// no buffer of its own in between.
	return r.Write(buf)
}

func putHeldRequest(buf *bytes.Buffer) {
	if buf.Cap() <= 2*smallBody {
		buf.Reset()
		heldRequests.Put(buf)
	}
}

// sendHeld writes the request b (req, written whole) on rc and reads the
// head of its answer.
func (rc *rawConn) sendHeld(ctx context.Context, req *http.Request, b []byte, p *rawPool) (resp *http.Response, err error) {
	stop, failed := rc.watch(ctx)
	defer failed(&err)
	t := p.timeouts
	wait := t.responseFor(operation(ctx))
	rc.within(ctx, t.Stall, wait)
	if _, err := rc.conn.Write(b); err != nil {
		return nil, timedOut(ctx, err, waitSend, t.Stall)
	}
	resp, _, err = rc.readHead(ctx, req, p, stop, wait)
	return resp, err
}
