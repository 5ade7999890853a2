package backend

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Versioning checks that the bucket answers with these credentials and
// returns its versioning state: "Enabled", "Suspended" or "".
func (c *Client) Versioning(ctx context.Context) (string, error) {
	_, err := c.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(c.bucket)})
	if err != nil {
		return "", c.explainBucket(ctx, err)
	}
	out, err := c.s3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(c.bucket)})
	if err != nil {
		return "", fmt.Errorf("read the versioning of %s: %w", c.describe(""), c.fail("GetBucketVersioning", "", "", err))
	}
	return string(out.Status), nil
}

// explainBucket says why HeadBucket failed. A HEAD answer has no body, so
// a refusal is asked about again with a GET, whose answer says whether the
// access key or the secret key is wrong.
func (c *Client) explainBucket(ctx context.Context, headErr error) error {
	err := c.fail("HeadBucket", "", "", headErr)
	var be *Error
	if !errors.As(err, &be) {
		return fmt.Errorf("cannot reach the backend: %w", err)
	}
	where := c.describe("")
	switch be.Status {
	case http.StatusNotFound:
		be.Code = "NoSuchBucket"
		return fmt.Errorf("%s does not exist: create it, or name another bucket: %w", where, be)
	case http.StatusForbidden:
		_, getErr := c.s3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(c.bucket)})
		if errors.As(c.fail("GetBucketVersioning", "", "", getErr), &be) && be.Status == http.StatusForbidden {
			return fmt.Errorf("%s refused the credentials: %s: %w", where, credentialAdvice(be.Code), be)
		}
		return fmt.Errorf("%s refused the credentials: %w", where, err)
	case http.StatusMovedPermanently, http.StatusBadRequest:
		return fmt.Errorf("%s refused the request: check the region (%s) and the endpoint: %w", where, c.region, be)
	}
	return fmt.Errorf("%s did not answer HeadBucket: %w", where, be)
}

// credentialAdvice says what to check for an S3 refusal code.
func credentialAdvice(code string) string {
	switch code {
	case "InvalidAccessKeyId":
		return "the access key is unknown to the backend"
	case "SignatureDoesNotMatch":
		return "the secret key is wrong for this access key"
	case "RequestTimeTooSkewed":
		return "this machine's clock is too far from the backend's"
	}
	return "the access key has no permission on this bucket"
}
