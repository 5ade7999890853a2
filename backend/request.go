package backend

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The calls of the data path (GetObject, HeadObject, PutObject,
// UploadPart) are made here as signed HTTP requests rather than through
// the SDK, whose middleware stack cost about a third of the gateway's CPU
// on small objects. They keep the SDK's behaviour: path-style addressing,
// the same transport (and so the same TLS trust and Observe hook), a
// replayable call tried up to maxAttempts times, a body sent
// UNSIGNED-PAYLOAD and never retried, and failures read into *Error.

// userAgent names ringside to the backend, in its access logs.
var userAgent = []string{"ringside"}

// objectCall is one request on an object.
type objectCall struct {
	op        string // the S3 operation, for Observe and errors
	method    string
	key       string
	versionID string // the version named, so that a bare 404 reads as NoSuchVersion
	query     string // canonical: sorted by name, escaped
	headers   []signedHeader
	// body, of size bytes, is sent UNSIGNED-PAYLOAD, streamed unless it
	// is small, and never retried: the caller's stream cannot be read
	// twice. Nil for a call without a body, which may be replayed.
	body io.Reader
	size int64
	// raw says the answer may be read over a connection of the raw
	// pool, when the client has one.
	raw bool
	// held is the body when it was read whole (a small one); such a call
	// goes over the raw pool too, see rawput.go.
	held []byte
}

// set adds a header to the call; name is in lower case.
func (k *objectCall) set(name, value string) {
	k.headers = append(k.headers, signedHeader{name, value})
}

// setOnce adds a header, or replaces the value of one of the same name:
// metadata may name a header twice in different cases.
func (k *objectCall) setOnce(name, value string) {
	for i := range k.headers {
		if k.headers[i].name == name {
			k.headers[i].value = value
			return
		}
	}
	k.set(name, value)
}

// setIf adds a header when value is not empty.
func (k *objectCall) setIf(name, value string) {
	if value != "" {
		k.set(name, value)
	}
}

// do makes the call and returns its successful answer, whose body the
// caller closes. A failed answer is read and closed here, and returned as
// an *Error.
func (c *Client) do(ctx context.Context, k *objectCall) (*http.Response, error) {
	if k.body != nil && k.size > 0 && k.size <= smallBody {
		b, err := readSmall(k.body, k.size)
		if err != nil {
			return nil, fmt.Errorf("%s %s: read the body: %w", k.op, c.describe(k.key), err)
		}
		k.body, k.held = bytes.NewReader(b), b
		ctx = withMemoryBody(ctx)
	}
	ctx = withOperation(ctx, k.op)
	for attempt := 1; ; attempt++ {
		resp, err := c.attempt(ctx, k)
		if err == nil && resp.StatusCode/100 == 2 {
			return resp, nil
		}
		if err != nil {
			err = fmt.Errorf("%s %s: %w", k.op, c.describe(k.key), err)
		} else {
			err = c.answerError(k.op, k.versionID, resp)
		}
		if k.body != nil || attempt == maxAttempts || !retryable(ctx, err) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s %s: %w", k.op, c.describe(k.key), ctx.Err())
		case <-time.After(retryDelay << (2 * (attempt - 1))):
		}
	}
}

// smallBody is the size up to which a body is read whole before it is
// sent. Go's transport then writes the headers and the body in one
// system call, where it flushes the headers of a stream first; and the
// backend sees nothing of a body that fails its read.
const smallBody = 32 << 10

// readSmall reads the whole of a body of size bytes.
func readSmall(body io.Reader, size int64) ([]byte, error) {
	// One byte more than expected, to see the body end where it should.
	b := make([]byte, size+1)
	n, err := io.ReadFull(body, b)
	switch {
	case int64(n) > size:
		return nil, fmt.Errorf("the body is longer than its %d bytes", size)
	case int64(n) == size && (err == io.ErrUnexpectedEOF || err == io.EOF):
		return b[:size], nil
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		return nil, fmt.Errorf("the body ends after %d of its %d bytes: %w", n, size, io.ErrUnexpectedEOF)
	}
	return nil, err
}

// attempt sends the call once.
func (c *Client) attempt(ctx context.Context, k *objectCall) (*http.Response, error) {
	req := c.request(ctx, k, time.Now())
	if c.raw != nil && (k.raw && k.body == nil || k.held != nil) {
		return c.rawAttempt(req, k.op)
	}
	return c.http.Do(req)
}

