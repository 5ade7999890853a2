package gateway

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestUnsupportedSubresources(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "ring")
	e.put("data", "k", "kept")
	bucket, key := aws.String("data"), aws.String("k")

	tests := []struct {
		name string
		call func() error
	}{
		{"PUT ?cors", func() error {
			_, err := e.s3.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: bucket, CORSConfiguration: &s3types.CORSConfiguration{
				CORSRules: []s3types.CORSRule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"*"}}}}})
			return err
		}},
		{"DELETE ?cors", func() error {
			_, err := e.s3.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: bucket})
			return err
		}},
		{"DELETE ?policy", func() error {
			_, err := e.s3.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: bucket})
			return err
		}},
		{"PUT ?policy", func() error {
			_, err := e.s3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: bucket, Policy: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
			return err
		}},
		{"DELETE ?lifecycle", func() error {
			_, err := e.s3.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: bucket})
			return err
		}},
		{"PUT object ?acl public-read", func() error {
			_, err := e.s3.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: bucket, Key: key, ACL: s3types.ObjectCannedACLPublicRead})
			return err
		}},
		{"PUT bucket ?acl public-read", func() error {
			_, err := e.s3.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: bucket, ACL: s3types.BucketCannedACLPublicRead})
			return err
		}},
		{"PUT object with a public ACL", func() error {
			_, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: key, Body: strings.NewReader("replaced"), ACL: s3types.ObjectCannedACLPublicRead})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.listVersions("data")
			err := tt.call()
			wantS3Code(t, err, "NotImplemented")
			if httpStatusOf(err) != 501 {
				t.Errorf("status = %d, want 501", httpStatusOf(err))
			}
			if after := e.listVersions("data"); !reflect.DeepEqual(before, after) {
				t.Errorf("versions changed: %v -> %v", before, after)
			}
			if names := e.bucketNames(); !reflect.DeepEqual(names, []string{"data"}) {
				t.Errorf("buckets = %v", names)
			}
			if _, body := e.get("data", "k"); body != "kept" {
				t.Errorf("object = %q", body)
			}
			if keys := e.backendKeys("ring"); !reflect.DeepEqual(keys, []string{"k"}) {
				t.Errorf("backend keys = %v", keys)
			}
		})
	}

	// What S3 answers for a bucket without the feature configured, or the
	// private ACL every object has, still works.
	_, err := e.s3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: bucket})
	wantS3Code(t, err, "NoSuchBucketPolicy")
	if _, err := e.s3.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: bucket, Key: key}); err != nil {
		t.Errorf("GET ?acl: %v", err)
	}
	if _, err := e.s3.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: bucket, Key: key, ACL: s3types.ObjectCannedACLPrivate}); err != nil {
		t.Errorf("PUT ?acl private: %v", err)
	}
	_, err = e.s3.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: aws.String("nobucket")})
	wantS3Code(t, err, "NoSuchBucket")
}
