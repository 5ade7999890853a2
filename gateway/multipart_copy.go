package gateway

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// serveUploadPartCopy answers UploadPartCopy: a part copied from a version
// of an object, named by the index (with x-amz-copy-source's versionId)
// and checked against the x-amz-copy-source-if-* conditions. The copy is
// made on the backend server when both buckets share a location, and
// streamed between locations otherwise.
func (g *Gateway) serveUploadPartCopy(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	q := r.URL.Query()
	id, err := uploadIDOf(q)
	if err != nil {
		return err
	}
	part, err := partNumberOf(q)
	if err != nil {
		return err
	}
	if err := checkEncryption(r.Header); err != nil {
		return err
	}
	dst, err := g.target(bucket)
	if err != nil {
		return err
	}
	st, sv, err := g.partSource(r)
	if err != nil {
		return err
	}
	s, err := copySourceRange(r.Header.Get("X-Amz-Copy-Source-Range"), sv.Size)
	if err != nil {
		return err
	}
	etag, lastModified, err := g.copyPart(r.Context(), st, sv, s, dst, key, id, part)
	if err != nil {
		return err
	}
	if st.versioned() {
		w.Header().Set("x-amz-copy-source-version-id", sv.VersionID)
	}
	writeXML(w, http.StatusOK, copyPartResult{Xmlns: s3Namespace, ETag: quoteETag(etag), LastModified: isoTime(lastModified)})
	return nil
}

// partSource finds the version an UploadPartCopy copies from, and checks
// the copy conditions against it.
func (g *Gateway) partSource(r *http.Request) (target, index.Version, error) {
	src, err := parseCopySource(r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		return target{}, index.Version{}, err
	}
	t, err := g.target(src.bucket)
	if err != nil {
		return t, index.Version{}, err
	}
	v, err := g.find(r.Context(), t, src.key, src.version, src.version != "")
	if err == nil && v.IsDeleteMarker {
		err = noSuchKey()
	}
	if err != nil {
		return t, v, err
	}
	if err := checkConditions(r.Header, copySourceConditions, v, errPrecondition); err != nil {
		return t, v, err
	}
	return t, v, nil
}

// copySourceRangePattern matches a valid x-amz-copy-source-range.
var copySourceRangePattern = regexp.MustCompile(`^bytes=([0-9]+)-([0-9]+)$`)

// copySourceRange resolves x-amz-copy-source-range against a source of
// size bytes; nil is the whole source.
func copySourceRange(h string, size int64) (*span, error) {
	if h == "" {
		return nil, nil
	}
	m := copySourceRangePattern.FindStringSubmatch(h)
	if m == nil {
		return nil, s3err.New(s3err.InvalidArgument,
			"The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy.")
	}
	first, err1 := strconv.ParseInt(m[1], 10, 64)
	last, err2 := strconv.ParseInt(m[2], 10, 64)
	if err1 != nil || err2 != nil {
		return nil, s3err.New(s3err.InvalidArgument, "The x-amz-copy-source-range value is out of range.")
	}
	if first > last || last >= size {
		return nil, s3err.New(s3err.InvalidRange, "The requested range is not satisfiable.")
	}
	return &span{first: first, last: last}, nil
}

// copyPart copies span s of sv (nil for all of it) into a part of an
// upload of key, returning the part's ETag and time.
func (g *Gateway) copyPart(ctx context.Context, st target, sv index.Version, s *span, dst target, key, id string, part int) (string, time.Time, error) {
	if st.loc.Name == dst.loc.Name {
		etag, at, err := dst.client.UploadPartCopy(ctx, dst.key(key), id, part, st.key(sv.Key), st.pin(sv), s.header(), backend.Conditions{})
		if err != nil {
			return "", time.Time{}, fmt.Errorf("copy %s/%s into part %d of %s/%s on the backend: %w", st.bucket.Name, sv.Key, part, dst.bucket.Name, key, err)
		}
		return etag, orNow(at), nil
	}
	rd, err := st.client.GetObject(ctx, st.key(sv.Key), st.pin(sv), s.header(), backend.Conditions{})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("read %s/%s from the backend: %w", st.bucket.Name, sv.Key, err)
	}
	defer rd.Body.Close()
	size := sv.Size
	if s != nil {
		size = s.last - s.first + 1
	}
	body := &exactReader{r: rd.Body, left: size}
	etag, err := dst.client.UploadPart(ctx, dst.key(key), id, part, body, size, "")
	if err != nil {
		return "", time.Time{}, body.cause(fmt.Errorf("copy %s/%s into part %d of %s/%s: %w", st.bucket.Name, sv.Key, part, dst.bucket.Name, key, err))
	}
	return etag, orNow(time.Time{}), nil
}
