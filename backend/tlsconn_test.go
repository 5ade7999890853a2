package backend

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// connWrites counts the writes that reach a connection.
type connWrites struct {
	net.Conn
	writes *atomic.Int64
}

func (w connWrites) Write(p []byte) (int, error) {
	w.writes.Add(1)
	return w.Conn.Write(p)
}

// recordSized gives at most 16 KiB a Read, as a TLS connection gives a
// record at a time.
type recordSized struct{ r io.Reader }

func (r recordSized) Read(p []byte) (int, error) { return r.r.Read(p[:min(len(p), 16<<10)]) }

// TestTLSBodyLeavesInBulkWrites: a body copied to a dialTLS connection,
// as Go's transport copies a request body, arrives whole and leaves in a
// write per bulk buffer, not a write per 16 KiB record.
func TestTLSBodyLeavesInBulkWrites(t *testing.T) {
	ts := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(ts.Close)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: ts.TLS.Certificates})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	roots := ts.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	dial := dialTLS(&net.Dialer{}, &tls.Config{RootCAs: roots}, 5*time.Second)
	for _, size := range []int{1, 16<<10 + 1, bulkBufferSize + 1, 4*bulkBufferSize + 77} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			got := receive(ln, int64(size))
			conn, err := dial(context.Background(), "tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			gt, ok := conn.(*gatheredTLS)
			if !ok {
				t.Fatalf("dialed a %T, want a *gatheredTLS", conn)
			}
			var writes atomic.Int64
			gt.under.Conn = connWrites{Conn: gt.under.Conn, writes: &writes}
			body := randomBytes(t, size)
			// As Go's transport hands a body of known length over, read
			// from a client over TLS a record at a time.
			src := recordSized{bytes.NewReader(body)}
			if n, err := io.Copy(conn, io.LimitReader(src, int64(size))); err != nil || n != int64(size) {
				t.Fatalf("copied %d bytes, error %v", n, err)
			}
			if b := <-got; !bytes.Equal(b, body) {
				t.Fatalf("received %d bytes, not the %d sent", len(b), size)
			}
			if want := int64(size/bulkBufferSize + 1); writes.Load() != want {
				t.Errorf("%d bytes left in %d writes, want %d", size, writes.Load(), want)
			}
		})
	}
}

// TestTLSDialChecksTheCertificate: dialTLS verifies the server's
// certificate against the address dialled, and gives up a handshake the
// server never answers within the timeout.
func TestTLSDialChecksTheCertificate(t *testing.T) {
	ts := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(ts.Close)
	addr := ts.Listener.Addr().String()
	roots := ts.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	if _, err := dialTLS(&net.Dialer{}, &tls.Config{}, 5*time.Second)(context.Background(), "tcp", addr); err == nil {
		t.Error("a certificate of an unknown CA was taken")
	}
	if _, err := dialTLS(&net.Dialer{}, &tls.Config{RootCAs: roots, ServerName: "elsewhere.example"}, 5*time.Second)(context.Background(), "tcp", addr); err == nil {
		t.Error("a certificate for another name was taken")
	}
	c, err := dialTLS(&net.Dialer{}, &tls.Config{RootCAs: roots}, 5*time.Second)(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatalf("the server's own CA: %v", err)
	}
	c.Close()

	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	if _, err := dialTLS(&net.Dialer{}, &tls.Config{RootCAs: roots}, 50*time.Millisecond)(context.Background(), "tcp", silent.Addr().String()); err == nil {
		t.Error("a handshake nobody answered succeeded")
	}
}
