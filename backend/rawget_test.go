package backend

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// readModes are the two ways a caller takes a body: by Read, as a
// checksum or a range would, and by WriteTo, as the gateway streams it.
var readModes = []struct {
	name string
	read func(io.Reader) ([]byte, error)
}{
	{"Read", func(r io.Reader) ([]byte, error) { return io.ReadAll(readerOnly{r}) }},
	{"WriteTo", func(r io.Reader) ([]byte, error) {
		var b bytes.Buffer
		_, err := r.(io.WriterTo).WriteTo(&b)
		return b.Bytes(), err
	}},
	{"WriteTo a plain writer", func(r io.Reader) ([]byte, error) {
		var b bytes.Buffer
		_, err := r.(io.WriterTo).WriteTo(writerOnly{&b})
		return b.Bytes(), err
	}},
}

func TestRawGetFromEmbedded(t *testing.T) {
	c := newTestClient(t)
	if c.raw == nil {
		t.Fatal("no raw pool for a plain-HTTP backend")
	}
	big := randomBytes(t, 5<<20+123)
	older := put(t, c, "big", randomBytes(t, 70_000), nil)
	put(t, c, "big", big, nil)
	put(t, c, "small", []byte("tiny"), nil)
	put(t, c, "empty", nil, nil)
	tests := []struct {
		name, key, version, rng string
		want                    []byte
		wantRange               string
		wantSize                int64
	}{
		{name: "whole", key: "big", want: big, wantSize: int64(len(big))},
		{name: "range", key: "big", rng: "bytes=1000-2000999", want: big[1000:2001000],
			wantRange: fmt.Sprintf("bytes 1000-2000999/%d", len(big)), wantSize: int64(len(big))},
		{name: "suffix range", key: "big", rng: "bytes=-5", want: big[len(big)-5:],
			wantRange: fmt.Sprintf("bytes %d-%d/%d", len(big)-5, len(big)-1, len(big)), wantSize: int64(len(big))},
		{name: "small", key: "small", want: []byte("tiny"), wantSize: 4},
		{name: "empty", key: "empty", want: []byte{}, wantSize: 0},
		{name: "older version", key: "big", version: older.VersionID, wantSize: 70_000},
	}
	for _, tt := range tests {
		for _, mode := range readModes {
			t.Run(tt.name+"/"+mode.name, func(t *testing.T) {
				r, err := c.GetObject(ctxT(t), tt.key, tt.version, tt.rng, Conditions{})
				if err != nil {
					t.Fatal(err)
				}
				defer r.Body.Close()
				if _, ok := r.Body.(*rawBody); !ok {
					t.Fatalf("body is a %T, not read off the connection", r.Body)
				}
				got, err := mode.read(r.Body)
				if err != nil {
					t.Fatal(err)
				}
				if tt.want != nil && !bytes.Equal(got, tt.want) {
					t.Fatalf("got %d bytes, want %d (equal lengths: %v)", len(got), len(tt.want), len(got) == len(tt.want))
				}
				if tt.version != "" && (int64(len(got)) != tt.wantSize || r.VersionID != tt.version) {
					t.Fatalf("got %d bytes of %s, want %d of %s", len(got), r.VersionID, tt.wantSize, tt.version)
				}
				if r.ContentRange != tt.wantRange || r.Size != tt.wantSize || r.ContentLength != int64(len(got)) {
					t.Fatalf("range %q size %d length %d; want %q, %d, %d", r.ContentRange, r.Size, r.ContentLength, tt.wantRange, tt.wantSize, len(got))
				}
				if n, err := r.Body.Read(make([]byte, 1)); n != 0 || err != io.EOF {
					t.Fatalf("read after the end: %d, %v", n, err)
				}
			})
		}
	}
}

func TestRawGetErrors(t *testing.T) {
	c := newTestClient(t)
	res := put(t, c, "k", []byte("0123456789"), nil)
	tests := []struct {
		name, key, version, rng string
		cond                    Conditions
		code                    string
		status                  int
	}{
		{name: "missing key", key: "nope", code: "NoSuchKey", status: 404},
		{name: "missing version", key: "k", version: "no-such-version", code: "NoSuchVersion", status: 404},
		{name: "range past the end", key: "k", rng: "bytes=50-60", code: "InvalidRange", status: 416},
		{name: "if-match fails", key: "k", cond: Conditions{IfMatch: `"nope"`}, code: "PreconditionFailed", status: 412},
		{name: "not modified", key: "k", cond: Conditions{IfNoneMatch: res.ETag}, code: "NotModified", status: 304},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.GetObject(ctxT(t), tt.key, tt.version, tt.rng, tt.cond)
			wantCode(t, err, tt.code, tt.status)
			// The connection the error came on serves the next GET.
			if got, _ := get(t, c, "k", ""); string(got) != "0123456789" {
				t.Fatalf("GET after the error: %q", got)
			}
		})
	}
}

