package embedded

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rclone/gofakes3"
	"github.com/ringside/ringside/internal/s3time"
)

// copyResult is the answer to CopyObject or, by its XMLName, UploadPartCopy.
type copyResult struct {
	XMLName      xml.Name
	ETag         string
	LastModified string
}

// isoTime formats a time as S3 does in XML bodies.
func isoTime(t time.Time) string { return s3time.ISO(t) }

// copySource is the parsed x-amz-copy-source of a copy.
type copySource struct {
	bucket, key, versionID string
}

// parseCopySource reads "[/]bucket/key[?versionId=id]" with the key
// URL-encoded; '+' is read as a space, as gofakes3 and MinIO read it.
func parseCopySource(h string) (copySource, error) {
	path, query, _ := strings.Cut(h, "?")
	b, k, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	key, err := url.QueryUnescape(k)
	if !ok || b == "" || k == "" || err != nil {
		return copySource{}, gofakes3.ErrorInvalidArgument("x-amz-copy-source", h, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
	}
	src := copySource{bucket: b, key: key}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return copySource{}, gofakes3.ErrorInvalidArgument("x-amz-copy-source", h, "Invalid copy source encoding")
		}
		src.versionID = q.Get("versionId")
		if src.versionID == nullVersion {
			src.versionID = nullAlias
		}
	}
	return src, nil
}

// source finds the version a copy reads, checking the copy conditions.
func (f *front) source(r *http.Request) (copySource, *version, error) {
	src, err := parseCopySource(r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		return src, nil, err
	}
	v, err := f.store.lookup(src.bucket, src.key, src.versionID)
	if err != nil {
		return src, nil, err
	}
	if v.deleteMarker {
		if src.versionID != "" {
			return src, nil, gofakes3.ErrorMessage(gofakes3.ErrInvalidRequest, "The source of a copy request may not specifically refer to a delete marker by version id.")
		}
		return src, nil, gofakes3.KeyNotFound(src.key)
	}
	return src, v, checkCopyConditions(r.Header, v)
}

// checkCopyConditions checks x-amz-copy-source-if-* against the source;
// on a copy every failed condition is PreconditionFailed.
func checkCopyConditions(h http.Header, v *version) error {
	modified := v.modified.Truncate(time.Second)
	failed := false
	if m := h.Get("X-Amz-Copy-Source-If-Match"); m != "" {
		failed = !etagMatches(m, v.etag())
	} else if t, err := http.ParseTime(h.Get("X-Amz-Copy-Source-If-Unmodified-Since")); err == nil {
		failed = modified.After(t)
	}
	if m := h.Get("X-Amz-Copy-Source-If-None-Match"); m != "" {
		failed = failed || etagMatches(m, v.etag())
	} else if t, err := http.ParseTime(h.Get("X-Amz-Copy-Source-If-Modified-Since")); err == nil {
		failed = failed || !modified.After(t)
	}
	if failed {
		return gofakes3.ErrPreconditionFailed
	}
	return nil
}

// etagMatches reports whether an If-Match style list names etag.
func etagMatches(list, etag string) bool {
	etag = strings.Trim(etag, `"`)
	for _, tag := range strings.Split(list, ",") {
		tag = strings.Trim(strings.TrimPrefix(strings.TrimSpace(tag), "W/"), `"`)
		if tag == "*" || tag == etag {
			return true
		}
	}
	return false
}

