package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// clientOptions are the same for the direct and the gateway client.
type clientOptions struct {
	// UnsignedPayload sends UNSIGNED-PAYLOAD instead of the body's SHA-256
	// (the SDK's default over plain HTTP is to hash the body).
	UnsignedPayload bool
	// TLS, when set, is the client's TLS configuration (the roots that
	// trust a benchmark's own certificate).
	TLS *tls.Config
}

// newClient is the one S3 client of the benchmark, aimed at an endpoint:
// aws-sdk-go-v2, path style, checksums only when an operation requires
// them (what an S3-compatible server over HTTP expects), no retries (a
// failure is counted, not hidden), and a transport that keeps enough idle
// connections for 64 concurrent requests.
func newClient(endpoint, ak, sk string, o clientOptions) (*s3.Client, *http.Transport) {
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
		WriteBufferSize:       64 << 10,
		ReadBufferSize:        64 << 10,
		TLSClientConfig:       o.TLS,
	}
	opts := s3.Options{
		BaseEndpoint:               aws.String(endpoint),
		UsePathStyle:               true,
		Region:                     "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider(ak, sk, ""),
		HTTPClient:                 &http.Client{Transport: tr},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		Retryer:                    aws.NopRetryer{},

		DisableLogOutputChecksumValidationSkipped: true,
	}
	if o.UnsignedPayload {
		opts.APIOptions = append(opts.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
	}
	return s3.New(opts), tr
}

// createBackendBucket makes a bucket on the backend, versioned if asked.
func createBackendBucket(ctx context.Context, c *s3.Client, name string, versioned bool) error {
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	var owned *types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("create backend bucket %s: %w", name, err)
	}
	if !versioned {
		return nil
	}
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(name),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
	})
	if err != nil {
		return fmt.Errorf("enable versioning on backend bucket %s: %w", name, err)
	}
	return nil
}

// waitS3 waits until the server answers S3 requests: MinIO reports itself
// ready a moment before it has initialised its S3 layer.
func waitS3(ctx context.Context, c *s3.Client) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the backend does not answer S3 requests: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
