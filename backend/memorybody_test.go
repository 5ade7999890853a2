package backend

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// writeCounter counts the writes made to it, as a connection would count
// its write system calls. It is no io.ByteWriter, so that a request
// written to it is buffered as on a connection.
type writeCounter struct {
	writes int
	sent   bytes.Buffer
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes++
	return w.sent.Write(p)
}

// writingTransport writes each request as Go's transport would to a
// connection, and answers 200.
type writingTransport struct{ conn *writeCounter }

func (t writingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Write(t.conn); err != nil {
		return nil, err
	}
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
}

// TestMemoryBodyGoesWithItsHeaders: a body read whole beforehand reaches
// the transport as the in-memory reader it is, which writes it in the
// same write as the headers; a streamed body is still watched while it is
// read, and its headers go first.
func TestMemoryBodyGoesWithItsHeaders(t *testing.T) {
	const body = "four KiB or so of an object"
	for _, tt := range []struct {
		name       string
		ctx        func(context.Context) context.Context
		body       io.Reader
		wantWrites int
	}{
		{"read whole", withMemoryBody, bytes.NewReader([]byte(body)), 1},
		{"streamed", func(ctx context.Context) context.Context { return ctx }, io.LimitReader(strings.NewReader(body), int64(len(body))), 2},
		{"unmarked in-memory reader", func(ctx context.Context) context.Context { return ctx }, bytes.NewReader([]byte(body)), 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn := &writeCounter{}
			g := guarded{next: writingTransport{conn}, timeouts: Timeouts{}.withDefaults(), health: newHealth("loc", Options{})}
			ctx := tt.ctx(withOperation(context.Background(), "PutObject"))
			req, err := http.NewRequestWithContext(ctx, http.MethodPut, "http://127.0.0.1:1/bucket/key", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Body, req.ContentLength = io.NopCloser(tt.body), int64(len(body))
			resp, err := g.RoundTrip(req)
			if err != nil {
				t.Fatalf("round trip: %v", err)
			}
			resp.Body.Close()
			if conn.writes != tt.wantWrites {
				t.Errorf("request written in %d writes, want %d", conn.writes, tt.wantWrites)
			}
			if !strings.HasSuffix(conn.sent.String(), "\r\n\r\n"+body) {
				t.Errorf("request sent:\n%q\nwant it to end with the body", conn.sent.String())
			}
		})
	}
}
