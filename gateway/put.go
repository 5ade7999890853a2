package gateway

import (
	"net/http"
	"strings"

	"github.com/rclone/gofakes3"

	"github.com/ringside/ringside/backend"
)

// servePut answers every PutObject (a copy is serveCopy's): the body is
// streamed to the backend, never hashed or buffered here, since the
// authenticator already checked it as it streamed (payload hash,
// Content-MD5, x-amz-checksum-*) and the backend computes the ETag.
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
	if err := checkEncryption(r.Header); err != nil {
		return err
	}
	tagging, err := taggingHeader(r.Header.Get("X-Amz-Tagging"))
	if err != nil {
		return err
	}
	if tagging != "" {
		meta[gofakes3.TaggingMetadataKey] = tagging
	}
	if cond := r.Header.Get("If-None-Match"); cond != "" {
		t, err := g.target(bucket)
		if err != nil {
			return err
		}
		if err := g.checkIfNoneMatch(r.Context(), t, key, cond); err != nil {
			return err
		}
		requestOf(r.Context()).ifNoneMatch = cond
	}
	for k, vs := range r.Header {
		if (strings.HasPrefix(k, checksumPrefix) || backend.IsLockHeader(k)) && len(vs) > 0 {
			meta[k] = vs[0]
		}
	}
	body := g.fillOnWrite(r.Body, r.ContentLength)
	t, v, err := g.putObject(r.Context(), bucket, key, meta, body, r.ContentLength)
	if err != nil {
		return err
	}
	g.filled(body, t, v, tagging)
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
