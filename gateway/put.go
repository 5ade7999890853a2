package gateway

import (
	"net/http"
	"net/textproto"
	"strings"

	"github.com/rclone/gofakes3"
)

// servePut answers a plain PutObject without gofakes3, which would hash
// the whole body with MD5 for an ETag the backend computes anyway: on a
// large upload that is the gateway's largest CPU cost after the payload
// hash the client signed. The body was already checked as it streamed
// (payload hash, Content-MD5, x-amz-checksum-*) by the authenticator.
// Writes with options only gofakes3 parses (tagging, encryption, object
// lock, conditions) go through gofakes3 as before.
func (g *Gateway) servePut(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	if len(key) > gofakes3.KeySizeLimit {
		return errKeyTooLong
	}
	if r.ContentLength < 0 {
		return errMissingContentLength
	}
	meta, err := headerMetadata(r.Header)
	if err != nil {
		return err
	}
	for k, vs := range r.Header {
		if strings.HasPrefix(k, checksumPrefix) && len(vs) > 0 {
			meta[k] = vs[0]
		}
	}
	t, v, err := g.putObject(r.Context(), bucket, key, meta, r.Body, r.ContentLength)
	if err != nil {
		return err
	}
	if t.versioned() {
		w.Header().Set("x-amz-version-id", v.VersionID)
	}
	for k, val := range v.Metadata {
		if strings.HasPrefix(k, checksumPrefix) {
			w.Header().Set(k, val)
		}
	}
	w.Header().Set("ETag", quoteETag(v.ETag))
	w.WriteHeader(http.StatusOK)
	return nil
}

// plainPutHeaders are the request headers that need gofakes3's handling
// of a PutObject: with any of them, the write goes through gofakes3.
var plainPutHeaders = []string{
	"X-Amz-Tagging", "If-None-Match", "If-Match",
	"X-Amz-Server-Side-Encryption", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id",
	"X-Amz-Server-Side-Encryption-Customer-Algorithm", "X-Amz-Server-Side-Encryption-Customer-Key",
	"X-Amz-Server-Side-Encryption-Customer-Key-Md5",
	"X-Amz-Object-Lock-Mode", "X-Amz-Object-Lock-Retain-Until-Date", "X-Amz-Object-Lock-Legal-Hold",
	"X-Amz-Website-Redirect-Location",
}

// isPlainPut reports whether a PutObject (no copy source, no query) can
// take the gateway's own path.
func isPlainPut(h http.Header) bool {
	for _, k := range plainPutHeaders {
		if _, ok := h[textproto.CanonicalMIMEHeaderKey(k)]; ok {
			return false
		}
	}
	return true
}
