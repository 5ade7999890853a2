package gateway

import (
	"io"
	"net/http"
	"sync/atomic"

	"github.com/ringside/ringside/internal/passthrough"
)

// recorder is the thinnest ResponseWriter wrapper that learns the status
// and counts body bytes; passthrough.Writer keeps the fast paths of the
// writer it wraps.
type recorder struct {
	passthrough.Writer
	status int
	sent   int64
}

func newRecorder() *recorder {
	r := &recorder{}
	r.Hooks = r
	return r
}

func (w *recorder) WriteHeader(code int) {
	// 1xx responses (100 Continue) precede the real status.
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Body notes the implicit 200 of a body sent without a status.
func (w *recorder) Body() bool {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return true
}

// Sent counts the body bytes.
func (w *recorder) Sent(n int64) { w.sent += n }

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