// request is the signed HTTP request of the call, made at now.
func (c *Client) request(ctx context.Context, k *objectCall, now time.Time) *http.Request {
	u := &url.URL{Scheme: c.endpoint.Scheme, Host: c.endpoint.Host, RawQuery: k.query}
	escaped := c.bucketPath
	u.Path = c.bucketPathRaw
	if k.key != "" {
		escaped += "/" + escape(k.key, true)
		u.Path += "/" + k.key
	}
	// Without RawPath, Go sends Path as is when it needs no escaping; with
	// it, each request would unescape RawPath again to check it.
	if escaped != u.Path {
		u.RawPath = escaped
	}
	header := make(http.Header, len(k.headers)+4)
	for _, h := range k.headers {
		header[canonicalName(h.name)] = []string{h.value}
	}
	header["User-Agent"] = userAgent
	req := (&http.Request{
		Method:     k.method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     header,
		Host:       c.host,
	}).WithContext(ctx)
	payloadHash := emptySHA256
	if k.body != nil {
		payloadHash = unsignedPayload
		req.ContentLength = k.size
		req.Body = http.NoBody
		if k.size > 0 {
			// The caller owns the body: the transport must not close it.
			req.Body = io.NopCloser(k.body)
		}
		if k.held != nil && c.raw != nil {
			held := k.held
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(held)), nil }
		}
	}
	var inline [24]signedHeader
	c.sign.sign(req, append(inline[:0], k.headers...), c.host, escaped, k.query, payloadHash, now)
	return req
}

// canonicalName is the header name a lower-case one is sent as: the
// canonical form for the standard ones, as is for the x-amz-* ones (header
// names are not case-sensitive, and these are many and varied).
func canonicalName(name string) string {
	switch name {
	case "cache-control":
		return "Cache-Control"
	case "content-disposition":
		return "Content-Disposition"
	case "content-encoding":
		return "Content-Encoding"
	case "content-language":
		return "Content-Language"
	case "content-md5":
		return "Content-Md5"
	case "content-type":
		return "Content-Type"
	case "expires":
		return "Expires"
	case "if-match":
		return "If-Match"
	case "if-modified-since":
		return "If-Modified-Since"
	case "if-none-match":
		return "If-None-Match"
	case "if-unmodified-since":
		return "If-Unmodified-Since"
	case "range":
		return "Range"
	}
	return name
}

// answerError reads a failed answer into an *Error and closes it.
func (c *Client) answerError(op, versionID string, resp *http.Response) error {
	defer resp.Body.Close()
	e := c.errorBody(op, versionID, resp)
	// What is left of a short error body is read so the connection is
	// kept.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return e
}

// retryable reports whether a failed call may succeed if tried again.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var be *Error
	if errors.As(err, &be) {
		switch be.Code {
		case "RequestTimeout", "SlowDown", "Throttling", "ThrottlingException":
			return true
		}
		return be.Status >= 500 || be.Status == http.StatusTooManyRequests
	}
	// The same certificate would fail its check again; a backend that
	// let a call time out, or whose breaker is open, is not answering.
	var verify *tls.CertificateVerificationError
	return !errors.As(err, &verify) && !noRetry(err)
}

// closeAnswer closes a successful answer whose body is not wanted, after
// reading what little it has so that the connection is kept.
func closeAnswer(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// objectOf reads an object's description from the headers of a GET or
// HEAD answer. Unparsable numbers and dates read as zero rather than
// failing a read whose body is fine.
func objectOf(key string, h http.Header) Object {
	o := Object{
		Key:       key,
		VersionID: orNull(first(h, "X-Amz-Version-Id")),
		ETag:      first(h, "Etag"),
		Metadata:  metadataOf(h),
	}
	o.Size = count(h, "Content-Length")
	if t, err := http.ParseTime(first(h, "Last-Modified")); err == nil {
		o.LastModified = t
	}
	o.TagCount = int(count(h, "X-Amz-Tagging-Count"))
	o.PartCount = int(count(h, "X-Amz-Mp-Parts-Count"))
	return o
}

// count is the number a header holds, 0 when it is absent or not a
// number. An absent one is not parsed: the error strconv would make of ""
// cost allocations on every HEAD.
func count(h http.Header, name string) int64 {
	v := first(h, name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// first is the first value of the header with canonical name, trimmed.
func first(h http.Header, name string) string {
	if vs := h[name]; len(vs) > 0 {
		return strings.TrimSpace(vs[0])
	}
	return ""
}

// metadataOf is the metadata map of an answer's headers, as Object has it.
// Go's client gives response headers their canonical names, which are the
// names the map wants.
func metadataOf(h http.Header) map[string]string {
	meta := make(map[string]string, 4)
	for _, name := range StoredHeaders {
		if v := first(h, name); v != "" {
			meta[name] = v
		}
	}
	for _, name := range LockHeaders {
		if v := first(h, name); v != "" {
			meta[name] = v
		}
	}
	for name, vs := range h {
		if strings.HasPrefix(name, userMetaPrefix) && len(vs) > 0 {
			meta[name] = DecodeMetaValue(strings.TrimSpace(vs[0]))
		}
	}
	return meta
}
