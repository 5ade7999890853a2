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
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// PutObject streams size bytes of body to key (size must be known).
func (c *Client) PutObject(ctx context.Context, key string, body io.Reader, size int64, meta map[string]string, opts PutOptions) (PutResult, error) {
	if size < 0 {
		return PutResult{}, fmt.Errorf("PutObject %s: the size must be known", c.describe(key))
	}
	h := toHeaders(meta)
	in := &s3.PutObjectInput{
		Bucket:             aws.String(c.bucket),
		Key:                aws.String(key),
		Body:               bodyOf(body, size),
		ContentLength:      aws.Int64(size),
		CacheControl:       h.CacheControl,
		ContentDisposition: h.ContentDisposition,
		ContentEncoding:    h.ContentEncoding,
		ContentLanguage:    h.ContentLanguage,
		ContentType:        h.ContentType,
		Metadata:           h.User,
		ContentMD5:         optional(opts.ContentMD5),
		Tagging:            optional(opts.Tagging),
	}
	out, err := c.s3.PutObject(ctx, in, streaming, h.withExpires, s3.WithAPIOptions(noDefaultContentType))
	if err != nil {
		return PutResult{}, c.fail("PutObject", key, "", err)
	}
	return PutResult{VersionID: versionOf(out.VersionId), ETag: aws.ToString(out.ETag), LastModified: answeredAt(out.ResultMetadata)}, nil
}

// noDefaultContentType drops the Content-Type the SDK gives a write that
// has none, so that the backend applies its own default (S3's is
// binary/octet-stream) as it does for a multipart upload.
func noDefaultContentType(stack *middleware.Stack) error {
	return stack.Build.Add(middleware.BuildMiddlewareFunc("ringsideNoDefaultContentType",
		func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
			if req, ok := in.Request.(*smithyhttp.Request); ok && smithyhttp.GetIsContentTypeDefaultValue(ctx) {
				req.Header.Del("Content-Type")
			}
			return next.HandleBuild(ctx, in)
		}), middleware.After)
}

// bodyOf is the body to send: the SDK wants one even when it is empty.
func bodyOf(body io.Reader, size int64) io.Reader {
	if body == nil || size == 0 {
		return http.NoBody
	}
	return body
}

// answeredAt is when the backend acknowledged a write, from its Date
// header: S3 does not return the Last-Modified of a PUT, and the time it
// answered is within a second of it. Zero when the answer has no date.
func answeredAt(md middleware.Metadata) time.Time {
	raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response)
	if !ok {
		return time.Time{}
	}
	t, _ := http.ParseTime(raw.Header.Get("Date"))
	return t
}

// GetObject streams key (a given version, or the latest when versionID is
// empty); rng is a raw HTTP Range header value or "".
func (c *Client) GetObject(ctx context.Context, key, versionID, rng string, cond Conditions) (*Reader, error) {
	out, err := c.s3.GetObject(ctx, &s3.GetObjectInput{
		Bucket:            aws.String(c.bucket),
		Key:               aws.String(key),
		VersionId:         optional(versionID),
		Range:             optional(rng),
		IfMatch:           optional(cond.IfMatch),
		IfNoneMatch:       optional(cond.IfNoneMatch),
		IfModifiedSince:   cond.IfModifiedSince,
		IfUnmodifiedSince: cond.IfUnmodifiedSince,
	})
	if err != nil {
		return nil, c.fail("GetObject", key, versionID, err)
	}
	length := aws.ToInt64(out.ContentLength)
	r := &Reader{
		Object: Object{
			Key:          key,
			VersionID:    versionOf(out.VersionId),
			Size:         length,
			ETag:         aws.ToString(out.ETag),
			LastModified: aws.ToTime(out.LastModified),
			TagCount:     int(aws.ToInt32(out.TagCount)),
			PartCount:    int(aws.ToInt32(out.PartsCount)),
			Metadata: headers{
				CacheControl: out.CacheControl, ContentDisposition: out.ContentDisposition,
				ContentEncoding: out.ContentEncoding, ContentLanguage: out.ContentLanguage,
				ContentType: out.ContentType, Expires: out.ExpiresString,
				User: out.Metadata,
			}.metadata(),
		},
		Body:          out.Body,
		ContentLength: length,
		ContentRange:  aws.ToString(out.ContentRange),
	}
	if total, ok := rangeTotal(r.ContentRange); ok {
		r.Size = total
	}
	return r, nil
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
	out, err := c.s3.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket:    aws.String(c.bucket),
		Key:       aws.String(key),
		VersionId: optional(versionID),
	})
	if err != nil {
		return Object{}, c.fail("HeadObject", key, versionID, err)
	}
	return Object{
		Key:          key,
		VersionID:    versionOf(out.VersionId),
		Size:         aws.ToInt64(out.ContentLength),
		ETag:         aws.ToString(out.ETag),
		LastModified: aws.ToTime(out.LastModified),
		TagCount:     int(aws.ToInt32(out.TagCount)),
		PartCount:    int(aws.ToInt32(out.PartsCount)),
		Metadata: headers{
			CacheControl: out.CacheControl, ContentDisposition: out.ContentDisposition,
			ContentEncoding: out.ContentEncoding, ContentLanguage: out.ContentLanguage,
			ContentType: out.ContentType, Expires: out.ExpiresString,
			User: out.Metadata,
		}.metadata(),
	}, nil
}

// DeleteObject deletes key (making a delete marker on a versioned bucket) or,
// with versionID, removes that version for good.
func (c *Client) DeleteObject(ctx context.Context, key, versionID string) (DeleteResult, error) {
	out, err := c.s3.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket:    aws.String(c.bucket),
		Key:       aws.String(key),
		VersionId: optional(versionID),
	})
	if err != nil {
		return DeleteResult{}, c.fail("DeleteObject", key, versionID, err)
	}
	return DeleteResult{VersionID: aws.ToString(out.VersionId), IsDeleteMarker: aws.ToBool(out.DeleteMarker)}, nil
}

// CopyObject copies srcKey (at srcVersionID, if set) to dstKey inside the
// bucket, on the server. meta nil keeps the source's metadata; otherwise it
// replaces it.
func (c *Client) CopyObject(ctx context.Context, srcKey, srcVersionID, dstKey string, meta map[string]string, cond Conditions) (PutResult, error) {
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
	out, err := c.s3.CopyObject(ctx, in, h.withExpires)
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
// keepSlash, '/'.
func escape(s string, keepSlash bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case 'A' <= ch && ch <= 'Z', 'a' <= ch && ch <= 'z', '0' <= ch && ch <= '9',
			ch == '-', ch == '_', ch == '.', ch == '~', ch == '/' && keepSlash:
			b.WriteByte(ch)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[ch>>4])
			b.WriteByte(hex[ch&15])
		}
	}
	return b.String()
}

// optional is s as an SDK field: nil when empty, so that it is not sent.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// versionOf is the VersionId of a version as the backend named it, "null"
// when it named none: an unversioned bucket lists its objects so.
func versionOf(id *string) string {
	if v := aws.ToString(id); v != "" {
		return v
	}
	return "null"
}
