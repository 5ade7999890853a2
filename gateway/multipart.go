package gateway

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rclone/gofakes3"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/gateway/s3auth"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// Multipart uploads pass straight through to the backend's own, and the
// backend alone holds their state: the uploads in progress, their parts
// and their metadata. The gateway keeps nothing between requests, so an
// upload begun before a restart, or by another client of the backend
// bucket, is listed, continued and completed like any other. Each part is
// streamed; only the completed object is indexed.
//
// Every request naming uploads or uploadId is answered here (this file,
// multipart_copy.go and uploads.go) and none reaches gofakes3, whose
// uploader would keep the upload in process memory.

var errNoSuchUpload = s3err.New(s3err.NoSuchUpload,
	"The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")

// refuseMethod answers a method the resource does not take.
func refuseMethod(*Gateway, http.ResponseWriter, *http.Request, string, string) error {
	return errMethodNotAllowed
}

// uploadIDOf is the uploadId of a request, which names an upload of the
// backend's.
func uploadIDOf(q url.Values) (string, error) {
	id := q.Get("uploadId")
	if id == "" {
		return "", errNoSuchUpload
	}
	return id, nil
}

// partNumberOf is the partNumber of an UploadPart or UploadPartCopy.
func partNumberOf(q url.Values) (int, error) {
	n, err := strconv.Atoi(q.Get("partNumber"))
	if err != nil || n < 1 || n > gofakes3.MaxUploadPartNumber {
		return 0, s3err.New(s3err.InvalidArgument,
			"Part number must be an integer between 1 and %d, inclusive.", gofakes3.MaxUploadPartNumber)
	}
	return n, nil
}

// serveCreateUpload answers CreateMultipartUpload: the upload is begun on
// the backend with the object's metadata and tags, which the backend keeps
// until completion, and its ID is the backend's.
func (g *Gateway) serveCreateUpload(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	if err := g.refuseWhenIndexFull(); err != nil {
		return err
	}
	if len(key) > gofakes3.KeySizeLimit {
		return errKeyTooLong
	}
	meta, err := headerMetadata(r.Header)
	if err != nil {
		return err
	}
	tagging, err := taggingHeader(r.Header.Get("X-Amz-Tagging"))
	if err != nil {
		return err
	}
	if err := checkEncryption(r.Header); err != nil {
		return err
	}
	t, err := g.target(bucket)
	if err != nil {
		return err
	}
	id, err := t.client.CreateMultipartUpload(r.Context(), t.key(key), uploadMetadata(meta), backend.PutOptions{
		Tagging:           tagging,
		ChecksumAlgorithm: strings.ToLower(r.Header.Get("X-Amz-Checksum-Algorithm")),
		ChecksumType:      r.Header.Get("X-Amz-Checksum-Type"),
		Lock:              lockOf(headerValues(r.Header)),
	})
	if err != nil {
		return fmt.Errorf("start an upload of %s/%s: %w", bucket, key, err)
	}
	writeXML(w, http.StatusOK, initiateResult{Xmlns: s3Namespace, Bucket: bucket, Key: key, UploadID: id})
	return nil
}

// serveUploadPart streams one part to the backend. The body is the one
// the authenticator decoded (aws-chunked) and verifies as it streams
// (payload hash, Content-MD5, x-amz-checksum-*), as PutObject's is: its
// last byte is held back until it matches, so a corrupted part never
// reaches the backend whole.
func (g *Gateway) serveUploadPart(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	q := r.URL.Query()
	id, err := uploadIDOf(q)
	if err != nil {
		return err
	}
	part, err := partNumberOf(q)
	if err != nil {
		return err
	}
	if r.ContentLength < 0 {
		return errMissingContentLength
	}
	if err := checkEncryption(r.Header); err != nil {
		return err
	}
	t, err := g.target(bucket)
	if err != nil {
		return err
	}
	body := &exactReader{r: r.Body, left: r.ContentLength}
	etag, err := t.client.UploadPartWith(r.Context(), t.key(key), id, part, body, r.ContentLength, backend.PutOptions{
		ContentMD5: requestOf(r.Context()).contentMD5,
		Checksum:   headerChecksum(r.Header),
	})
	if err != nil {
		return body.cause(fmt.Errorf("upload part %d of %s/%s: %w", part, bucket, key, err))
	}
	echoChecksums(w.Header(), r.Header)
	w.Header().Set("ETag", quoteETag(etag))
	w.WriteHeader(http.StatusOK)
	return nil
}

