package gateway

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingWriter counts the writes that reach a connection, and their
// bytes when bytes is set.
type countingWriter struct {
	w      io.Writer
	writes *atomic.Int64
	bytes  *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	c.writes.Add(1)
	if c.bytes != nil {
		c.bytes.Add(int64(len(p)))
	}
	return c.w.Write(p)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r     io.Reader
	bytes *int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.bytes += int64(n)
	return n, err
}

// TestSmallBackendReadGoesInOneWrite: a GET answered from the backend
// (no cache) whose body is small is sent whole in one write, headers and
// body, byte for byte the object; a larger body still goes by splice,
// past the connection's Write.
func TestSmallBackendReadGoesInOneWrite(t *testing.T) {
	e := newS3Env(t)
	small := strings.Repeat("s", 4096)
	large := strings.Repeat("l", maxHeld+1)
	e.createBucket("data", "ring")
	e.put("data", "small", small)
	e.put("data", "large", large)

	var writes, written atomic.Int64
	srv := httptest.NewUnstartedServer(e.g.Handler())
	conn := serveCountingWrites(t, srv, false, &writes, &written)
	var read int64
	rd := bufio.NewReader(countingReader{r: conn, bytes: &read})

	for _, tt := range []struct {
		name, key, rangeHeader, want string
		whole                        bool // the whole answer in one Write
	}{
		{"4 KiB", "small", "", small, true},
		{"a range of 4 KiB", "small", "bytes=10-19", small[10:20], true},
		{"a 64 KiB range of a larger object", "large", "bytes=1-65536", large[1:65537], true},
		{"over the bound", "large", "", large, false},
		{"4 KiB again", "small", "", small, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var h http.Header
			if tt.rangeHeader != "" {
				h = http.Header{"Range": {tt.rangeHeader}}
			}
			req := signedRequestWith(t, http.MethodGet, srv.URL+"/data/"+tt.key, nil, h)
			beforeWrites, beforeWritten, beforeRead := writes.Load(), written.Load(), read
			if err := req.Write(conn); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(rd, req)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode/100 != 2 || string(b) != tt.want {
				t.Fatalf("answer: %d, %d bytes, %v; want 2xx and %d bytes of the object", resp.StatusCode, len(b), err, len(tt.want))
			}
			gotWrites, gotWritten, gotRead := writes.Load()-beforeWrites, written.Load()-beforeWritten, read-beforeRead
			if tt.whole && (gotWrites != 1 || gotWritten != gotRead) {
				t.Errorf("answer of %d bytes sent in %d writes of %d bytes, want one write of all of it", gotRead, gotWrites, gotWritten)
			}
			if !tt.whole && gotWritten >= gotRead {
				t.Errorf("answer of %d bytes: %d written by Write, want its body spliced", gotRead, gotWritten)
			}
		})
	}
}

// TestHeldAnswerGoesInOneWrite: an answer held back reaches the
// connection in one write, whole and byte for byte what the server would
// have sent, and the connection goes on serving the next requests as
// before, held or not; over TLS too, where what is held is the answer's
// records.
func TestHeldAnswerGoesInOneWrite(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "TLS"}[useTLS], func(t *testing.T) {
			testHeldAnswer(t, useTLS)
		})
	}
}

func testHeldAnswer(t *testing.T, useTLS bool) {
	var writes atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		body := strings.Repeat("x", size)
		var release func() error
		held := false
		if r.URL.Query().Get("hold") == "1" {
			release, held = holdAnswer(w, r, int64(size))
		}
		w.Header().Set("Content-Length", strconv.Itoa(size))
		w.WriteHeader(http.StatusOK)
		var err error
		if r.URL.Query().Get("readfrom") == "1" {
			// A reader without WriteTo: io.Copy hands it to the
			// server's ReadFrom, which passes it to the connection's.
			_, err = io.Copy(w, io.LimitReader(strings.NewReader(body), int64(size)))
		} else {
			_, err = w.Write([]byte(body))
		}
		if held {
			if rerr := release(); err == nil {
				err = rerr
			}
		}
		if err != nil {
			t.Errorf("write the answer: %v", err)
		}
	}))
	conn := serveCountingWrites(t, srv, useTLS, &writes, nil)
	rd := bufio.NewReader(conn)
	// One connection for all, in order: each request starts where the
	// last one left the connection.
	for _, tt := range []struct {
		name     string
		size     int
		hold     bool
		readFrom bool // the body by io.Copy, through ReadFrom
		// wantWrites is exact on plain TCP; over TLS an answer not held
		// takes more than one write, a record at a time.
		wantWrites int64
	}{
		{"4 KiB, not held", 4096, false, false, 2},
		{"4 KiB, held", 4096, true, false, 1},
		{"small, held", 10, true, false, 1},
		{"64 KiB, held", maxHeld, true, false, 1},
		{"over the bound", maxHeld + 1, true, false, 2},
		{"4 KiB again, held", 4096, true, false, 1},
		{"4 KiB by ReadFrom, held", 4096, true, true, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hold, readFrom := "0", "0"
			if tt.hold {
				hold = "1"
			}
			if tt.readFrom {
				readFrom = "1"
			}
			before := writes.Load()
			if _, err := io.WriteString(conn, "GET /?size="+strconv.Itoa(tt.size)+"&hold="+hold+"&readfrom="+readFrom+" HTTP/1.1\r\nHost: ringside.test\r\n\r\n"); err != nil {
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
			got := writes.Load() - before
			switch {
			case !useTLS && got != tt.wantWrites:
				t.Errorf("answer written in %d writes, want %d", got, tt.wantWrites)
			case useTLS && tt.wantWrites == 1 && got != 1:
				t.Errorf("answer written in %d writes, want 1", got)
			case useTLS && tt.wantWrites > 1 && got < 2:
				t.Errorf("answer not held written in %d writes, want a record a write", got)
			}
		})
	}
}

