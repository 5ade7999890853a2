package backend

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ringside/ringside/internal/sigv4"
)

// PutObject streams size bytes of body to key (size must be known).
func (c *Client) PutObject(ctx context.Context, key string, body io.Reader, size int64, meta map[string]string, opts PutOptions) (PutResult, error) {
	if size < 0 {
		return PutResult{}, fmt.Errorf("PutObject %s: the size must be known", c.describe(key))
	}
	k := &objectCall{op: "PutObject", method: http.MethodPut, key: key, body: body, size: size}
	if body == nil {
		k.body = http.NoBody
	}
	setMetadata(k, meta)
	k.setIf("content-md5", opts.ContentMD5)
	k.setIf("x-amz-tagging", opts.Tagging)
	k.setIf("if-match", opts.IfMatch)
	k.setIf("if-none-match", opts.IfNoneMatch)
	k.setChecksum(opts.Checksum)
	for name, v := range opts.Lock {
		k.set(strings.ToLower(name), v)
	}
	resp, err := c.do(ctx, k)
	if err != nil {
		return PutResult{}, err
	}
	closeAnswer(resp)
	return PutResult{
		VersionID:    orNull(first(resp.Header, "X-Amz-Version-Id")),
		ETag:         first(resp.Header, "Etag"),
		LastModified: answeredAt(resp.Header),
		Checksum:     checksumOf(resp.Header, opts.Checksum.Algorithm),
		ChecksumType: first(resp.Header, "X-Amz-Checksum-Type"),
	}, nil
}

// setChecksum sends a body's checksum header, if there is one.
func (k *objectCall) setChecksum(sum Checksum) {
	if sum.Algorithm != "" && sum.Value != "" {
		k.set("x-amz-checksum-"+strings.ToLower(sum.Algorithm), sum.Value)
	}
}

// checksumOf reads the checksum of algorithm from an answer's headers.
func checksumOf(h http.Header, algorithm string) Checksum {
	if algorithm == "" {
		return Checksum{}
	}
	v := first(h, http.CanonicalHeaderKey("x-amz-checksum-"+algorithm))
	if v == "" {
		return Checksum{}
	}
	return Checksum{Algorithm: strings.ToLower(algorithm), Value: v}
}

// answeredAt is when the backend acknowledged a write, from its Date
// header: S3 does not return the Last-Modified of a PUT, and the time it
// answered is within a second of it. Zero when the answer has no date.
func answeredAt(h http.Header) time.Time {
	t, _ := http.ParseTime(first(h, "Date"))
	return t
}

// GetObject streams key (a given version, or the latest when versionID is
// empty); rng is a raw HTTP Range header value or "".
func (c *Client) GetObject(ctx context.Context, key, versionID, rng string, cond Conditions) (*Reader, error) {
	k := &objectCall{op: "GetObject", method: http.MethodGet, key: key, versionID: versionID, query: versionQuery(versionID), raw: true}
	k.setIf("range", rng)
	k.setIf("if-match", cond.IfMatch)
	k.setIf("if-none-match", cond.IfNoneMatch)
	if t := cond.IfModifiedSince; t != nil {
		k.set("if-modified-since", t.UTC().Format(http.TimeFormat))
	}
	if t := cond.IfUnmodifiedSince; t != nil {
		k.set("if-unmodified-since", t.UTC().Format(http.TimeFormat))
	}
	resp, err := c.do(ctx, k)
	if err != nil {
		return nil, err
	}
	r := &Reader{
		Object:        objectOf(key, resp.Header),
		Body:          resp.Body,
		ContentLength: resp.ContentLength,
		ContentRange:  first(resp.Header, "Content-Range"),
	}
	if resp.ContentLength >= 0 {
		r.Size = resp.ContentLength
	}
	if total, ok := rangeTotal(r.ContentRange); ok {
		r.Size = total
	}
	return r, nil
}

// versionQuery is the query string naming a version, if one is.
func versionQuery(versionID string) string {
	if versionID == "" {
		return ""
	}
	return "versionId=" + escape(versionID, false)
}

// rangeTotal reads the full size from a Content-Range "bytes a-b/size".
func rangeTotal(cr string) (int64, bool) {
	_, total, ok := strings.Cut(cr, "/")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(total, 10, 64)
	return n, err == nil
}

// HeadObject reads one version's headers.
func (c *Client) HeadObject(ctx context.Context, key, versionID string) (Object, error) {
	k := &objectCall{op: "HeadObject", method: http.MethodHead, key: key, versionID: versionID, query: versionQuery(versionID), raw: true}
	resp, err := c.do(ctx, k)
	if err != nil {
		return Object{}, err
	}
	resp.Body.Close()
	return objectOf(key, resp.Header), nil
}

