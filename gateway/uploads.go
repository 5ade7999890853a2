package gateway

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rclone/gofakes3"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/internal/s3err"
)

// The listings of multipart uploads are the backend's, relayed: it is the
// one record of the uploads in progress, whoever began them and whenever.
// On a location with prefixes the backend's keys are "<bucket>/<key>"; the
// client sees only its own keys.

// serveListUploads answers ListMultipartUploads. On a location with
// prefixes the listing is confined to the bucket's prefix, which is taken
// off every key, common prefix and marker the client sees.
func (g *Gateway) serveListUploads(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	q := r.URL.Query()
	t, err := g.target(bucket)
	if err != nil {
		return err
	}
	in, err := uploadListingOf(q)
	if err != nil {
		return err
	}
	encoding := q.Get("encoding-type")
	if encoding != "" && encoding != "url" {
		return errInvalidEncoding
	}
	page, err := t.client.ListMultipartUploads(r.Context(), t.uploadListing(in))
	if err != nil {
		return fmt.Errorf("list the uploads of %s: %w", bucket, err)
	}
	enc := func(s string) string { return s }
	if encoding == "url" {
		enc = func(s string) string { return string(appendURLEncoded(nil, s)) }
	}
	res := listUploadsResult{
		Xmlns:          s3Namespace,
		Bucket:         bucket,
		KeyMarker:      enc(in.KeyMarker),
		UploadIDMarker: in.UploadIDMarker,
		Delimiter:      enc(in.Delimiter),
		Prefix:         enc(in.Prefix),
		MaxUploads:     in.MaxUploads,
		IsTruncated:    page.IsTruncated,
		EncodingType:   encoding,
	}
	if next, ok := strings.CutPrefix(page.NextKeyMarker, t.prefix); ok {
		res.NextKeyMarker, res.NextUploadIDMarker = enc(next), page.NextUploadIDMarker
	}
	for _, u := range page.Uploads {
		// The prefix sent keeps out other buckets' uploads; one that is
		// not the bucket's anyway is not shown.
		key, ok := strings.CutPrefix(u.Key, t.prefix)
		if !ok || key == "" {
			continue
		}
		res.Uploads = append(res.Uploads, uploadXML{Key: enc(key), UploadID: u.UploadID,
			StorageClass: u.StorageClass, Initiated: isoTime(u.Initiated)})
	}
	for _, cp := range page.CommonPrefixes {
		if p, ok := strings.CutPrefix(cp, t.prefix); ok && p != "" {
			res.CommonPrefixes = append(res.CommonPrefixes, commonPrefixXML{Prefix: enc(p)})
		}
	}
	writeXML(w, http.StatusOK, res)
	return nil
}

// uploadListingOf reads and checks the parameters of ListMultipartUploads,
// in the client's keys.
func uploadListingOf(q url.Values) (backend.UploadListing, error) {
	in := backend.UploadListing{
		Prefix:    q.Get("prefix"),
		Delimiter: q.Get("delimiter"),
		KeyMarker: q.Get("key-marker"),
	}
	if in.KeyMarker != "" {
		// S3 ignores an upload ID marker without a key marker.
		in.UploadIDMarker = q.Get("upload-id-marker")
	}
	var err error
	in.MaxUploads, err = intParam(q, "max-uploads", gofakes3.DefaultMaxUploads, gofakes3.MaxUploadsLimit)
	return in, err
}

// uploadListing is a listing of the bucket's uploads in the backend's
// keys.
func (t target) uploadListing(in backend.UploadListing) backend.UploadListing {
	out := in
	out.Prefix = t.prefix + in.Prefix
	if in.KeyMarker != "" {
		out.KeyMarker = t.prefix + in.KeyMarker
	}
	return out
}

// serveListParts answers ListParts from the backend's list of the
// upload's parts.
func (g *Gateway) serveListParts(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	q := r.URL.Query()
	id, err := uploadIDOf(q)
	if err != nil {
		return err
	}
	marker, err := intParam(q, "part-number-marker", 0, 0)
	if err != nil {
		return err
	}
	maxParts, err := intParam(q, "max-parts", gofakes3.DefaultMaxUploadParts, gofakes3.MaxUploadPartsLimit)
	if err != nil {
		return err
	}
	t, err := g.target(bucket)
	if err != nil {
		return err
	}
	page, err := t.client.ListParts(r.Context(), t.key(key), id, marker, maxParts)
	if err != nil {
		return fmt.Errorf("list the parts of upload %s of %s/%s: %w", id, bucket, key, err)
	}
	res := listPartsResult{
		Xmlns:                s3Namespace,
		Bucket:               bucket,
		Key:                  key,
		UploadID:             id,
		StorageClass:         page.StorageClass,
		PartNumberMarker:     marker,
		NextPartNumberMarker: page.NextPartNumberMarker,
		MaxParts:             maxParts,
		IsTruncated:          page.IsTruncated,
	}
	for _, p := range page.Parts {
		res.Parts = append(res.Parts, partXML{PartNumber: p.Number, LastModified: isoTime(p.LastModified),
			ETag: quoteETag(p.ETag), Size: p.Size})
	}
	writeXML(w, http.StatusOK, res)
	return nil
}

// intParam reads a non-negative integer parameter: def when absent or 0
// (which the backend client could only send as no limit at all), at most
// limit unless limit is 0.
func intParam(q url.Values, name string, def, limit int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, s3err.New(s3err.InvalidArgument, "Argument %s must be an integer between 0 and 2147483647.", name)
	}
	if n == 0 {
		return def, nil
	}
	if limit > 0 {
		n = min(n, limit)
	}
	return n, nil
}
