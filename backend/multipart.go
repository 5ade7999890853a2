package backend

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// CreateMultipartUpload starts a multipart upload on the backend.
func (c *Client) CreateMultipartUpload(ctx context.Context, key string, meta map[string]string, opts PutOptions) (string, error) {
	h := toHeaders(meta)
	out, err := c.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket:             aws.String(c.bucket),
		Key:                aws.String(key),
		CacheControl:       h.CacheControl,
		ContentDisposition: h.ContentDisposition,
		ContentEncoding:    h.ContentEncoding,
		ContentLanguage:    h.ContentLanguage,
		ContentType:        h.ContentType,
		Metadata:           h.User,
		Tagging:            optional(opts.Tagging),
	}, h.withExpires)
	if err != nil {
		return "", c.fail("CreateMultipartUpload", key, "", err)
	}
	return aws.ToString(out.UploadId), nil
}

// UploadPart streams one part.
func (c *Client) UploadPart(ctx context.Context, key, uploadID string, part int, body io.Reader, size int64, contentMD5 string) (string, error) {
	if size < 0 {
		return "", fmt.Errorf("UploadPart %s: the size must be known", c.describe(key))
	}
	k := &objectCall{
		op: "UploadPart", method: http.MethodPut, key: key, body: body, size: size,
		query: "partNumber=" + strconv.Itoa(part) + "&uploadId=" + escape(uploadID, false),
	}
	if body == nil {
		k.body = http.NoBody
	}
	k.setIf("content-md5", contentMD5)
	resp, err := c.do(ctx, k)
	if err != nil {
		return "", err
	}
	closeAnswer(resp)
	return first(resp.Header, "Etag"), nil
}

// UploadPartCopy copies a range (rng "bytes=a-b" or "") of srcKey into a part.
func (c *Client) UploadPartCopy(ctx context.Context, key, uploadID string, part int, srcKey, srcVersionID, rng string, cond Conditions) (etag string, lastModified time.Time, err error) {
	out, err := c.s3.UploadPartCopy(ctx, &s3.UploadPartCopyInput{
		Bucket:                      aws.String(c.bucket),
		Key:                         aws.String(key),
		UploadId:                    aws.String(uploadID),
		PartNumber:                  aws.Int32(int32(part)),
		CopySource:                  aws.String(c.copySource(srcKey, srcVersionID)),
		CopySourceRange:             optional(rng),
		CopySourceIfMatch:           optional(cond.IfMatch),
		CopySourceIfNoneMatch:       optional(cond.IfNoneMatch),
		CopySourceIfModifiedSince:   cond.IfModifiedSince,
		CopySourceIfUnmodifiedSince: cond.IfUnmodifiedSince,
	})
	if err != nil {
		return "", time.Time{}, c.fail("UploadPartCopy", key, "", err)
	}
	if r := out.CopyPartResult; r != nil {
		return aws.ToString(r.ETag), aws.ToTime(r.LastModified), nil
	}
	return "", time.Time{}, nil
}

// CompleteMultipartUpload assembles the parts.
func (c *Client) CompleteMultipartUpload(ctx context.Context, key, uploadID string, parts []Part) (PutResult, error) {
	completed := make([]types.CompletedPart, len(parts))
	for i, p := range parts {
		completed[i] = types.CompletedPart{PartNumber: aws.Int32(int32(p.Number)), ETag: aws.String(p.ETag)}
	}
	out, err := c.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          aws.String(c.bucket),
		Key:             aws.String(key),
		UploadId:        aws.String(uploadID),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed},
	})
	if err != nil {
		return PutResult{}, c.fail("CompleteMultipartUpload", key, "", err)
	}
	return PutResult{VersionID: versionOf(out.VersionId), ETag: aws.ToString(out.ETag), LastModified: answeredAt(rawHeader(out.ResultMetadata))}, nil
}

// AbortMultipartUpload discards an upload and its parts.
func (c *Client) AbortMultipartUpload(ctx context.Context, key, uploadID string) error {
	_, err := c.s3.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket:   aws.String(c.bucket),
		Key:      aws.String(key),
		UploadId: aws.String(uploadID),
	})
	if err != nil {
		return c.fail("AbortMultipartUpload", key, "", err)
	}
	return nil
}

// rawHeader is the header of the answer an SDK call read, if it kept it.
func rawHeader(md middleware.Metadata) http.Header {
	if raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok {
		return raw.Header
	}
	return nil
}
