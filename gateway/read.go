package gateway

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/internal/s3time"
)

// serveRead answers GET and HEAD of an object. HEAD comes from the index
// alone; GET streams the indexed version from the backend. gofakes3 would
// render a multipart ETag as hex, ignore versionId on HEAD and read
// "null" as the latest version.
func (g *Gateway) serveRead(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	ctx := r.Context()
	req := requestOf(ctx)
	t, err := g.target(bucket)
	if err != nil {
		return err
	}
	part := ""
	if r.URL.RawQuery != "" {
		part = routedQuery(r).Get("partNumber")
	}
	wantPart, err := partNumber(part, r.Header.Get("Range"))
	if err != nil {
		return err
	}
	// A latest version the backend no longer has was changed out of band:
	// the key is read again from the backend, once.
	v, err := g.find(ctx, t, key, req.version, req.hasVersion)
	if err != nil {
		return err
	}
	stale, err := g.readVersion(w, r, t, v, wantPart)
	if !stale {
		return err
	}
	if req.hasVersion {
		g.forget(t, v)
		return noSuchVersion()
	}
	if v, err = g.refreshKey(ctx, t, key); err != nil {
		return err
	}
	if stale, err = g.readVersion(w, r, t, v, wantPart); stale {
		return noSuchKey()
	}
	return err
}

// readVersion answers a GET or HEAD of version v of an object; stale
// reports that the backend no longer has v, before anything was written.
func (g *Gateway) readVersion(w http.ResponseWriter, r *http.Request, t target, v index.Version, wantPart int) (stale bool, err error) {
	req := requestOf(r.Context())
	if v.IsDeleteMarker {
		return false, deleteMarker(w, v, req.hasVersion)
	}
	if err := checkConditions(r.Header, readConditions, v, errNotModified); err != nil {
		if errors.Is(err, errNotModified) {
			writeValidators(w.Header(), t, v)
		}
		return false, err
	}
	span, stale, err := g.readSpan(w, r, t, v, wantPart)
	if stale || err != nil {
		return stale, err
	}
	if r.Method == http.MethodHead {
		writeObjectHeaders(w.Header(), r, t, v)
		writeSpanHeaders(w, span, v.Size, -1, "")
		return false, nil
	}
	if g.serveCached(w, r, t, v, span, wantPart) {
		return false, nil
	}
	rd, err := t.client.GetObject(r.Context(), t.key(v.Key), t.pin(v), span.header(), backend.Conditions{})
	if isNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s/%s from the backend: %w", t.bucket.Name, v.Key, err)
	}
	defer rd.Body.Close()
	g.diskMissed(t, v, wantPart)
	// The headers go straight into the answer: nothing was written for a
	// version found stale above, and nothing fails from here on but the
	// stream.
	writeObjectHeaders(w.Header(), r, t, v)
	if rd.TagCount > 0 {
		w.Header().Set("x-amz-tagging-count", strconv.Itoa(rd.TagCount))
	}
	// A small answer is held back and sent in one write, as a cached one
	// is: the headers alone, then a splice of a few KiB, would cost three
	// system calls and two wakeups of the client for one small object.
	release, held := holdAnswer(w, r, rd.ContentLength)
	writeSpanHeaders(w, span, v.Size, rd.ContentLength, rd.ContentRange)
	err = copyBody(w, r, g.fillOnRead(t, v, span, wantPart, rd), r.TLS == nil && !held)
	if held {
		// Sent even when the body failed: the client sees a short body,
		// as it would without holding.
		if rerr := release(); err == nil {
			err = rerr
		}
	}
	if err != nil {
		// The answer has started: the client sees a short body.
		g.log.Info("stream an object", "bucket", t.bucket.Name, "key", v.Key, "err", err)
	}
	return false, nil
}

// readSpan is the byte range a read of v asks for, by partNumber (when
// wantPart is set) or Range.
func (g *Gateway) readSpan(w http.ResponseWriter, r *http.Request, t target, v index.Version, wantPart int) (s *span, stale bool, err error) {
	if wantPart > 0 {
		return g.readPartSpan(w, r, t, v, wantPart)
	}
	s, err = parseRange(r.Header.Get("Range"), v.Size)
	if err != nil {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", v.Size))
	}
	return s, false, err
}

