package s3auth

import (
	"context"
	"net/http"
	"sync"

	"github.com/ringside/ringside/internal/passthrough"
	"github.com/ringside/ringside/internal/s3err"
)

// A body is verified while the handler behind reads it, so a mismatch
// surfaces inside the handler as a read error, often wrapped by whatever
// the handler was streaming to. The guard records it, and the guarded
// writer answers with the refusal instead of whatever the handler makes of
// the failed read.

// bodyGuard is the outcome of one request body's verification. Bodies may
// be read on another goroutine than the handler's (an HTTP client's
// writer), hence the lock.
type bodyGuard struct {
	mu       sync.Mutex
	failure  *s3err.Error
	checksum trailerChecksum
}

// fail records e unless a failure is already recorded.
func (g *bodyGuard) fail(e *s3err.Error) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failure == nil {
		g.failure = e
	}
}

// failed returns the body's failure, nil if none so far.
func (g *bodyGuard) failed() *s3err.Error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.failure
}

// setChecksum records the verified trailing checksum.
func (g *bodyGuard) setChecksum(name, value string) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.checksum = trailerChecksum{name: name, value: value}
}

func (g *bodyGuard) verifiedChecksum() trailerChecksum {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.checksum
}

type bodyGuardKey struct{}

// BodyChecksum returns the checksum an aws-chunked body carried in its
// trailer, as the x-amz-checksum-<algorithm> header it stands for, once
// the body has been read to its end and the checksum verified; "" before
// that or when there is none. A trailer arrives after the data, so unlike
// a checksum header it cannot be among the request headers the handler
// starts with: code that stores checksums asks here after the body.
func BodyChecksum(ctx context.Context) (name, value string) {
	g, _ := ctx.Value(bodyGuardKey{}).(*bodyGuard)
	if g == nil {
		return "", ""
	}
	c := g.verifiedChecksum()
	return c.name, c.value
}

// guardedWriter answers with the body's refusal if the body failed before
// the handler's response starts, discarding the handler's response.
type guardedWriter struct {
	passthrough.Writer
	req     *http.Request
	guard   *bodyGuard
	before  http.Header // the response headers set before the handler ran
	started bool
	refused bool
}

func newGuardedWriter(w http.ResponseWriter, r *http.Request, g *bodyGuard) *guardedWriter {
	gw := &guardedWriter{req: r, guard: g}
	gw.Writer = passthrough.Writer{ResponseWriter: w, Hooks: gw}
	if h := w.Header(); len(h) > 0 {
		// Usually there is nothing to keep, and an empty map's clone
		// still costs a map.
		gw.before = h.Clone()
	}
	return gw
}

func (w *guardedWriter) WriteHeader(status int) {
	if w.started {
		if !w.refused {
			w.ResponseWriter.WriteHeader(status)
		}
		return
	}
	if status < 200 {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.started = true
	if e := w.guard.failed(); e != nil {
		w.refuse(e)
		return
	}
	if c := w.guard.verifiedChecksum(); c.name != "" && status < 300 && w.Header().Get(c.name) == "" {
		// S3 echoes the checksum of an upload in its response.
		w.Header().Set(c.name, c.value)
	}
	w.ResponseWriter.WriteHeader(status)
}

// Body starts the response before its first byte or flush, and discards
// the handler's answer to a body that failed.
func (w *guardedWriter) Body() bool {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	return !w.refused
}

// Sent is nothing to the guard.
func (w *guardedWriter) Sent(int64) {}

// finish sends the response header if the handler did not, as the server
// would, so that it too gets the body's refusal or checksum.
func (w *guardedWriter) finish() {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
}

// refuse replaces the response with e, dropping the headers the handler set.
func (w *guardedWriter) refuse(e *s3err.Error) {
	w.started, w.refused = true, true
	h := w.ResponseWriter.Header()
	for k := range h {
		delete(h, k)
	}
	for k, v := range w.before {
		h[k] = v
	}
	s3err.Write(w.ResponseWriter, w.req, e)
}