// headerChecksum is the x-amz-checksum-<algorithm> header of a request,
// passed on to the backend, which keeps a part's checksum to check it
// again at completion. A checksum sent in an aws-chunked trailer comes
// after the body and is checked by ringside alone.
func headerChecksum(h http.Header) backend.Checksum {
	for name, values := range h {
		alg, ok := strings.CutPrefix(name, checksumPrefix)
		if alg = strings.ToLower(alg); ok && len(values) > 0 && s3auth.IsChecksumAlgorithm(alg) {
			return backend.Checksum{Algorithm: alg, Value: values[0]}
		}
	}
	return backend.Checksum{}
}

// echoChecksums sets on an upload's answer the x-amz-checksum-<algorithm>
// headers its body was verified against, as S3 echoes them. A checksum
// sent in an aws-chunked trailer is echoed by the guarded writer.
func echoChecksums(out, in http.Header) {
	for name, values := range in {
		alg, ok := strings.CutPrefix(name, checksumPrefix)
		if ok && len(values) > 0 && s3auth.IsChecksumAlgorithm(strings.ToLower(alg)) {
			out.Set(name, values[0])
		}
	}
}

// serveCompleteUpload answers CompleteMultipartUpload: the backend
// assembles the parts, and the object it made is indexed.
func (g *Gateway) serveCompleteUpload(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	if err := g.refuseWhenIndexFull(); err != nil {
		return err
	}
	id, err := uploadIDOf(r.URL.Query())
	if err != nil {
		return err
	}
	t, err := g.target(bucket)
	if err != nil {
		return err
	}
	parts, err := readCompleteRequest(r)
	if err != nil {
		return err
	}
	// If-Match was checked with the other writes' (checkWrite).
	if err := g.checkIfNoneMatch(r.Context(), t, key, r.Header.Get("If-None-Match")); err != nil {
		return err
	}
	opts := backend.CompleteOptions{
		IfMatch:      requestOf(r.Context()).ifMatch,
		IfNoneMatch:  r.Header.Get("If-None-Match"),
		Checksum:     headerChecksum(r.Header),
		ChecksumType: r.Header.Get("X-Amz-Checksum-Type"),
	}
	v, res, err := g.completeUpload(r.Context(), t, key, id, parts, opts)
	if err != nil {
		return err
	}
	if t.versioned() {
		w.Header().Set("x-amz-version-id", v.VersionID)
	}
	writeXML(w, http.StatusOK, completeResult{
		Xmlns:        s3Namespace,
		Location:     objectURL(r, bucket, key),
		Bucket:       bucket,
		Key:          key,
		ETag:         quoteETag(v.ETag),
		checksumXML:  checksumElements(res.Checksum),
		ChecksumType: res.ChecksumType,
	})
	return nil
}

