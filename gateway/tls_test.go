package gateway

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestTLSChunkedUploads uploads over HTTPS with the SDK's defaults, which
// send aws-chunked bodies with a trailing checksum: the objects on the
// backend are the bytes sent, without the framing.
func TestTLSChunkedUploads(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "ring")
	srv := httptest.NewTLSServer(e.g.Handler())
	t.Cleanup(srv.Close)
	client := newTLSClient(srv.URL)
	payload := bytes.Repeat([]byte("0123456789abcdef"), 80_000) // 1.28 MB
	// A reader that is not seekable makes the SDK stream aws-chunked.
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("data"), Key: aws.String("chunked"),
		Body: io.MultiReader(bytes.NewReader(payload)), ContentLength: aws.Int64(int64(len(payload))),
	}); err != nil {
		t.Fatal(err)
	}
	out, body, err := e.directGet("ring", "chunked")
	if err != nil || body != string(payload) || aws.ToString(out.ContentEncoding) != "" {
		t.Fatalf("backend object: %d bytes (want %d), encoding %q, %v", len(body), len(payload), aws.ToString(out.ContentEncoding), err)
	}

	up, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("data"), Key: aws.String("parts")})
	if err != nil {
		t.Fatal(err)
	}
	part, err := client.UploadPart(ctx, &s3.UploadPartInput{
		Bucket: aws.String("data"), Key: aws.String("parts"), UploadId: up.UploadId, PartNumber: aws.Int32(1),
		Body: io.MultiReader(bytes.NewReader(payload)), ContentLength: aws.Int64(int64(len(payload))),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String("data"), Key: aws.String("parts"), UploadId: up.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{ETag: part.ETag, PartNumber: aws.Int32(1)}}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, body, err := e.directGet("ring", "parts"); err != nil || body != string(payload) {
		t.Fatalf("backend object from a multipart upload: %d bytes (want %d), %v", len(body), len(payload), err)
	}
}

// newTLSClient is a client of the gateway served over HTTPS at endpoint by
// an httptest TLS server, whose own certificate it trusts blindly.
func newTLSClient(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(endpoint),
		Region:       "us-east-1",
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(clientAccess, clientSecret, ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient: &http.Client{Transport: &http.Transport{
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		}},
	})
}