// copyObject answers CopyObject, from any version of the source, with the
// VersionId of the copy made.
func (f *front) copyObject(w http.ResponseWriter, r *http.Request, bucket, key string) {
	if ok, _ := f.store.BucketExists(r.Context(), bucket); !ok {
		writeError(w, r, gofakes3.BucketNotFound(bucket))
		return
	}
	src, v, err := f.source(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	meta, err := copyMeta(r.Header, v, src.bucket == bucket && src.key == key && src.versionID == "")
	if err != nil {
		writeError(w, r, err)
		return
	}
	made, id, err := f.store.put(r.Context(), bucket, key, meta, v.body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if id != "" {
		w.Header().Set("x-amz-version-id", string(id))
	}
	if v.id != nullVersion {
		w.Header().Set("x-amz-copy-source-version-id", v.id)
	}
	writeXML(w, copyResult{XMLName: xml.Name{Local: "CopyObjectResult"}, ETag: made.etag(), LastModified: isoTime(made.modified)})
}

// copyMeta works out the metadata and tags of a copy of v from the
// metadata and tagging directives.
func copyMeta(h http.Header, v *version, toItself bool) (map[string]string, error) {
	directive := h.Get("X-Amz-Metadata-Directive")
	if directive != "" && directive != "COPY" && directive != "REPLACE" {
		return nil, gofakes3.ErrorInvalidArgument("x-amz-metadata-directive", directive, "Unknown metadata directive.")
	}
	if toItself && directive != "REPLACE" {
		return nil, gofakes3.ErrorMessage(gofakes3.ErrInvalidRequest, "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	meta := map[string]string{}
	if directive == "REPLACE" {
		meta = requestMeta(h)
	} else {
		for k, val := range v.meta {
			meta[k] = val
		}
	}
	delete(meta, gofakes3.TaggingMetadataKey)
	tags := v.meta[gofakes3.TaggingMetadataKey]
	switch d := h.Get("X-Amz-Tagging-Directive"); d {
	case "", "COPY":
	case "REPLACE":
		var err error
		if tags, err = parseTaggingHeader(h.Get("X-Amz-Tagging")); err != nil {
			return nil, err
		}
	default:
		return nil, gofakes3.ErrorInvalidArgument("x-amz-tagging-directive", d, "Unknown tagging directive.")
	}
	if tags != "" {
		meta[gofakes3.TaggingMetadataKey] = tags
	}
	return meta, nil
}

// requestMeta is the object metadata in request headers, as gofakes3
// keeps it on a write.
func requestMeta(h http.Header) map[string]string {
	meta := map[string]string{}
	for k, vals := range h {
		k = textproto.CanonicalMIMEHeaderKey(k)
		switch {
		case len(vals) == 0:
		case k == "Cache-Control", k == "Content-Disposition", k == "Content-Language", k == "Content-Type",
			k == "Expires", k == "X-Amz-Storage-Class", k == "X-Amz-Website-Redirect-Location",
			strings.HasPrefix(k, "X-Amz-Meta-"):
			meta[k] = vals[0]
		case k == "Content-Encoding" && !strings.EqualFold(vals[0], "aws-chunked"):
			meta[k] = vals[0]
		}
	}
	return meta
}

// copyRange matches a valid x-amz-copy-source-range.
var copyRange = regexp.MustCompile(`^bytes=([0-9]+)-([0-9]+)$`)

// uploadPartCopy answers UploadPartCopy from any version of the source. The
// bytes are handed to gofakes3 as an UploadPart, so that gofakes3's
// bookkeeping of the upload and the store's parts stay in step.
func (f *front) uploadPartCopy(w http.ResponseWriter, r *http.Request, bucket, key string) {
	_, v, err := f.source(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	data := v.body
	if rng := r.Header.Get("X-Amz-Copy-Source-Range"); rng != "" {
		m := copyRange.FindStringSubmatch(rng)
		if m == nil {
			writeError(w, r, gofakes3.ErrorInvalidArgument("x-amz-copy-source-range", rng, "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy"))
			return
		}
		first, _ := strconv.ParseInt(m[1], 10, 64)
		last, _ := strconv.ParseInt(m[2], 10, 64)
		if first > last || last >= int64(len(data)) {
			writeError(w, r, gofakes3.ErrInvalidRange)
			return
		}
		data = data[first : last+1]
	}
	rec := &recorder{header: http.Header{}}
	f.fake.ServeHTTP(rec, partUpload(r, data))
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.status != http.StatusOK {
		rec.replay(w)
		return
	}
	if v.id != nullVersion {
		w.Header().Set("x-amz-copy-source-version-id", v.id)
	}
	writeXML(w, copyResult{XMLName: xml.Name{Local: "CopyPartResult"}, ETag: rec.header.Get("ETag"), LastModified: isoTime(time.Now())})
}

// partUpload turns an UploadPartCopy request into the UploadPart of data.
func partUpload(r *http.Request, data []byte) *http.Request {
	p := r.Clone(r.Context())
	for k := range p.Header {
		if strings.HasPrefix(k, "X-Amz-Copy-Source") || strings.HasPrefix(k, "X-Amz-Checksum") || k == "Content-Md5" || k == "X-Amz-Decoded-Content-Length" {
			p.Header.Del(k)
		}
	}
	p.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	p.Header.Set("Content-Length", fmt.Sprint(len(data)))
	p.ContentLength = int64(len(data))
	p.Body = io.NopCloser(bytes.NewReader(data))
	return p
}

// recorder keeps a response from gofakes3 for the front end to look at.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *recorder) Header() http.Header { return c.header }

func (c *recorder) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *recorder) Write(p []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	return c.body.Write(p)
}

// replay sends the kept response on.
func (c *recorder) replay(w http.ResponseWriter) {
	for k, v := range c.header {
		w.Header()[k] = v
	}
	w.WriteHeader(c.status)
	_, _ = w.Write(c.body.Bytes())
}