// readCompleteRequest reads the part list of a CompleteMultipartUpload and
// checks it as S3 does before the backend is asked, so that a list S3
// would refuse changes nothing.
func readCompleteRequest(r *http.Request) ([]backend.Part, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, gofakes3.MaxXMLBodySize+1))
	if err != nil {
		return nil, fmt.Errorf("read the part list: %w", err)
	}
	if len(body) > gofakes3.MaxXMLBodySize {
		return nil, errRequestTooBig
	}
	var in completeRequest
	if err := xml.Unmarshal(body, &in); err != nil || len(in.Parts) == 0 {
		return nil, errMalformedXML
	}
	parts := make([]backend.Part, len(in.Parts))
	for i, p := range in.Parts {
		if i > 0 && p.PartNumber <= in.Parts[i-1].PartNumber {
			return nil, s3err.New(s3err.InvalidPartOrder,
				"The list of parts was not in ascending order. Parts must be ordered by part number.")
		}
		parts[i] = backend.Part{Number: p.PartNumber, ETag: p.ETag, Checksum: p.checksum()}
	}
	return parts, nil
}

// checkIfNoneMatch refuses a write or completion whose If-None-Match
// matches the current object ("*" matches any).
func (g *Gateway) checkIfNoneMatch(ctx context.Context, t target, key, list string) error {
	if list == "" {
		return nil
	}
	v, err := g.find(ctx, t, key, "", false)
	if isNoSuch(err) || err == nil && v.IsDeleteMarker {
		return nil
	}
	if err != nil {
		return err
	}
	if etagMatches(list, v.ETag) {
		return errPrecondition
	}
	return nil
}

// completeUpload assembles an upload on the backend and records the object
// it made. The backend's completion answer carries no size, so the new
// version's headers are read back from the backend.
func (g *Gateway) completeUpload(ctx context.Context, t target, key, id string, parts []backend.Part, opts backend.CompleteOptions) (index.Version, backend.PutResult, error) {
	sizes := g.uploadedSizes(ctx, t, key, id, parts)
	defer g.writing(ctx, t, key)()
	res, err := t.client.CompleteUpload(ctx, t.key(key), id, parts, opts)
	if err != nil {
		return index.Version{}, res, fmt.Errorf("complete the upload of %s/%s: %w", t.bucket.Name, key, err)
	}
	o, err := t.client.HeadObject(ctx, t.key(key), t.pin(index.Version{VersionID: res.VersionID}))
	if err != nil {
		return index.Version{}, res, fmt.Errorf("read back the upload of %s/%s: %w", t.bucket.Name, key, err)
	}
	if res.LastModified.IsZero() {
		res.LastModified = o.LastModified
	}
	if sum := sumOf(sizes); sizes != nil && sum != o.Size {
		// Not the parts listed: an upload replaced a part meanwhile.
		sizes = nil
	}
	meta := keptMetadata(o.Metadata)
	if res.Checksum.Value != "" {
		// Kept for reads that ask for it (x-amz-checksum-mode).
		meta = withStoredChecksum(meta, res.Checksum)
	}
	v, err := g.recordVersion(t, index.Version{Key: key, VersionID: res.VersionID, Size: o.Size, ETag: res.ETag,
		LastModified: orNow(res.LastModified), Metadata: meta, Parts: sizes})
	return v, res, err
}

func sumOf(sizes []int64) int64 {
	var n int64
	for _, s := range sizes {
		n += s
	}
	return n
}

// objectURL is the URL of an object at the gateway, as the client reached
// it: path style, or virtual-hosted style.
func objectURL(r *http.Request, bucket, key string) string {
	u := url.URL{Scheme: "http", Host: r.Host, Path: "/" + bucket + "/" + key}
	if requestOf(r.Context()).virtual {
		u.Path = "/" + key
	}
	if r.TLS != nil {
		u.Scheme = "https"
	}
	return u.String()
}

// serveAbortUpload answers AbortMultipartUpload: the backend discards the
// upload and its parts.
func (g *Gateway) serveAbortUpload(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	id, err := uploadIDOf(r.URL.Query())
	if err != nil {
		return err
	}
	t, err := g.target(bucket)
	if err != nil {
		return err
	}
	if err := t.client.AbortMultipartUpload(r.Context(), t.key(key), id); err != nil {
		return fmt.Errorf("abort the upload of %s/%s: %w", bucket, key, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
