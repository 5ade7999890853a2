package testenv

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3Client is an aws-sdk-go-v2 client for an endpoint that tries each
// request once, so that a test sees every answer the server gives, and
// computes checksums only when required, as an S3-compatible server
// expects. With hc nil the client builds its own transport, so that
// AWS_CA_BUNDLE in the environment does not matter.
func S3Client(endpoint, ak, sk string, hc *http.Client) *s3.Client {
	o := s3.Options{
		BaseEndpoint:               aws.String(endpoint),
		UsePathStyle:               true,
		Region:                     "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider(ak, sk, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		RetryMaxAttempts:           1,

		DisableLogOutputChecksumValidationSkipped: true,
	}
	if hc != nil {
		o.HTTPClient = hc
	}
	return s3.New(o)
}

// CreateBucket creates a bucket, with versioning Enabled if asked
// (otherwise never configured).
func CreateBucket(ctx context.Context, c *s3.Client, name string, versioned bool) error {
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	if !versioned {
		return nil
	}
	return EnableVersioning(ctx, c, name)
}

// EnableVersioning sets a bucket's versioning to Enabled.
func EnableVersioning(ctx context.Context, c *s3.Client, name string) error {
	_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(name),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
	})
	if err != nil {
		return fmt.Errorf("enable versioning on %s: %w", name, err)
	}
	return nil
}

// GetObject reads an object (a given version if versionID is set).
func GetObject(ctx context.Context, c *s3.Client, bucket, key, versionID string) ([]byte, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if versionID != "" {
		in.VersionId = aws.String(versionID)
	}
	out, err := c.GetObject(ctx, in)
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}
