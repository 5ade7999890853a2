package gateway

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/rclone/gofakes3"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// serveList answers ListObjects (V1 and V2) and ListObjectVersions from
// the index, writing the documents itself. It follows gofakes3's reading
// of the query and its errors, in the same order.
func (g *Gateway) serveList(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	if _, err := g.db.GetBucket(bucket); err != nil {
		if errors.Is(err, index.ErrNotFound) {
			return noSuchBucket(bucket)
		}
		return fmt.Errorf("read bucket %s: %w", bucket, err)
	}
	q := r.URL.Query()
	if q.Has("versions") {
		return g.serveListVersions(w, bucket, q)
	}
	return g.serveListObjects(w, bucket, q)
}

func (g *Gateway) serveListObjects(w http.ResponseWriter, bucket string, q url.Values) error {
	l := objectListing{
		bucket:       bucket,
		v2:           q.Get("list-type") == "2",
		prefix:       q.Get("prefix"),
		delimiter:    q.Get("delimiter"),
		encodingType: q.Get("encoding-type"),
	}
	var err error
	if l.maxKeys, err = maxKeys(q); err != nil {
		return err
	}
	// The page starts after V1's marker, or V2's continuation token, or
	// its start-after.
	switch {
	case q.Has("marker"):
		l.marker = q.Get("marker")
	case q.Has("continuation-token"):
		tok, err := base64.URLEncoding.DecodeString(q.Get("continuation-token"))
		if err != nil {
			return gofakes3.ErrInvalidToken
		}
		l.marker = string(tok)
	case q.Has("start-after"):
		l.marker = q.Get("start-after")
	}
	l.urlEncoding = l.encodingType == "url"
	if !l.urlEncoding && l.encodingType != "" {
		return errInvalidEncoding
	}
	// V1 listings always show the owner, V2 only when asked to.
	l.withOwner = !l.v2 || q.Get("fetch-owner") == "true"
	if l.v2 {
		if q.Has("continuation-token") {
			tok := q.Get("continuation-token")
			l.continuationToken = &tok
		}
		l.startAfter = q.Get("start-after")
	}
	d := newListDoc()
	defer d.release()
	var end index.ListResult
	if l.maxKeys > 0 {
		p := index.ListParams{Prefix: l.prefix, Delimiter: l.delimiter, Marker: l.marker, MaxKeys: int(l.maxKeys)}
		if end, err = g.db.VisitObjects(bucket, p, l.visitor(d)); err != nil {
			return fmt.Errorf("list %s: %w", bucket, err)
		}
	}
	l.finish(d, end)
	d.send(w)
	return nil
}

func (g *Gateway) serveListVersions(w http.ResponseWriter, bucket string, q url.Values) error {
	l := versionListing{
		bucket:          bucket,
		prefix:          q.Get("prefix"),
		delimiter:       q.Get("delimiter"),
		keyMarker:       q.Get("key-marker"),
		versionIDMarker: q.Get("version-id-marker"),
		encodingType:    q.Get("encoding-type"),
	}
	l.urlEncoding = l.encodingType == "url"
	if !l.urlEncoding && l.encodingType != "" {
		return errInvalidEncoding
	}
	var err error
	if l.maxKeys, err = maxKeys(q); err != nil {
		return err
	}
	switch {
	case q.Has("version-id-marker") && l.versionIDMarker == "":
		return gofakes3.ErrorInvalidArgument("version-id-marker", "", "A version-id marker cannot be empty.")
	case q.Has("version-id-marker") && !q.Has("key-marker"):
		return gofakes3.ErrorInvalidArgument("version-id-marker", "", "A version-id marker cannot be specified without a key marker.")
	}
	// An empty key marker lists from the start, as on S3, and keeps
	// max-keys (gofakes3 dropped it).
	d := newListDoc()
	defer d.release()
	var end index.VersionListResult
	if l.maxKeys > 0 {
		p := index.VersionListParams{
			Prefix: l.prefix, Delimiter: l.delimiter,
			KeyMarker: l.keyMarker, VersionIDMarker: l.versionIDMarker,
			MaxKeys: int(l.maxKeys),
		}
		if end, err = g.db.VisitVersions(bucket, p, l.visitor(d)); err != nil {
			return fmt.Errorf("list the versions of %s: %w", bucket, err)
		}
	}
	l.finish(d, end)
	d.send(w)
	return nil
}

// maxKeys reads a listing's max-keys: 1,000 when absent, at most 1,000; a
// value that is no integer or is negative is refused, as S3 does.
func maxKeys(q url.Values) (int64, error) {
	s := q.Get("max-keys")
	if s == "" {
		return gofakes3.DefaultMaxBucketKeys, nil
	}
	n, err := strconv.ParseInt(s, 10, 0)
	if err != nil || n < 0 {
		return 0, s3err.New(s3err.InvalidArgument, "Argument max-keys must be an integer between 0 and 2147483647.")
	}
	return min(n, gofakes3.MaxBucketKeys), nil
}

// continuationToken is the NextContinuationToken of a V2 page that ends
// at marker: gofakes3's encoding, which clients hand back as they got it.
func continuationToken(marker string) string {
	return base64.URLEncoding.EncodeToString([]byte(marker))
}