// copyBody streams a body to r's answer, whose Content-Length is set. On
// a plain connection (spliceable), a body read straight off its backend
// connection writes itself: through the ReadFrom of the writers on the
// way, the server splices it from that connection to the client's.
// Otherwise it is copied through a pooled buffer, which makes fewer and
// larger writes than the server's own ReadFrom would; over TLS each
// buffer's records leave in one write (copyInBatches).
func copyBody(w http.ResponseWriter, r *http.Request, body io.Reader, spliceable bool) error {
	if wt, ok := body.(io.WriterTo); ok && spliceable {
		_, err := wt.WriteTo(w)
		return err
	}
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	if hc := heldConnOf(r); hc != nil && r.TLS != nil {
		return copyInBatches(w, body, *buf, hc)
	}
	_, err := io.CopyBuffer(onlyWriter{w}, body, *buf)
	return err
}

// copyBufferSize is the size of the buffers object bodies are streamed
// through: larger than io.Copy's 32 KiB, so a large GET makes fewer reads
// and writes.
const copyBufferSize = 256 << 10

var copyBuffers = sync.Pool{New: func() any {
	b := make([]byte, copyBufferSize)
	return &b
}}

// onlyWriter hides the ReaderFrom of the response writer, which would copy
// through a buffer of its own instead of the pooled one.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(b []byte) (int, error) { return o.w.Write(b) }

// forget drops an indexed version the backend says is gone.
func (g *Gateway) forget(t target, v index.Version) {
	g.log.Warn("indexed version missing on the backend", "bucket", t.bucket.Name, "key", v.Key, "version", v.VersionID)
	if err := g.db.RemoveVersion(t.bucket.Name, v.Key, v.VersionID); err != nil {
		g.log.Warn("forget a missing version", "bucket", t.bucket.Name, "key", v.Key, "err", err)
	}
}

// deleteMarker answers a read that lands on a delete marker.
func deleteMarker(w http.ResponseWriter, v index.Version, named bool) error {
	w.Header().Set("x-amz-delete-marker", "true")
	w.Header().Set("x-amz-version-id", v.VersionID)
	if named {
		return errMethodNotAllowed
	}
	return noSuchKey()
}

// writeObjectHeaders writes the headers of a read of version v into h,
// with the response-* overrides the request asks for.
func writeObjectHeaders(h http.Header, r *http.Request, t target, v index.Version) {
	writeMetadata(h, v.Metadata)
	writeChecksum(h, r, v.Metadata)
	writeValidators(h, t, v)
	h["Accept-Ranges"] = acceptBytes
	if r.URL.RawQuery != "" {
		overrideHeaders(h, routedQuery(r))
	}
}

// acceptBytes is the Accept-Ranges of every object read; it is shared,
// and never modified.
var acceptBytes = []string{"bytes"}

// writeValidators writes the headers that identify version v, which a 304
// carries too.
func writeValidators(h http.Header, t target, v index.Version) {
	h["Etag"] = []string{quoteETag(v.ETag)}
	h["Last-Modified"] = []string{s3time.HTTPDate(v.LastModified)}
	if t.versioned() {
		h["X-Amz-Version-Id"] = []string{v.VersionID}
	}
}

// responseOverrides maps the response-* parameters of a GET to the headers
// they replace.
var responseOverrides = map[string]string{
	"response-content-type":        "Content-Type",
	"response-content-language":    "Content-Language",
	"response-expires":             "Expires",
	"response-cache-control":       "Cache-Control",
	"response-content-disposition": "Content-Disposition",
	"response-content-encoding":    "Content-Encoding",
}

func overrideHeaders(h http.Header, q url.Values) {
	for param, name := range responseOverrides {
		if v := q.Get(param); v != "" {
			h.Set(name, v)
		}
	}
}

// conditionHeaders names the headers of a request's conditions.
type conditionHeaders struct {
	ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince string
}

var (
	readConditions = conditionHeaders{
		ifMatch:           "If-Match",
		ifNoneMatch:       "If-None-Match",
		ifModifiedSince:   "If-Modified-Since",
		ifUnmodifiedSince: "If-Unmodified-Since",
	}
	copySourceConditions = conditionHeaders{
		ifMatch:           "X-Amz-Copy-Source-If-Match",
		ifNoneMatch:       "X-Amz-Copy-Source-If-None-Match",
		ifModifiedSince:   "X-Amz-Copy-Source-If-Modified-Since",
		ifUnmodifiedSince: "X-Amz-Copy-Source-If-Unmodified-Since",
	}
)