// serveCountingWrites starts srv on Listener's connections, over TLS if
// asked, counting the writes (and, if bytes is set, their bytes) that
// reach the TCP connections, and returns a connection to it.
func serveCountingWrites(t *testing.T, srv *httptest.Server, useTLS bool, writes, bytes *atomic.Int64) net.Conn {
	t.Helper()
	srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if hc := heldUnder(c); hc != nil {
			hc.out = countingWriter{w: hc.TCPConn, writes: writes, bytes: bytes}
		}
		return ctx
	}
	srv.Listener = Listener(srv.Config, srv.Listener)
	if useTLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	var conn net.Conn
	var err error
	if useTLS {
		conn, err = tls.Dial("tcp", srv.Listener.Addr().String(), srv.Client().Transport.(*http.Transport).TLSClientConfig)
	} else {
		conn, err = net.Dial("tcp", srv.Listener.Addr().String())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// recordReader hands out at most 16 KiB a Read, as a TLS connection does
// a record at a time, and hides any WriteTo.
type recordReader struct{ r io.Reader }

func (r recordReader) Read(p []byte) (int, error) {
	return r.r.Read(p[:min(len(p), 16<<10)])
}

// TestLargeBodyOverTLSGoesInBatches: a large body copied over TLS leaves
// a copy buffer's worth of records per write, not a write per record,
// byte for byte; on plain TCP it is copied as before.
func TestLargeBodyOverTLSGoesInBatches(t *testing.T) {
	const size = 4*copyBufferSize + 12345
	body := make([]byte, size)
	for i := range body {
		body[i] = byte(i * 7)
	}
	for _, useTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "TLS"}[useTLS], func(t *testing.T) {
			var writes atomic.Int64
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(size))
				if err := copyBody(w, r, recordReader{bytes.NewReader(body)}, false); err != nil {
					t.Errorf("copy the body: %v", err)
				}
			}))
			conn := serveCountingWrites(t, srv, useTLS, &writes, nil)
			if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: ringside.test\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("answer: %d bytes, %v; want the %d bytes of the body", len(got), err, size)
			}
			// Five buffers' worth, the headers and the server's last
			// flush; a write per 16 KiB record would be some 80.
			if n := writes.Load(); useTLS && n > 8 {
				t.Errorf("%d bytes over TLS in %d writes, want at most 8", size, n)
			}
		})
	}
}

// TestNoHoldingOverHTTP2: over HTTP/2 nothing is held back, so a small
// answer of a full flow-control window and a large body both arrive
// whole, where held frames would wait for a window update that never
// comes.
func TestNoHoldingOverHTTP2(t *testing.T) {
	large := bytes.Repeat([]byte("0123456789abcdef"), (4*copyBufferSize+77)/16)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/small" {
			body := large[:maxHeld]
			release, held := holdAnswer(w, r, int64(len(body)))
			if held {
				t.Error("held an answer over HTTP/2")
				defer release()
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			_, _ = w.Write(body)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(large)))
		if err := copyBody(w, r, recordReader{bytes.NewReader(large)}, false); err != nil {
			t.Errorf("copy the body: %v", err)
		}
	}))
	srv.EnableHTTP2 = true
	srv.Listener = Listener(srv.Config, srv.Listener)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	for _, tt := range []struct {
		path string
		want []byte
	}{{"/small", large[:maxHeld]}, {"/large", large}} {
		t.Run(tt.path, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.ProtoMajor != 2 {
				t.Fatalf("answered over %s, want HTTP/2", resp.Proto)
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Fatalf("answer: %d bytes, %v; want %d bytes", len(got), err, len(tt.want))
			}
		})
	}
}

// TestHoldNeedsAHeldConn: a request that did not come over Listener's
// connections is answered as before.
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