// HeadPart reads the headers of part n of one version: its Size is the
// part's, PartCount the object's (0 for a single-part object), and First
// and Last the part's bytes in the object, from the Content-Range.
func (c *Client) HeadPart(ctx context.Context, key, versionID string, n int) (PartInfo, error) {
	q := "partNumber=" + strconv.Itoa(n)
	if versionID != "" {
		q += "&" + versionQuery(versionID)
	}
	k := &objectCall{op: "HeadObject", method: http.MethodHead, key: key, versionID: versionID, query: q}
	resp, err := c.do(ctx, k)
	if err != nil {
		return PartInfo{}, err
	}
	resp.Body.Close()
	p := PartInfo{Object: objectOf(key, resp.Header), First: 0, Last: -1}
	if cr, ok := strings.CutPrefix(first(resp.Header, "Content-Range"), "bytes "); ok {
		span, _, _ := strings.Cut(cr, "/")
		a, b, _ := strings.Cut(span, "-")
		first, err1 := strconv.ParseInt(a, 10, 64)
		last, err2 := strconv.ParseInt(b, 10, 64)
		if err1 == nil && err2 == nil {
			p.First, p.Last = first, last
		}
	} else {
		p.Last = p.Size - 1
	}
	return p, nil
}

// DeleteObject deletes key (making a delete marker on a versioned bucket) or,
// with versionID, removes that version for good.
func (c *Client) DeleteObject(ctx context.Context, key, versionID string) (DeleteResult, error) {
	return c.DeleteObjectWith(ctx, key, versionID, false)
}

// DeleteObjectWith is DeleteObject; bypassGovernance lets it remove a
// version under governance-mode retention.
func (c *Client) DeleteObjectWith(ctx context.Context, key, versionID string, bypassGovernance bool) (DeleteResult, error) {
	in := &s3.DeleteObjectInput{
		Bucket:    aws.String(c.bucket),
		Key:       aws.String(key),
		VersionId: optional(versionID),
	}
	if bypassGovernance {
		in.BypassGovernanceRetention = aws.Bool(true)
	}
	out, err := c.s3.DeleteObject(ctx, in)
	if err != nil {
		return DeleteResult{}, c.fail("DeleteObject", key, versionID, err)
	}
	res := DeleteResult{VersionID: aws.ToString(out.VersionId), IsDeleteMarker: aws.ToBool(out.DeleteMarker)}
	if res.IsDeleteMarker {
		res.VersionID = orNull(res.VersionID)
	}
	return res, nil
}

// CopyObject copies srcKey (at srcVersionID, if set) to dstKey inside the
// bucket, on the server. meta nil keeps the source's metadata; otherwise it
// replaces it.
func (c *Client) CopyObject(ctx context.Context, srcKey, srcVersionID, dstKey string, meta map[string]string, cond Conditions) (PutResult, error) {
	return c.CopyObjectWith(ctx, srcKey, srcVersionID, dstKey, meta, cond, PutOptions{})
}

// CopyObjectWith is CopyObject with the copy's object lock headers
// (opts.Lock); the other options are not used.
func (c *Client) CopyObjectWith(ctx context.Context, srcKey, srcVersionID, dstKey string, meta map[string]string, cond Conditions, opts PutOptions) (PutResult, error) {
	in := &s3.CopyObjectInput{
		Bucket:                      aws.String(c.bucket),
		Key:                         aws.String(dstKey),
		CopySource:                  aws.String(c.copySource(srcKey, srcVersionID)),
		CopySourceIfMatch:           optional(cond.IfMatch),
		CopySourceIfNoneMatch:       optional(cond.IfNoneMatch),
		CopySourceIfModifiedSince:   cond.IfModifiedSince,
		CopySourceIfUnmodifiedSince: cond.IfUnmodifiedSince,
		MetadataDirective:           types.MetadataDirectiveCopy,
	}
	h := toHeaders(meta)
	if meta != nil {
		in.MetadataDirective = types.MetadataDirectiveReplace
		in.CacheControl, in.ContentDisposition, in.ContentEncoding = h.CacheControl, h.ContentDisposition, h.ContentEncoding
		in.ContentLanguage, in.ContentType, in.Metadata = h.ContentLanguage, h.ContentType, h.User
	}
	out, err := c.s3.CopyObject(ctx, in, h.withExpires, withHeaders(opts.Lock))
	if err != nil {
		return PutResult{}, c.fail("CopyObject", dstKey, "", err)
	}
	res := PutResult{VersionID: versionOf(out.VersionId)}
	if r := out.CopyObjectResult; r != nil {
		res.ETag, res.LastModified = aws.ToString(r.ETag), aws.ToTime(r.LastModified)
	}
	return res, nil
}

// copySource is the x-amz-copy-source of a copy from this bucket: the key
// escaped byte by byte, so that servers which read '+' as a space and
// those which do not agree on it.
func (c *Client) copySource(key, versionID string) string {
	src := c.bucket + "/" + escape(key, true)
	if versionID != "" {
		src += "?versionId=" + escape(versionID, false)
	}
	return src
}

// escape percent-encodes every byte of s but the unreserved ones and, if
// keepSlash, '/', as SigV4 signs it.
func escape(s string, keepSlash bool) string { return sigv4.URIEncode(s, !keepSlash) }

// optional is s as an SDK field: nil when empty, so that it is not sent.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// versionOf is the VersionId of a version as the backend named it, "null"
// when it named none: an unversioned bucket lists its objects so.
func versionOf(id *string) string { return orNull(aws.ToString(id)) }

func orNull(versionID string) string {
	if versionID != "" {
		return versionID
	}
	return "null"
}
