package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/versity/versitygw/tests/integration"
)

// cleanTarget deletes every bucket left on the target, with its object
// versions and uploads, so that each test starts on an empty server as
// the first one does. A test whose own teardown failed already reported
// it; what it left would otherwise fail the tests after it for its sake
// (a no-prefix location takes one gateway bucket at a time). What cannot
// be removed (an object under compliance retention) is returned.
func cleanTarget(conf *integration.S3Conf) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := conf.GetClient()
	out, err := client.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		return fmt.Errorf("list buckets: %w", err)
	}
	var errs []error
	for _, b := range out.Buckets {
		if err := removeBucket(ctx, client, aws.ToString(b.Name)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func removeBucket(ctx context.Context, client *s3.Client, bucket string) error {
	uploads, err := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &bucket})
	if err == nil {
		for _, u := range uploads.Uploads {
			// Best effort: DeleteBucket below says whether it mattered.
			_, _ = client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &bucket, Key: u.Key, UploadId: u.UploadId})
		}
	}
	if err := emptyVersions(ctx, client, bucket); err != nil {
		if err := emptyObjects(ctx, client, bucket); err != nil {
			return err
		}
	}
	if _, err := client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket}); err != nil {
		return fmt.Errorf("delete bucket %s: %w", bucket, err)
	}
	return nil
}

func emptyVersions(ctx context.Context, client *s3.Client, bucket string) error {
	p := s3.NewListObjectVersionsPaginator(client, &s3.ListObjectVersionsInput{Bucket: &bucket})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list versions of %s: %w", bucket, err)
		}
		for _, v := range page.Versions {
			deleteObject(ctx, client, bucket, v.Key, v.VersionId)
		}
		for _, m := range page.DeleteMarkers {
			deleteObject(ctx, client, bucket, m.Key, m.VersionId)
		}
	}
	return nil
}

func emptyObjects(ctx context.Context, client *s3.Client, bucket string) error {
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: &bucket})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list objects of %s: %w", bucket, err)
		}
		for _, o := range page.Contents {
			deleteObject(ctx, client, bucket, o.Key, nil)
		}
	}
	return nil
}

// deleteObject lifts a legal hold and bypasses governance retention, as
// the suite's own teardown does; DeleteBucket reports what stays.
func deleteObject(ctx context.Context, client *s3.Client, bucket string, key, version *string) {
	_, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: &bucket, Key: key, VersionId: version, BypassGovernanceRetention: aws.Bool(true),
	})
	if err == nil {
		return
	}
	_, _ = client.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{
		Bucket: &bucket, Key: key, VersionId: version,
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOff},
	})
	_, _ = client.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: &bucket, Key: key, VersionId: version, BypassGovernanceRetention: aws.Bool(true),
	})
}