var (
	// errNotModified is the failure of a read's If-None-Match or
	// If-Modified-Since.
	errNotModified = s3err.New(s3err.NotModified, "Not Modified")
	// errPrecondition is the failure of If-Match or If-Unmodified-Since,
	// and of any condition on a copy source.
	errPrecondition = s3err.New(s3err.PreconditionFailed, "At least one of the pre-conditions you specified did not hold.")
)

// checkConditions checks the conditional headers of h against v as S3
// does: If-Unmodified-Since is ignored when If-Match is given, and
// If-Modified-Since when If-None-Match is. A failed If-None-Match or
// If-Modified-Since returns notModified.
func checkConditions(h http.Header, names conditionHeaders, v index.Version, notModified error) error {
	if m := h.Get(names.ifMatch); m != "" {
		if !etagMatches(m, v.ETag) {
			return errPrecondition
		}
	} else if since, ok := httpTime(h.Get(names.ifUnmodifiedSince)); ok && modifiedAfter(v.LastModified, since) {
		return errPrecondition
	}
	if m := h.Get(names.ifNoneMatch); m != "" {
		if etagMatches(m, v.ETag) {
			return notModified
		}
	} else if since, ok := httpTime(h.Get(names.ifModifiedSince)); ok && !modifiedAfter(v.LastModified, since) {
		return notModified
	}
	return nil
}

// httpTime parses an HTTP date; ok is false for none or an invalid one,
// which S3 ignores.
func httpTime(s string) (t time.Time, ok bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := http.ParseTime(s)
	return t, err == nil
}

// modifiedAfter compares at S3's resolution of a second.
func modifiedAfter(lastModified, t time.Time) bool {
	return lastModified.Truncate(time.Second).After(t)
}

// partNumber parses the partNumber of a GET or HEAD (parts.go).
func partNumber(v, rangeHeader string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 10000 {
		return 0, s3err.New(s3err.InvalidArgument,
			"Part number must be an integer between 1 and 10000, inclusive.")
	}
	if rangeHeader != "" {
		return 0, s3err.New(s3err.InvalidRequest,
			"Cannot specify both Range header and partNumber query parameter")
	}
	return n, nil
}

// span is a byte range of an object; nil is the whole object.
type span struct{ first, last int64 }

// header is the Range header that asks for s.
func (s *span) header() string {
	if s == nil {
		return ""
	}
	return fmt.Sprintf("bytes=%d-%d", s.first, s.last)
}

// parseRange resolves a Range header against an object of size bytes. S3
// serves one range: a header it cannot parse, or with several ranges, is
// ignored as HTTP allows; a range that starts past the end is refused.
func parseRange(h string, size int64) (*span, error) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, nil
	}
	unsatisfiable := s3err.New(s3err.InvalidRange,
		"The requested range is not satisfiable.")
	if first == "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return nil, nil
		}
		if n == 0 || size == 0 {
			return nil, unsatisfiable
		}
		return &span{first: max(size-n, 0), last: size - 1}, nil
	}
	a, err := strconv.ParseInt(first, 10, 64)
	if err != nil || a < 0 {
		return nil, nil
	}
	b := size - 1
	if last != "" {
		if b, err = strconv.ParseInt(last, 10, 64); err != nil || b < a {
			return nil, nil
		}
	}
	if a >= size {
		return nil, unsatisfiable
	}
	return &span{first: a, last: min(b, size-1)}, nil
}

// writeSpanHeaders writes the length and range of a read's body and its
// status. length and contentRange are what the backend sent, if known.
func writeSpanHeaders(w http.ResponseWriter, s *span, size, length int64, contentRange string) {
	if length < 0 {
		length = size
		if s != nil {
			length = s.last - s.first + 1
		}
	}
	w.Header().Set("Content-Length", strconv.FormatInt(length, 10))
	if s == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	if contentRange == "" {
		contentRange = fmt.Sprintf("bytes %d-%d/%d", s.first, s.last, size)
	}
	w.Header().Set("Content-Range", contentRange)
	w.WriteHeader(http.StatusPartialContent)
}