// connServer is a plain-HTTP server that counts the connections it
// accepted and the requests it answered.
type connServer struct {
	*httptest.Server
	conns, requests atomic.Int32
}

func newConnServer(t *testing.T, h http.Handler) *connServer {
	t.Helper()
	s := &connServer{}
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	ts.Start()
	t.Cleanup(ts.Close)
	s.Server = ts
	return s
}

// objectServer serves body as every object, with ranges, and a few
// special keys.
func objectServer(body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/missing"):
			msg := "<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>"
			w.Header().Set("Content-Length", strconv.Itoa(len(msg)))
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, msg)
		case strings.HasSuffix(r.URL.Path, "/chunked"):
			w.WriteHeader(http.StatusOK)
			w.Write(body[:1000])
			w.(http.Flusher).Flush()
			w.Write(body[1000:])
		case strings.HasSuffix(r.URL.Path, "/close"):
			w.Header().Set("Connection", "close")
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
		default:
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
		}
	})
}

func TestRawConnReuse(t *testing.T) {
	body := randomBytes(t, 1<<20)
	readAll := func(r *Reader) error { _, err := io.ReadAll(readerOnly{r.Body}); return err }
	tests := []struct {
		name      string
		key, rng  string
		take      func(r *Reader) error // what the caller does with the first answer
		wantErr   string
		wantIdle  int   // connections kept after the first GET
		wantConns int32 // after a second GET read whole
	}{
		{name: "read to the end", key: "k", take: readAll, wantIdle: 1, wantConns: 1},
		{name: "written to the end", key: "k", take: func(r *Reader) error {
			_, err := r.Body.(io.WriterTo).WriteTo(io.Discard)
			return err
		}, wantIdle: 1, wantConns: 1},
		{name: "range read to the end", key: "k", rng: "bytes=10-99", take: readAll, wantIdle: 1, wantConns: 1},
		{name: "closed early", key: "k", take: func(r *Reader) error {
			_, err := io.ReadFull(r.Body, make([]byte, 10))
			return err
		}, wantConns: 2},
		{name: "closed unread", key: "k", take: func(*Reader) error { return nil }, wantConns: 2},
		{name: "chunked answer read to the end", key: "chunked", take: readAll, wantIdle: 1, wantConns: 1},
		{name: "chunked answer closed early", key: "chunked", take: func(r *Reader) error {
			_, err := io.ReadFull(r.Body, make([]byte, 10))
			return err
		}, wantConns: 2},
		{name: "answer that closes", key: "close", take: readAll, wantConns: 2},
		{name: "error answer", key: "missing", wantErr: "NoSuchKey", wantIdle: 1, wantConns: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newConnServer(t, objectServer(body))
			c := clientFor(t, s.URL)
			r, err := c.GetObject(ctxT(t), tt.key, "", tt.rng, Conditions{})
			if tt.wantErr != "" {
				wantCode(t, err, tt.wantErr, 404)
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if err := tt.take(r); err != nil {
					t.Fatal(err)
				}
				r.Body.Close()
				if _, err := r.Body.Read(make([]byte, 1)); err == nil {
					t.Fatal("read after Close succeeded")
				}
			}
			if n := len(c.raw.idle); n != tt.wantIdle {
				t.Fatalf("%d connections kept, want %d", n, tt.wantIdle)
			}
			got, _ := get(t, c, "k", "")
			if !bytes.Equal(got, body) {
				t.Fatalf("second GET: %d bytes, want %d", len(got), len(body))
			}
			if n := s.conns.Load(); n != tt.wantConns {
				t.Fatalf("%d connections, want %d", n, tt.wantConns)
			}
		})
	}
}

