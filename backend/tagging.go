package backend

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// GetTagging reads a version's tags.
func (c *Client) GetTagging(ctx context.Context, key, versionID string) ([]Tag, error) {
	out, err := c.s3.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{
		Bucket:    aws.String(c.bucket),
		Key:       aws.String(key),
		VersionId: optional(versionID),
	})
	if err != nil {
		return nil, c.fail("GetObjectTagging", key, versionID, err)
	}
	tags := make([]Tag, len(out.TagSet))
	for i, t := range out.TagSet {
		tags[i] = Tag{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)}
	}
	return tags, nil
}

// PutTagging replaces a version's tags.
func (c *Client) PutTagging(ctx context.Context, key, versionID string, tags []Tag) error {
	set := make([]types.Tag, len(tags))
	for i, t := range tags {
		set[i] = types.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)}
	}
	_, err := c.s3.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{
		Bucket:    aws.String(c.bucket),
		Key:       aws.String(key),
		VersionId: optional(versionID),
		Tagging:   &types.Tagging{TagSet: set},
	}, s3.WithAPIOptions(addContentMD5))
	if err != nil {
		return c.fail("PutObjectTagging", key, versionID, err)
	}
	return nil
}

// DeleteTagging removes a version's tags.
func (c *Client) DeleteTagging(ctx context.Context, key, versionID string) error {
	_, err := c.s3.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{
		Bucket:    aws.String(c.bucket),
		Key:       aws.String(key),
		VersionId: optional(versionID),
	})
	if err != nil {
		return c.fail("DeleteObjectTagging", key, versionID, err)
	}
	return nil
}

// addContentMD5 sends the Content-MD5 of a small XML body. S3 requires a
// checksum for PutObjectTagging, and the SDK now sends only a CRC32, which
// older S3-compatible servers do not take in place of Content-MD5.
func addContentMD5(stack *middleware.Stack) error {
	return stack.Build.Add(middleware.BuildMiddlewareFunc("ringsideContentMD5",
		func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
			req, ok := in.Request.(*smithyhttp.Request)
			if !ok || req.GetStream() == nil {
				return next.HandleBuild(ctx, in)
			}
			body, err := io.ReadAll(req.GetStream())
			if err != nil {
				return middleware.BuildOutput{}, middleware.Metadata{}, fmt.Errorf("read the body to sum it: %w", err)
			}
			sum := md5.Sum(body)
			req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
			if req, err = req.SetStream(bytes.NewReader(body)); err != nil {
				return middleware.BuildOutput{}, middleware.Metadata{}, err
			}
			in.Request = req
			return next.HandleBuild(ctx, in)
		}), middleware.After)
}
