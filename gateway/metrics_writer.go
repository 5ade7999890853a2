package gateway

import (
	"io"
	"net/http"
	"sync/atomic"
)

// recorder is the thinnest ResponseWriter wrapper that learns the status
// and counts body bytes. It keeps the fast paths of the writer it wraps:
// ReadFrom (so io.Copy from a backend body needs no buffer of its own),
// Flush, and Unwrap for http.ResponseController.
type recorder struct {
	http.ResponseWriter
	status int
	sent   int64
}

func (w *recorder) WriteHeader(code int) {
	// 1xx responses (100 Continue) precede the real status.
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.sent += int64(n)
	return n, err
}

func (w *recorder) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	// io.Copy uses the wrapped writer's own ReadFrom when it has one.
	n, err := io.Copy(w.ResponseWriter, src)
	w.sent += n
	return n, err
}

func (w *recorder) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// countingBody counts the bytes of a request body as the handler reads
// them. The count is atomic because an HTTP client streaming the body to a
// backend reads it from its own goroutine, which may outlive the handler.
type countingBody struct {
	io.ReadCloser
	n atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}