func TestRawIdleLimits(t *testing.T) {
	body := randomBytes(t, 10_000)
	tests := []struct {
		name      string
		edit      func(p *rawPool)
		wantConns int32
	}{
		{name: "kept", edit: func(*rawPool) {}, wantConns: 1},
		{name: "idle too long", edit: func(p *rawPool) { p.idleTimeout = 0 }, wantConns: 2},
		{name: "none kept", edit: func(p *rawPool) { p.maxIdle = 0 }, wantConns: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newConnServer(t, objectServer(body))
			c := clientFor(t, s.URL)
			tt.edit(c.raw)
			for range 2 {
				if got, _ := get(t, c, "k", ""); !bytes.Equal(got, body) {
					t.Fatal("wrong body")
				}
			}
			if n := s.conns.Load(); n != tt.wantConns {
				t.Fatalf("%d connections, want %d", n, tt.wantConns)
			}
		})
	}
}

func TestRawPoolOnlyForPlainHTTP(t *testing.T) {
	for _, tt := range []struct {
		endpoint string
		want     bool
	}{
		{"http://127.0.0.1:9000", true},
		{"http://localhost", true},
		{"https://127.0.0.1:9000", false},
	} {
		c := clientFor(t, tt.endpoint)
		if (c.raw != nil) != tt.want {
			t.Errorf("%s: raw pool %v, want %v", tt.endpoint, c.raw != nil, tt.want)
		}
	}
	if p := newRawPool(mustURL(t, "http://localhost"), Timeouts{}.withDefaults(), nil); p == nil || p.addr != "localhost:80" {
		t.Errorf("pool of http://localhost: %+v", p)
	}
	if p := newRawPool(mustURL(t, "http://[::1]:9000"), Timeouts{}.withDefaults(), nil); p == nil || p.addr != "[::1]:9000" {
		t.Errorf("pool of http://[::1]:9000: %+v", p)
	}
}

// oneShotServer answers each request on a connection with body and a
// Content-Length, then closes the connection without saying so, as a
// server whose idle timeout ran out does. It counts the connections.
func oneShotServer(t *testing.T, body []byte) (url string, conns *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conns = new(atomic.Int32)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				req.Body.Close()
				fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", len(body))
				conn.Write(body)
			}()
		}
	}()
	return "http://" + ln.Addr().String(), conns
}

func TestRawStaleConnIsReplaced(t *testing.T) {
	body := randomBytes(t, 300_000)
	url, conns := oneShotServer(t, body)
	var attempts atomic.Int32
	c := clientFor(t, url, func(cfg *Config) {
		cfg.Observe = func(string, int, time.Duration) { attempts.Add(1) }
	})
	for i := range 3 {
		got, _ := get(t, c, "k", "")
		if !bytes.Equal(got, body) {
			t.Fatalf("GET %d: %d bytes, want %d", i, len(got), len(body))
		}
		// Let the server's close reach the idle connection.
		time.Sleep(20 * time.Millisecond)
	}
	if n := conns.Load(); n != 3 {
		t.Fatalf("%d connections, want 3", n)
	}
	// A stale connection is replaced within the attempt: no retry, and
	// no wait between attempts.
	if n := attempts.Load(); n != 3 {
		t.Fatalf("%d attempts observed, want 3", n)
	}
}

