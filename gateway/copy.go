package gateway

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/rclone/gofakes3"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/internal/s3time"
)

// copyRequest is a CopyObject as the gateway carries it out.
type copyRequest struct {
	src, dst objectRef
	// meta replaces the source's metadata; nil keeps it
	// (x-amz-metadata-directive COPY).
	meta map[string]string
	// replaceTags, with tagging (URL-encoded, possibly empty), replaces the
	// source's tags (x-amz-tagging-directive REPLACE).
	replaceTags bool
	tagging     string
	// header holds the x-amz-copy-source-if-* conditions.
	header http.Header
	// lock are the copy's object lock headers: a copy gets its own, never
	// the source's.
	lock map[string]string
}

// copyResult is the body of a CopyObject answer.
type copyResult struct {
	XMLName      xml.Name `xml:"CopyObjectResult"`
	Xmlns        string   `xml:"xmlns,attr"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
}

// serveCopy answers CopyObject. gofakes3 ignores the source's versionId,
// merges metadata whatever the directive, checks conditions against a hex
// ETag and returns no version ID.
func (g *Gateway) serveCopy(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	c, err := parseCopy(r, bucket, key)
	if err != nil {
		return err
	}
	out, err := g.copyObject(r.Context(), c)
	if err != nil {
		return err
	}
	if out.dstVersioned {
		w.Header().Set("x-amz-version-id", out.made.VersionID)
	}
	if out.srcVersioned {
		w.Header().Set("x-amz-copy-source-version-id", out.src.VersionID)
	}
	writeXML(w, http.StatusOK, copyResult{
		Xmlns:        "http://s3.amazonaws.com/doc/2006-03-01/",
		ETag:         quoteETag(out.made.ETag),
		LastModified: s3time.ISO(out.made.LastModified),
	})
	return nil
}

// parseCopy reads and checks the headers of a CopyObject.
func parseCopy(r *http.Request, bucket, key string) (copyRequest, error) {
	h := r.Header
	if err := checkACLHeaders(h); err != nil {
		return copyRequest{}, err
	}
	if err := checkEncryption(h); err != nil {
		return copyRequest{}, err
	}
	if len(key) > gofakes3.KeySizeLimit {
		return copyRequest{}, errKeyTooLong
	}
	src, err := parseCopySource(h.Get("X-Amz-Copy-Source"))
	if err != nil {
		return copyRequest{}, err
	}
	c := copyRequest{src: src, dst: objectRef{bucket: bucket, key: key}, header: h, lock: lockOf(headerValues(h))}
	switch d := h.Get("X-Amz-Metadata-Directive"); d {
	case "", "COPY":
		if src.bucket == bucket && src.key == key && src.version == "" {
			return c, s3err.New(s3err.InvalidRequest,
				"This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
		}
	case "REPLACE":
		if c.meta, err = headerMetadata(h); err != nil {
			return c, err
		}
	default:
		return c, s3err.New(s3err.InvalidArgument, "Unknown metadata directive.")
	}
	switch d := h.Get("X-Amz-Tagging-Directive"); d {
	case "", "COPY":
	case "REPLACE":
		c.replaceTags, c.tagging = true, h.Get("X-Amz-Tagging")
		if _, err := parseTags(c.tagging); err != nil {
			return c, err
		}
	default:
		return c, s3err.New(s3err.InvalidArgument, "Unknown tagging directive %q: use COPY or REPLACE.", d)
	}
	return c, nil
}

// parseCopySource parses x-amz-copy-source: [/]bucket/key[?versionId=id],
// the key URL-encoded.
func parseCopySource(s string) (objectRef, error) {
	bad := s3err.New(s3err.InvalidArgument,
		"Copy Source must mention the source bucket and key: sourcebucket/sourcekey[?versionId=id].")
	p, query, _ := strings.Cut(s, "?")
	p, err := url.PathUnescape(strings.TrimPrefix(p, "/"))
	if err != nil {
		return objectRef{}, bad
	}
	bucket, key, _ := strings.Cut(p, "/")
	if bucket == "" || key == "" {
		return objectRef{}, bad
	}
	if !utf8.ValidString(key) {
		return objectRef{}, errKeyNotUTF8
	}
	ref := objectRef{bucket: bucket, key: key}
	// Clients send the version ID as it is; a '+' in it is no space.
	for _, param := range strings.Split(query, "&") {
		v, ok := strings.CutPrefix(param, "versionId=")
		if !ok {
			continue
		}
		if ref.version, err = url.PathUnescape(v); err != nil {
			return objectRef{}, bad
		}
		if ref.version == "" {
			return objectRef{}, s3err.New(s3err.InvalidArgument, "Version id cannot be the empty string.")
		}
	}
	return ref, nil
}

// copied is the outcome of a copy.
type copied struct {
	made, src                  index.Version
	dstVersioned, srcVersioned bool
}

// copyObject copies a source version to the destination, on the backend
// server when both buckets share a location, and records the copy.
func (g *Gateway) copyObject(ctx context.Context, c copyRequest) (copied, error) {
	if err := g.refuseWhenIndexFull(); err != nil {
		return copied{}, err
	}
	dst, err := g.target(c.dst.bucket)
	if err != nil {
		return copied{}, err
	}
	st, err := g.target(c.src.bucket)
	if err != nil {
		return copied{}, err
	}
	sv, err := g.find(ctx, st, c.src.key, c.src.version, c.src.version != "")
	if err != nil {
		return copied{}, err
	}
	if sv.IsDeleteMarker {
		if c.src.version != "" {
			return copied{}, s3err.New(s3err.InvalidRequest,
				"The source of a copy request may not specifically refer to a delete marker by version id.")
		}
		return copied{}, noSuchKey()
	}
	if err := checkConditions(c.header, copySourceConditions, sv, errPrecondition); err != nil {
		return copied{}, err
	}
	defer g.writing(ctx, dst, c.dst.key)()
	meta := sv.Metadata
	if c.meta != nil {
		meta = c.meta
	}
	var res backend.PutResult
	res, err = g.copyVersion(ctx, st, sv, dst, c, meta)
	if isNotFound(err) && c.src.version == "" {
		// The source was changed out of band: read it again, once.
		if sv, err = g.refreshKey(ctx, st, c.src.key); err != nil {
			return copied{}, err
		}
		if sv.IsDeleteMarker {
			return copied{}, noSuchKey()
		}
		if err := checkConditions(c.header, copySourceConditions, sv, errPrecondition); err != nil {
			return copied{}, err
		}
		if c.meta == nil {
			meta = sv.Metadata
		}
		res, err = g.copyVersion(ctx, st, sv, dst, c, meta)
	}
	if err != nil {
		return copied{}, err
	}
	v, err := g.record(dst, c.dst.key, res, sv.Size, withLock(meta, c.lock))
	return copied{made: v, src: sv, dstVersioned: dst.versioned(), srcVersioned: st.versioned()}, err
}

// copyVersion copies sv on the server when both buckets share a location,
// and streams it between locations otherwise.
func (g *Gateway) copyVersion(ctx context.Context, st target, sv index.Version, dst target, c copyRequest, meta map[string]string) (backend.PutResult, error) {
	if st.loc.Name == dst.loc.Name {
		return g.copyOnServer(ctx, st, sv, dst, c)
	}
	return g.copyThrough(ctx, st, sv, dst, c, meta)
}

// copyOnServer copies inside one backend bucket.
func (g *Gateway) copyOnServer(ctx context.Context, st target, sv index.Version, dst target, c copyRequest) (backend.PutResult, error) {
	res, err := dst.client.CopyObjectWith(ctx, st.key(sv.Key), st.pin(sv), dst.key(c.dst.key), c.meta, backend.Conditions{}, backend.PutOptions{Lock: c.lock})
	if err != nil {
		return res, fmt.Errorf("copy %s/%s to %s/%s on the backend: %w", st.bucket.Name, sv.Key, dst.bucket.Name, c.dst.key, err)
	}
	if !c.replaceTags {
		return res, nil
	}
	tags, _ := parseTags(c.tagging)
	pin := dst.pin(index.Version{VersionID: res.VersionID})
	if len(tags) == 0 {
		err = dst.client.DeleteTagging(ctx, dst.key(c.dst.key), pin)
	} else {
		err = dst.client.PutTagging(ctx, dst.key(c.dst.key), pin, tags)
	}
	if err != nil {
		return res, fmt.Errorf("tag the copy %s/%s: %w", dst.bucket.Name, c.dst.key, err)
	}
	return res, nil
}

// copyThrough streams a copy between locations.
func (g *Gateway) copyThrough(ctx context.Context, st target, sv index.Version, dst target, c copyRequest, meta map[string]string) (backend.PutResult, error) {
	tagging := c.tagging
	if !c.replaceTags {
		tags, err := st.client.GetTagging(ctx, st.key(sv.Key), st.pin(sv))
		if err != nil {
			return backend.PutResult{}, fmt.Errorf("read the tags of %s/%s: %w", st.bucket.Name, sv.Key, err)
		}
		tagging = encodeTags(tags)
	}
	rd, err := st.client.GetObject(ctx, st.key(sv.Key), st.pin(sv), "", backend.Conditions{})
	if err != nil {
		return backend.PutResult{}, fmt.Errorf("read %s/%s from the backend: %w", st.bucket.Name, sv.Key, err)
	}
	defer rd.Body.Close()
	body := &exactReader{r: rd.Body, left: sv.Size}
	res, err := dst.client.PutObject(ctx, dst.key(c.dst.key), body, sv.Size, meta, backend.PutOptions{Tagging: tagging, Lock: c.lock})
	if err != nil {
		return res, body.cause(fmt.Errorf("write the copy %s/%s to the backend: %w", dst.bucket.Name, c.dst.key, err))
	}
	return res, nil
}

// checkEncryption refuses encryption options the gateway cannot pass on.
func checkEncryption(h http.Header) error {
	switch sse := h.Get("X-Amz-Server-Side-Encryption"); sse {
	case "", "AES256":
	default:
		return s3err.New(s3err.NotImplemented, "Server-side encryption %q is not supported.", sse)
	}
	for k := range h {
		if strings.Contains(k, "-Server-Side-Encryption-Customer-") {
			return s3err.New(s3err.NotImplemented, "%s is not supported.", k)
		}
	}
	return nil
}
