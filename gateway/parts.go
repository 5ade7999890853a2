package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// Parts of multipart objects. The index keeps the part sizes of a
// version (index.Version.Parts): recorded when an upload completes through
// ringside, from the upload's part listing, and learned from the backend
// the first time they are needed for an object that arrived out of band
// (a HEAD with partNumber per part, which every S3 server answers; a read
// of one part asks for that part alone). A
// version whose ETag is not a multipart one ("<md5>-<count>") is a single
// part: nothing is asked. Reads and GetObjectAttributes then answer from
// the sizes, and a GET of a part reads its byte range from the backend.

// errInvalidPartNumber is S3's answer to a part past the last one.
var errInvalidPartNumber = s3err.New(s3err.InvalidPartNumber, "")

// etagParts is the part count in a multipart ETag, 0 for any other.
func etagParts(etag string) int {
	_, n, ok := strings.Cut(strings.Trim(etag, `"`), "-")
	if !ok {
		return 0
	}
	count, err := strconv.Atoi(n)
	if err != nil || count < 1 {
		return 0
	}
	return count
}

// partsOf returns the part sizes of v, nil for a single-part object;
// stale reports that the backend no longer has v.
func (g *Gateway) partsOf(ctx context.Context, t target, v index.Version) (parts []int64, stale bool, err error) {
	if v.Parts != nil {
		return v.Parts, false, nil
	}
	count := etagParts(v.ETag)
	if count == 0 {
		return nil, false, nil
	}
	parts = make([]int64, 0, count)
	for n := 1; n <= count; n++ {
		o, err := t.client.HeadPart(ctx, t.key(v.Key), t.pin(v), n)
		if isNotFound(err) {
			return nil, true, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("read part %d of %s/%s from the backend: %w", n, t.bucket.Name, v.Key, err)
		}
		if o.ETag != v.ETag || o.PartCount != count {
			// Replaced in place on the backend since it was indexed.
			return nil, true, nil
		}
		parts = append(parts, o.Size)
	}
	if _, err := g.db.SetParts(t.bucket.Name, v.Key, v.VersionID, v.ETag, parts); err != nil {
		g.log.Warn("keep the part sizes learned", "bucket", t.bucket.Name, "key", v.Key, "err", err)
	}
	return parts, false, nil
}

// partSpan is the byte range of part n of an object of size bytes with
// the given parts (nil: one part). A part of no byte reads as the whole
// object, with no range.
func partSpan(parts []int64, size int64, n int) (*span, error) {
	if parts == nil {
		parts = []int64{size}
	}
	if n > len(parts) {
		return nil, errInvalidPartNumber
	}
	var first int64
	for _, p := range parts[:n-1] {
		first += p
	}
	if parts[n-1] == 0 {
		return nil, nil
	}
	return &span{first: first, last: first + parts[n-1] - 1}, nil
}

// readPartSpan resolves the partNumber of a read of v into its span and
// writes the part count of a multipart object. Parts not known yet are not
// all learned for one read: the backend is asked for that part alone.
func (g *Gateway) readPartSpan(w http.ResponseWriter, r *http.Request, t target, v index.Version, n int) (s *span, stale bool, err error) {
	if v.Parts == nil && etagParts(v.ETag) > 0 {
		return g.askPartSpan(r.Context(), w, t, v, n)
	}
	parts, stale, err := g.partsOf(r.Context(), t, v)
	if stale || err != nil {
		return nil, stale, err
	}
	s, err = partSpan(parts, v.Size, n)
	if err != nil {
		return nil, false, err
	}
	if parts != nil {
		w.Header().Set("x-amz-mp-parts-count", strconv.Itoa(len(parts)))
	}
	return s, false, nil
}

// askPartSpan reads the span of part n of v from the backend.
func (g *Gateway) askPartSpan(ctx context.Context, w http.ResponseWriter, t target, v index.Version, n int) (s *span, stale bool, err error) {
	p, err := t.client.HeadPart(ctx, t.key(v.Key), t.pin(v), n)
	if isNotFound(err) {
		return nil, true, nil
	}
	var be *backend.Error
	if errors.As(err, &be) && be.Status == http.StatusRequestedRangeNotSatisfiable {
		// A HEAD's refusal has no body to name its code.
		return nil, false, errInvalidPartNumber
	}
	if err != nil {
		return nil, false, fmt.Errorf("read part %d of %s/%s from the backend: %w", n, t.bucket.Name, v.Key, err)
	}
	if p.ETag != v.ETag {
		return nil, true, nil
	}
	if p.PartCount > 0 {
		w.Header().Set("x-amz-mp-parts-count", strconv.Itoa(p.PartCount))
	}
	if p.Last < p.First {
		return nil, false, nil
	}
	return &span{first: p.First, last: p.Last}, false, nil
}

// uploadedSizes lists the parts stored for an upload and returns the sizes
// of those a completion names, in its order; nil when the listing failed
// or lacks one of them, and the sizes are then learned when first needed.
func (g *Gateway) uploadedSizes(ctx context.Context, t target, key, id string, parts []backend.Part) []int64 {
	size := make(map[int]int64, len(parts))
	for marker := 0; ; {
		page, err := t.client.ListParts(ctx, t.key(key), id, marker, 0)
		if err != nil {
			g.log.Warn("list the parts of an upload being completed", "bucket", t.bucket.Name, "key", key, "err", err)
			return nil
		}
		for _, p := range page.Parts {
			size[p.Number] = p.Size
		}
		if !page.IsTruncated || page.NextPartNumberMarker <= marker {
			break
		}
		marker = page.NextPartNumberMarker
	}
	out := make([]int64, len(parts))
	for i, p := range parts {
		s, ok := size[p.Number]
		if !ok {
			return nil
		}
		out[i] = s
	}
	return out
}
