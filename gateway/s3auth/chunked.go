package s3auth

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/internal/sigv4"
)

// aws-chunked bodies (PutObject and UploadPart from current SDKs) are
// decoded in front of the router: chunk signatures and the trailing
// checksum are verified, and the handler behind gets the object's bytes
// with the object's length, as if the client had sent them plainly.

// isAWSChunked reports whether r's body is aws-chunked.
func isAWSChunked(r *http.Request, signed *signedRequest) bool {
	switch signed.payloadHash {
	case streamingSigned, streamingSignedTrailer, streamingUnsignedTrailer:
		return true
	}
	for _, v := range r.Header.Values("Content-Encoding") {
		for _, token := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(token), "aws-chunked") {
				return true
			}
		}
	}
	return false
}

// decodeChunked returns r unchanged unless its body is aws-chunked. Then it
// returns a request whose body is the decoded, verified data, with the
// transport headers of the encoding rewritten or removed. Failures found
// while the body streams are reported to guard.
func decodeChunked(r *http.Request, signed *signedRequest, guard *bodyGuard) (*http.Request, *s3err.Error) {
	if !isAWSChunked(r, signed) {
		return r, nil
	}
	decodedLen, e := decodedLength(r.Header)
	if e != nil {
		return r, e
	}
	trailer, e := parseTrailerSpec(r.Header.Get("X-Amz-Trailer"), signed.payloadHash)
	if e != nil {
		return r, e
	}
	dec := newChunkedReader(r.Body, signed, trailer, decodedLen, guard)

	r2 := r.Clone(r.Context())
	r2.Body = &chunkedBody{chunkedReader: dec, closer: r.Body}
	r2.ContentLength = decodedLen
	r2.TransferEncoding = nil
	h := r2.Header
	h.Set("Content-Length", strconv.FormatInt(decodedLen, 10))
	h.Set("X-Amz-Content-Sha256", sigv4.UnsignedPayload)
	h.Del("X-Amz-Decoded-Content-Length")
	h.Del("X-Amz-Trailer")
	if enc := withoutAWSChunked(h.Values("Content-Encoding")); enc != "" {
		h.Set("Content-Encoding", enc)
	} else {
		h.Del("Content-Encoding")
	}
	if decodedLen == 0 {
		// A handler need not read an empty body, so it is verified now.
		if err := dec.drain(); err != nil {
			return r, asRefusal(err)
		}
		r2.Body = http.NoBody
	}
	return r2, nil
}

// decodedLength parses X-Amz-Decoded-Content-Length, which an aws-chunked
// body must have.
func decodedLength(h http.Header) (int64, *s3err.Error) {
	v := h.Get("X-Amz-Decoded-Content-Length")
	if v == "" {
		return 0, errMissingDecodedLength
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, invalidArgument("x-amz-decoded-content-length must be a non-negative integer.")
	}
	return n, nil
}

// withoutAWSChunked is Content-Encoding without aws-chunked, which
// describes the request and not the object.
func withoutAWSChunked(values []string) string {
	var kept []string
	for _, v := range values {
		for _, token := range strings.Split(v, ",") {
			token = strings.TrimSpace(token)
			if token != "" && !strings.EqualFold(token, "aws-chunked") {
				kept = append(kept, token)
			}
		}
	}
	return strings.Join(kept, ", ")
}

// asRefusal is the refusal for an error found while decoding a body
// before the handler runs.
func asRefusal(err error) *s3err.Error {
	if e, ok := err.(*s3err.Error); ok {
		return e
	}
	return incompleteBody()
}
