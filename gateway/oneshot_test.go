package gateway

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// countingWriter counts the writes that reach a connection.
type countingWriter struct {
	w      io.Writer
	writes *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.w.Write(p)
}

// TestHeldAnswerGoesInOneWrite: an answer held back reaches the
// connection in one write, whole and byte for byte what the server would
// have sent, and the connection goes on serving the next requests as
// before, held or not.
func TestHeldAnswerGoesInOneWrite(t *testing.T) {
	var writes atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		body := strings.Repeat("x", size)
		var release func() error
		held := false
		if r.URL.Query().Get("hold") == "1" {
			release, held = holdAnswer(w, r, size)
		}
		w.Header().Set("Content-Length", strconv.Itoa(size))
		w.WriteHeader(http.StatusOK)
		_, err := w.Write([]byte(body))
		if held {
			if rerr := release(); err == nil {
				err = rerr
			}
		}
		if err != nil {
			t.Errorf("write the answer: %v", err)
		}
	}))
	srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if hc, ok := c.(*heldConn); ok {
			hc.out = countingWriter{w: hc.TCPConn, writes: &writes}
		}
		return ctx
	}
	srv.Listener = Listener(srv.Config, srv.Listener)
	srv.Start()
	t.Cleanup(srv.Close)

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	rd := bufio.NewReader(conn)
	// One connection for all, in order: each request starts where the
	// last one left the connection.
	for _, tt := range []struct {
		name       string
		size       int
		hold       bool
		wantWrites int64
	}{
		{"4 KiB, not held", 4096, false, 2},
		{"4 KiB, held", 4096, true, 1},
		{"small, held", 10, true, 1},
		{"64 KiB, held", maxHeld, true, 1},
		{"over the bound", maxHeld + 1, true, 2},
		{"4 KiB again, held", 4096, true, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hold := "0"
			if tt.hold {
				hold = "1"
			}
			before := writes.Load()
			if _, err := io.WriteString(conn, "GET /?size="+strconv.Itoa(tt.size)+"&hold="+hold+" HTTP/1.1\r\nHost: ringside.test\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(rd, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || string(b) != strings.Repeat("x", tt.size) {
				t.Fatalf("answer: %d, %d bytes, %v; want 200 and %d bytes", resp.StatusCode, len(b), err, tt.size)
			}
			// The whole answer was read, so its writes were all made.
			if got := writes.Load() - before; got != tt.wantWrites {
				t.Errorf("answer written in %d writes, want %d", got, tt.wantWrites)
			}
		})
	}
}

// TestHoldNeedsAHeldConn: a request that did not come over Listener's
// connections (a test server, a TLS connection) is answered as before.
func TestHoldNeedsAHeldConn(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, held := holdAnswer(w, r, 10); held {
			t.Error("held an answer on a plain connection")
		}
	}))
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}
