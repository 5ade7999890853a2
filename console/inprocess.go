package console

import (
	"io"
	"net/http"
	"strconv"
	"sync"
)

// inProcess is an http.RoundTripper that serves each request with a
// handler in this process: the console's S3 calls take the gateway's own
// path (authentication, routes, write-through, index) without a socket,
// and a response body streams through a pipe rather than being held.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	sreq := req.Clone(req.Context())
	sreq.RequestURI = req.URL.RequestURI()
	sreq.RemoteAddr = "127.0.0.1:0"
	if sreq.Host == "" {
		sreq.Host = req.URL.Host
	}
	// A server sees the length the transport would have sent as a header.
	if sreq.Header.Get("Content-Length") == "" && (sreq.ContentLength > 0 ||
		sreq.ContentLength == 0 && (req.Method == http.MethodPut || req.Method == http.MethodPost)) {
		sreq.Header.Set("Content-Length", strconv.FormatInt(sreq.ContentLength, 10))
	}
	// Nothing waits for a 100 Continue in process.
	sreq.Header.Del("Expect")
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}
	pr, pw := io.Pipe()
	rw := &pipeResponse{header: http.Header{}, pw: pw, ready: make(chan struct{})}
	go func() {
		defer func() {
			if p := recover(); p != nil {
				rw.WriteHeader(http.StatusInternalServerError)
				pw.CloseWithError(io.ErrUnexpectedEOF)
				return
			}
			rw.WriteHeader(http.StatusOK)
			pw.Close()
		}()
		t.h.ServeHTTP(rw, sreq)
	}()
	select {
	case <-rw.ready:
	case <-req.Context().Done():
		pr.CloseWithError(req.Context().Err())
		return nil, req.Context().Err()
	}
	resp := &http.Response{
		Status: strconv.Itoa(rw.status) + " " + http.StatusText(rw.status), StatusCode: rw.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: rw.sent, Body: pr, Request: req, ContentLength: -1,
	}
	if n, err := strconv.ParseInt(rw.sent.Get("Content-Length"), 10, 64); err == nil {
		resp.ContentLength = n
	}
	if req.Method == http.MethodHead {
		resp.Body = http.NoBody
		pr.Close()
	}
	return resp, nil
}

// pipeResponse is the handler's side of an in-process round trip.
type pipeResponse struct {
	header http.Header
	sent   http.Header
	status int
	pw     *io.PipeWriter
	once   sync.Once
	ready  chan struct{}
}

func (p *pipeResponse) Header() http.Header { return p.header }

func (p *pipeResponse) WriteHeader(status int) {
	if status >= 100 && status < 200 && status != http.StatusSwitchingProtocols {
		// An informational answer (100 Continue) is not the response.
		return
	}
	p.once.Do(func() {
		p.status, p.sent = status, p.header.Clone()
		close(p.ready)
	})
}

func (p *pipeResponse) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return p.pw.Write(b)
}

// Flush lets handlers that flush (long copies) do so.
func (p *pipeResponse) Flush() {}