func TestRawCancel(t *testing.T) {
	const size = 4 << 20
	first := randomBytes(t, 64<<10)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	s := newConnServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/slow-head") {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		// Part of the body, then nothing until the client goes.
		w.Header().Set("Content-Length", strconv.Itoa(size))
		w.Write(first)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	c := clientFor(t, s.URL)

	t.Run("waiting for the answer", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.GetObject(ctx, "slow-head", "", "", Conditions{})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %v", d)
		}
	})
	for _, mode := range readModes {
		t.Run("mid-body/"+mode.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r, err := c.GetObject(ctx, "k", "", "", Conditions{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Body.Close()
			// Cancel once the first part has arrived: the read then
			// waits for bytes that never come.
			time.AfterFunc(100*time.Millisecond, cancel)
			start := time.Now()
			got, err := mode.read(r.Body)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("got %d bytes and %v, want context.Canceled", len(got), err)
			}
			if !bytes.Equal(got, first) {
				t.Fatalf("got %d bytes before the cancel, want the %d sent", len(got), len(first))
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
	// Nothing of a cancelled call is kept: every GET dialled anew.
	if n, want := s.conns.Load(), int32(1+len(readModes)); n != want {
		t.Fatalf("%d connections, want %d", n, want)
	}
}

// TestRawBodySplices streams a GET body to a net/http server's answer as
// the gateway does, and checks the bytes went by the server's ReadFrom,
// which splices them from socket to socket.
func TestRawBodySplices(t *testing.T) {
	c := newTestClient(t)
	body := randomBytes(t, 3<<20+7)
	put(t, c, "big", body, nil)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rd, err := c.GetObject(r.Context(), "big", "", r.Header.Get("Range"), Conditions{})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer rd.Body.Close()
		w.Header().Set("Content-Length", strconv.FormatInt(rd.ContentLength, 10))
		w.Header().Set("Content-Type", "application/octet-stream")
		if _, err := io.Copy(w, rd.Body); err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(front.Close)
	before := ZeroCopyBytes()
	resp, err := http.Get(front.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("got %d bytes, want %d", len(got), len(body))
	}
	// All but what the connection's reader held with the headers.
	if n := ZeroCopyBytes() - before; n < int64(len(body))-rawBufferSize {
		t.Fatalf("%d of %d bytes handed to ReadFrom", n, len(body))
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestRawPoolOrder(t *testing.T) {
	base := time.Now()
	at := func(s int) time.Time { return base.Add(time.Duration(s) * time.Second) }
	tests := []struct {
		name     string
		action   func(p *rawPool) *rawConn
		wantTake int   // idleSince (s) of the connection taken; -1 for none
		wantLeft []int // idleSince (s) of those left, oldest first
	}{
		{name: "newest first", action: func(p *rawPool) *rawConn { return p.take(at(3)) },
			wantTake: 3, wantLeft: []int{1, 2}},
		{name: "expired dropped", action: func(p *rawPool) *rawConn { p.idleTimeout = 1500 * time.Millisecond; return p.take(at(4)) },
			wantTake: 3, wantLeft: []int{}},
		{name: "all expired", action: func(p *rawPool) *rawConn { p.idleTimeout = time.Second; return p.take(at(10)) },
			wantTake: -1, wantLeft: []int{}},
		{name: "older than a stale one dropped", action: func(p *rawPool) *rawConn { p.dropIdleSince(at(2)); return nil },
			wantTake: -1, wantLeft: []int{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &rawPool{idleTimeout: time.Hour, maxIdle: 10}
			for s := 1; s <= 3; s++ {
				a, b := net.Pipe()
				t.Cleanup(func() { a.Close(); b.Close() })
				p.idle = append(p.idle, &rawConn{conn: a, idleSince: at(s)})
			}
			rc := tt.action(p)
			got := -1
			if rc != nil {
				got = int(rc.idleSince.Sub(base) / time.Second)
			}
			left := []int{}
			for _, c := range p.idle {
				left = append(left, int(c.idleSince.Sub(base)/time.Second))
			}
			if got != tt.wantTake || fmt.Sprint(left) != fmt.Sprint(tt.wantLeft) {
				t.Fatalf("took %d, left %v; want %d and %v", got, left, tt.wantTake, tt.wantLeft)
			}
		})
	}
}

// A HEAD goes over the raw pool too: its answer ends with its headers, so
// the connection is kept for the next call unless the answer closes it.
func TestRawHead(t *testing.T) {
	body := randomBytes(t, 1<<10)
	tests := []struct {
		name      string
		key       string
		wantErr   string
		wantIdle  int   // connections kept after the HEAD
		wantConns int32 // after a GET that follows it
	}{
		{name: "object", key: "k", wantIdle: 1, wantConns: 1},
		{name: "missing object", key: "missing", wantErr: "NoSuchKey", wantIdle: 1, wantConns: 1},
		{name: "answer that closes", key: "close", wantIdle: 0, wantConns: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newConnServer(t, objectServer(body))
			c := clientFor(t, s.URL)
			o, err := c.HeadObject(ctxT(t), tt.key, "")
			if tt.wantErr != "" {
				wantCode(t, err, tt.wantErr, 404)
			} else if err != nil || o.Size != int64(len(body)) {
				t.Fatalf("HEAD: %+v, %v", o, err)
			}
			if n := len(c.raw.idle); n != tt.wantIdle {
				t.Fatalf("%d connections kept, want %d", n, tt.wantIdle)
			}
			if got, _ := get(t, c, "k", ""); !bytes.Equal(got, body) {
				t.Fatalf("GET after the HEAD: %d bytes, want %d", len(got), len(body))
			}
			if n := s.conns.Load(); n != tt.wantConns {
				t.Fatalf("%d connections, want %d", n, tt.wantConns)
			}
			if n := s.requests.Load(); n != 2 {
				t.Fatalf("%d requests answered, want 2", n)
			}
		})
	}
}
