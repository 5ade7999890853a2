package gateway

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestMirrorBucketIngests creates a mirror bucket over S3 with the ingester
// connected: an object already in the backend bucket and one written there
// afterwards become listable through the gateway, and deleting the bucket
// stops its loop.
func TestMirrorBucketIngests(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	if _, err := e.direct.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("ring"), Key: aws.String("before"), Body: strings.NewReader("b")}); err != nil {
		t.Fatal(err)
	}
	m := e.mirror
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	e.createBucket("mirrored", "ring:ingest")
	if _, err := e.direct.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("ring"), Key: aws.String("after"), Body: strings.NewReader("a")}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := e.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("mirrored")})
		if err != nil {
			t.Fatal(err)
		}
		if keys := listedKeys(out.Contents); keys == "after,before" {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("listing = %q, want after,before", keys)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := m.Status("mirrored"); err != nil {
		t.Fatalf("status of the mirror bucket: %v", err)
	}
	e.deleteAllVersions("mirrored")
	if _, err := e.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("mirrored")}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Status("mirrored"); err == nil {
		t.Error("the deleted bucket still has a mirror loop")
	}
}

func listedKeys(objs []s3types.Object) string {
	var keys []string
	for _, o := range objs {
		keys = append(keys, aws.ToString(o.Key))
	}
	return strings.Join(keys, ",")
}
