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
		ChecksumAlgorithm:  types.ChecksumAlgorithm(strings.ToUpper(opts.ChecksumAlgorithm)),
		ChecksumType:       types.ChecksumType(strings.ToUpper(opts.ChecksumType)),
	}, h.withExpires, withHeaders(opts.Lock))
	if err != nil {
		return "", c.fail("CreateMultipartUpload", key, "", err)
	}
	return aws.ToString(out.UploadId), nil
}

// UploadPart streams one part.
func (c *Client) UploadPart(ctx context.Context, key, uploadID string, part int, body io.Reader, size int64, contentMD5 string) (string, error) {
	return c.UploadPartWith(ctx, key, uploadID, part, body, size, PutOptions{ContentMD5: contentMD5})
}

// UploadPartWith streams one part with the Content-MD5 and checksum of
// opts, which the backend checks.
func (c *Client) UploadPartWith(ctx context.Context, key, uploadID string, part int, body io.Reader, size int64, opts PutOptions) (string, error) {
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
	k.setIf("content-md5", opts.ContentMD5)
	k.setChecksum(opts.Checksum)
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
	return c.CompleteUpload(ctx, key, uploadID, parts, CompleteOptions{})
}

// CompleteUpload assembles the parts, with the write conditions and the
// checksums of opts and of each part for the backend to check.
func (c *Client) CompleteUpload(ctx context.Context, key, uploadID string, parts []Part, opts CompleteOptions) (PutResult, error) {
	completed := make([]types.CompletedPart, len(parts))
	for i, p := range parts {
		completed[i] = types.CompletedPart{PartNumber: aws.Int32(int32(p.Number)), ETag: aws.String(p.ETag)}
		setPartChecksum(&completed[i], p.Checksum)
	}
	in := &s3.CompleteMultipartUploadInput{
		Bucket:          aws.String(c.bucket),
		Key:             aws.String(key),
		UploadId:        aws.String(uploadID),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed},
		IfMatch:         optional(opts.IfMatch),
		IfNoneMatch:     optional(opts.IfNoneMatch),
		ChecksumType:    types.ChecksumType(strings.ToUpper(opts.ChecksumType)),
	}
	setCompleteChecksum(in, opts.Checksum)
	out, err := c.s3.CompleteMultipartUpload(ctx, in)
	if err != nil {
		return PutResult{}, c.fail("CompleteMultipartUpload", key, "", err)
	}
	res := PutResult{VersionID: versionOf(out.VersionId), ETag: aws.ToString(out.ETag),
		LastModified: answeredAt(rawHeader(out.ResultMetadata)), ChecksumType: string(out.ChecksumType)}
	for alg, v := range map[string]*string{"crc32": out.ChecksumCRC32, "crc32c": out.ChecksumCRC32C,
		"crc64nvme": out.ChecksumCRC64NVME, "sha1": out.ChecksumSHA1, "sha256": out.ChecksumSHA256} {
		if aws.ToString(v) != "" {
			res.Checksum = Checksum{Algorithm: alg, Value: aws.ToString(v)}
		}
	}
	return res, nil
}

// setPartChecksum puts a part's checksum in its SDK field.
func setPartChecksum(p *types.CompletedPart, sum Checksum) {
	v := optional(sum.Value)
	switch strings.ToLower(sum.Algorithm) {
	case "crc32":
		p.ChecksumCRC32 = v
	case "crc32c":
		p.ChecksumCRC32C = v
	case "crc64nvme":
		p.ChecksumCRC64NVME = v
	case "sha1":
		p.ChecksumSHA1 = v
	case "sha256":
		p.ChecksumSHA256 = v
	}
}

// setCompleteChecksum puts the whole object's checksum in its SDK field.
func setCompleteChecksum(in *s3.CompleteMultipartUploadInput, sum Checksum) {
	v := optional(sum.Value)
	switch strings.ToLower(sum.Algorithm) {
	case "crc32":
		in.ChecksumCRC32 = v
	case "crc32c":
		in.ChecksumCRC32C = v
	case "crc64nvme":
		in.ChecksumCRC64NVME = v
	case "sha1":
		in.ChecksumSHA1 = v
	case "sha256":
		in.ChecksumSHA256 = v
	}
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

// ListMultipartUploads lists one page of the uploads in progress. The
// backend is the only holder of this list: an upload begun by any client
// of the bucket, through the gateway or not, is in it until it is
// completed or aborted.
func (c *Client) ListMultipartUploads(ctx context.Context, in UploadListing) (UploadPage, error) {
	q := &s3.ListMultipartUploadsInput{
		Bucket:         aws.String(c.bucket),
		Prefix:         optional(in.Prefix),
		Delimiter:      optional(in.Delimiter),
		KeyMarker:      optional(in.KeyMarker),
		UploadIdMarker: optional(in.UploadIDMarker),
	}
	if in.MaxUploads > 0 {
		q.MaxUploads = aws.Int32(int32(in.MaxUploads))
	}
	out, err := c.s3.ListMultipartUploads(ctx, q)
	if err != nil {
		return UploadPage{}, c.fail("ListMultipartUploads", "", "", err)
	}
	page := UploadPage{
		IsTruncated:        aws.ToBool(out.IsTruncated),
		NextKeyMarker:      aws.ToString(out.NextKeyMarker),
		NextUploadIDMarker: aws.ToString(out.NextUploadIdMarker),
	}
	for _, u := range out.Uploads {
		page.Uploads = append(page.Uploads, Upload{
			Key:          aws.ToString(u.Key),
			UploadID:     aws.ToString(u.UploadId),
			Initiated:    aws.ToTime(u.Initiated),
			StorageClass: string(u.StorageClass),
		})
	}
	for _, p := range out.CommonPrefixes {
		page.CommonPrefixes = append(page.CommonPrefixes, aws.ToString(p.Prefix))
	}
	return page, nil
}

// ListParts lists one page of the parts stored for an upload, those
// numbered above marker; maxParts 0 asks for the server's default.
func (c *Client) ListParts(ctx context.Context, key, uploadID string, marker, maxParts int) (PartPage, error) {
	q := &s3.ListPartsInput{
		Bucket:   aws.String(c.bucket),
		Key:      aws.String(key),
		UploadId: aws.String(uploadID),
	}
	if marker > 0 {
		q.PartNumberMarker = aws.String(strconv.Itoa(marker))
	}
	if maxParts > 0 {
		q.MaxParts = aws.Int32(int32(maxParts))
	}
	out, err := c.s3.ListParts(ctx, q)
	if err != nil {
		return PartPage{}, c.fail("ListParts", key, "", err)
	}
	page := PartPage{IsTruncated: aws.ToBool(out.IsTruncated), StorageClass: string(out.StorageClass)}
	if next := aws.ToString(out.NextPartNumberMarker); next != "" {
		if page.NextPartNumberMarker, err = strconv.Atoi(next); err != nil {
			return PartPage{}, fmt.Errorf("ListParts %s: the next part number marker %q is no number", c.describe(key), next)
		}
	}
	for _, p := range out.Parts {
		page.Parts = append(page.Parts, StoredPart{
			Number:       int(aws.ToInt32(p.PartNumber)),
			ETag:         aws.ToString(p.ETag),
			Size:         aws.ToInt64(p.Size),
			LastModified: aws.ToTime(p.LastModified),
		})
	}
	return page, nil
}

// rawHeader is the header of the answer an SDK call read, if it kept it.
func rawHeader(md middleware.Metadata) http.Header {
	if raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok {
		return raw.Header
	}
	return nil
}
