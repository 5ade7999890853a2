package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/ringside/ringside/internal/s3err"
)

// partSize is the most an upload holds in memory: a file that fills it
// goes up as a multipart upload of parts this size.
const partSize = 8 << 20

// objectStore is the S3 client of the object pages, over the gateway's
// handler in process.
type objectStore struct{ c *s3.Client }

func newObjectStore(h http.Handler, ak, sk string) *objectStore {
	c := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://ringside.console"),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(ak, sk, ""),
		HTTPClient:   &http.Client{Transport: inProcess{h: h}},
		// The SDK's default trailing checksums add nothing in process.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		// Nor does waiting for 100 Continue.
		ContinueHeaderThresholdBytes: -1,
	})
	return &objectStore{c: c}
}

// s3Message is the message of an S3 refusal, as a client shows it.
func s3Message(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if ae.ErrorMessage() != "" {
			return ae.ErrorCode() + ": " + ae.ErrorMessage()
		}
		return ae.ErrorCode()
	}
	return message(err)
}

// put streams body into bucket/key: one PutObject when it fits in a
// part, a multipart upload otherwise, never holding more than a part.
func (o *objectStore) put(ctx context.Context, bucket, key, contentType string, body io.Reader) (int64, error) {
	buf := make([]byte, partSize)
	n, err := io.ReadFull(body, buf)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		_, err := o.c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, ContentType: ctypeOrNil(contentType),
			Body: bytes.NewReader(buf[:n]), ContentLength: aws.Int64(int64(n))})
		if err != nil {
			return 0, fmt.Errorf("put %s: %w", key, err)
		}
		return int64(n), nil
	}
	if err != nil {
		return 0, fmt.Errorf("read the upload of %s: %w", key, err)
	}
	return o.putMultipart(ctx, bucket, key, contentType, buf, body)
}

func (o *objectStore) putMultipart(ctx context.Context, bucket, key, contentType string, first []byte, rest io.Reader) (int64, error) {
	up, err := o.c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key, ContentType: ctypeOrNil(contentType)})
	if err != nil {
		return 0, fmt.Errorf("start the multipart upload of %s: %w", key, err)
	}
	total, parts, err := o.uploadParts(ctx, bucket, key, up.UploadId, first, rest)
	if err == nil {
		_, err = o.c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: &key,
			UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	}
	if err != nil {
		// A fresh context: the request's may be what ended.
		_, aerr := o.c.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{Bucket: &bucket, Key: &key, UploadId: up.UploadId})
		return 0, errors.Join(fmt.Errorf("upload %s: %w", key, err), aerr)
	}
	return total, nil
}

// uploadParts sends buf, then the rest of the body a part at a time.
func (o *objectStore) uploadParts(ctx context.Context, bucket, key string, id *string, buf []byte, rest io.Reader) (int64, []types.CompletedPart, error) {
	var parts []types.CompletedPart
	var total int64
	n := len(buf)
	for num := int32(1); ; num++ {
		p, err := o.c.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: &key, UploadId: id, PartNumber: aws.Int32(num),
			Body: bytes.NewReader(buf[:n]), ContentLength: aws.Int64(int64(n))})
		if err != nil {
			return 0, nil, fmt.Errorf("part %d: %w", num, err)
		}
		parts = append(parts, types.CompletedPart{ETag: p.ETag, PartNumber: aws.Int32(num)})
		total += int64(n)
		n, err = io.ReadFull(rest, buf[:cap(buf)])
		if errors.Is(err, io.EOF) {
			return total, parts, nil
		}
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, nil, fmt.Errorf("read part %d: %w", num+1, err)
		}
	}
}

func ctypeOrNil(ct string) *string {
	if ct == "" {
		return nil
	}
	return &ct
}

// errNoKeys is why the object pages cannot work.
var errNoKeys = s3err.New(s3err.AccessDenied,
	"The console has no S3 key pair to browse objects with: start ringside with --access-key and --secret-key.")
