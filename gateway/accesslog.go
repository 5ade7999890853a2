package gateway

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ringside/ringside/backend"
)

// accessLog logs one line per S3 request to log (nil: no access log). It
// wraps the whole chain, so that refusals by the authenticator are logged
// too and the duration is the client's. Nothing secret is logged: the
// access key is read from the request's credential scope, never the
// signature, and neither the query (which holds a presigned URL's
// signature) nor any header other than the request ID is logged.
//
// backendSeconds and backendCalls tell the backend's share of seconds:
// the backend calls made for the request and the time spent waiting on
// them, as backend.Timing counts it (a call's time to its answer's
// headers, plus the reads of its body). Calls made by background work the
// request set off (a mirror refresh) are not counted.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	if log == nil {
		return next
	}
	var seq atomic.Uint64
	seq.Store(uint64(time.Now().UnixNano()) >> 16)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, timing := backend.WithTiming(r.Context())
		r = r.WithContext(ctx)
		// A request the authenticator refuses never reaches the front
		// end, which numbers the others: this ID is the one its answer
		// and its line carry.
		w.Header()[requestIDHeader] = []string{requestID(seq.Add(1))}
		o := classify(r)
		rec := &accessWriter{ResponseWriter: w}
		var body *countingBody
		if r.Body != nil && r.Body != http.NoBody {
			body = &countingBody{ReadCloser: r.Body}
			r.Body = body
		}
		next.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		var in int64
		if body != nil {
			in = body.n.Load()
		}
		bucket, key, _ := strings.Cut(strings.TrimLeft(r.URL.Path, "/"), "/")
		log.LogAttrs(r.Context(), slog.LevelInfo, "s3 access",
			slog.String("requestId", w.Header().Get(requestIDHeader)),
			slog.String("remote", r.RemoteAddr),
			slog.String("accessKey", requestAccessKey(r)),
			slog.String("op", o.String()),
			slog.String("method", r.Method),
			slog.String("bucket", bucket),
			slog.String("key", key),
			slog.Int("status", status),
			slog.Int64("bytesIn", in),
			slog.Int64("bytesOut", rec.sent),
			slog.Float64("seconds", time.Since(start).Seconds()),
			slog.Float64("backendSeconds", timing.Elapsed().Seconds()),
			slog.Int64("backendCalls", timing.Calls()),
		)
	})
}

// requestAccessKey is the access key a request claims, from the
// Credential of its Authorization header (SigV4 or V2) or of its presigned
// query; "" for an anonymous request. It is what the client sent, whether
// or not the signature verified: the status says that.
func requestAccessKey(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if _, rest, ok := strings.Cut(h, "Credential="); ok {
			ak, _, _ := strings.Cut(rest, "/")
			return ak
		}
		if rest, ok := strings.CutPrefix(h, "AWS "); ok {
			ak, _, _ := strings.Cut(rest, ":")
			return ak
		}
		return ""
	}
	q := r.URL.Query()
	if c := q.Get("X-Amz-Credential"); c != "" {
		ak, _, _ := strings.Cut(c, "/")
		return ak
	}
	return q.Get("AWSAccessKeyId")
}

// accessWriter learns a response's status and counts its body bytes,
// keeping the fast paths of the writer it wraps: ReadFrom (which lets a
// large GET go out by sendfile or splice), Flush, and Unwrap for
// http.ResponseController.
type accessWriter struct {
	http.ResponseWriter
	status int
	sent   int64
}

func (w *accessWriter) WriteHeader(code int) {
	// 1xx responses (100 Continue) precede the real status.
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *accessWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.sent += int64(n)
	return n, err
}

func (w *accessWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	// io.Copy uses the wrapped writer's own ReadFrom when it has one.
	n, err := io.Copy(w.ResponseWriter, src)
	w.sent += n
	return n, err
}

func (w *accessWriter) Flush() {
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *accessWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
