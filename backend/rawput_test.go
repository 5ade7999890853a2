package backend

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestSmallPutsGoOverTheRawPool: a small PutObject is sent over a
// connection of the raw pool, kept for the next call, and what the
// backend stored reads back whole.
func TestSmallPutsGoOverTheRawPool(t *testing.T) {
	c := newTestClient(t)
	if c.raw == nil {
		t.Fatal("no raw pool for a plain-HTTP backend")
	}
	for _, size := range []int{1, 4096, smallBody} {
		body := randomBytes(t, size)
		res := put(t, c, "k", body, map[string]string{"X-Amz-Meta-Color": "blue", "Content-Type": "text/plain"})
		if n := idleRaw(c.raw); n != 1 {
			t.Fatalf("PUT of %d bytes: %d idle raw connections, want 1", size, n)
		}
		got, rd := get(t, c, "k", res.VersionID)
		if string(got) != string(body) || rd.Metadata["X-Amz-Meta-Color"] != "blue" || rd.Metadata["Content-Type"] != "text/plain" {
			t.Fatalf("PUT of %d bytes read back as %d bytes, metadata %v", size, len(got), rd.Metadata)
		}
	}
}

func idleRaw(p *rawPool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}

// TestSmallPutOnAConnectionClosedWhileIdle: a connection the backend
// closed while it sat idle is left for a new one before the PUT is
// written, and the PUT goes through once.
func TestSmallPutOnAConnectionClosedWhileIdle(t *testing.T) {
	var puts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		puts.Add(1)
		w.Header().Set("X-Amz-Version-Id", "v1")
	}))
	t.Cleanup(srv.Close)
	c := quickClient(t, srv.URL)
	put(t, c, "k", []byte("first"), nil)
	srv.CloseClientConnections()
	// The close reaches the idle connection on its own time.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.raw.mu.Lock()
		closed := len(c.raw.idle) == 1 && c.raw.idle[0].idleClosed()
		c.raw.mu.Unlock()
		if closed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the idle connection never showed closed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	put(t, c, "k", []byte("second"), nil)
	if n := puts.Load(); n != 2 {
		t.Fatalf("the backend took %d PUTs, want 2", n)
	}
}

// TestSmallPutIsNotSentTwice: a PUT whose kept connection fails once it
// was written fails as unavailable, and is not written again on another,
// as a GET would be: the backend may have stored it.
func TestSmallPutIsNotSentTwice(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var requests atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			// Answer the first request, then read the next whole and
			// drop the connection unanswered.
			br := bufio.NewReader(conn)
			for {
				req, err := http.ReadRequest(br)
				if err != nil {
					break
				}
				_, _ = io.Copy(io.Discard, req.Body)
				if requests.Add(1) > 1 {
					break
				}
				_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nX-Amz-Version-Id: v1\r\nContent-Length: 0\r\n\r\n")
			}
			conn.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	c := quickClient(t, "http://"+ln.Addr().String())
	put(t, c, "k", []byte("answered"), nil)
	_, err = c.PutObject(ctxT(t), "k", &bodyOf{b: []byte("small body")}, 10, nil, PutOptions{})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("PUT on a connection dropped unanswered: %v, want ErrUnavailable", err)
	}
	if n := requests.Load(); n != 2 {
		t.Fatalf("the backend got %d requests, want 2: the second PUT once", n)
	}
}

// bodyOf is a body that is no known in-memory reader, as a client's is.
type bodyOf struct{ b []byte }

func (r *bodyOf) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}
