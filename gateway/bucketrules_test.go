package gateway

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestCreateBucketRefusals(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	// An unversioned backend bucket behind a no-prefix location.
	if _, err := e.direct.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("unversioned")}); err != nil {
		t.Fatal(err)
	}
	e.addLocation("unv", "unversioned", true)
	e.createBucket("first", "ring")
	e.put("first", "k", "data")

	tests := []struct {
		name, bucket, constraint string
		code                     string
		status                   int
	}{
		{"unknown location", "bkt1", "mars", "InvalidLocationConstraint", 400},
		{"no constraint and no default", "bkt1", "", "InvalidLocationConstraint", 400},
		{"bare ingest suffix", "bkt1", ":ingest", "InvalidLocationConstraint", 400},
		{"mirror on a prefix location", "bkt1", "shared:ingest", "InvalidLocationConstraint", 400},
		{"mirror on an unversioned backend bucket", "bkt1", "unv:ingest", "InvalidBucketState", 409},
		{"second bucket on a no-prefix location", "bkt1", "ring", "InvalidLocationConstraint", 400},
		{"second mirror bucket on a no-prefix location", "bkt1", "ring:ingest", "InvalidLocationConstraint", 400},
		{"existing bucket", "first", "shared", "BucketAlreadyOwnedByYou", 409},
		{"invalid name", "Bad_Name", "shared", "InvalidBucketName", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.bucketNames()
			backendBefore := e.backendKeys("ring")
			in := &s3.CreateBucketInput{Bucket: aws.String(tt.bucket)}
			if tt.constraint != "" {
				in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{
					LocationConstraint: s3types.BucketLocationConstraint(tt.constraint)}
			}
			_, err := e.s3.CreateBucket(ctx, in)
			wantS3Code(t, err, tt.code)
			if got := httpStatusOf(err); got != tt.status {
				t.Errorf("status = %d, want %d", got, tt.status)
			}
			if after := e.bucketNames(); !reflect.DeepEqual(before, after) {
				t.Errorf("buckets changed: %v -> %v", before, after)
			}
			if after := e.backendKeys("ring"); !reflect.DeepEqual(backendBefore, after) {
				t.Errorf("backend changed: %v -> %v", backendBefore, after)
			}
		})
	}
	if b, err := e.db.GetBucket("first"); err != nil || b.Location != "ring" || b.Mirror {
		t.Errorf("bucket first = %+v, %v", b, err)
	}
}

func TestCreateBucketModes(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("mirrored", "ring:ingest")
	e.createBucket("plain", "shared")
	for name, want := range map[string]struct {
		loc    string
		mirror bool
	}{"mirrored": {"ring", true}, "plain": {"shared", false}} {
		b, err := e.cat.Bucket(ctx, name)
		if err != nil || b.Location != want.loc || b.Mirror != want.mirror || b.Versioning != "Enabled" {
			t.Errorf("bucket %s = %+v, %v", name, b, err)
		}
	}
	buckets, err := e.cat.Buckets(ctx)
	if err != nil || len(buckets) != 2 {
		t.Errorf("Buckets = %v, %v", buckets, err)
	}
	if _, err := e.cat.Bucket(ctx, "nope"); err == nil || err.(*Error).Code != "NoSuchBucket" {
		t.Errorf("Bucket(nope) = %v, want NoSuchBucket", err)
	}

}

func TestDeleteBucket(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("plain", "shared")
	e.put("plain", "k", "data")
	_, err := e.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("plain")})
	wantS3Code(t, err, "BucketNotEmpty")
	if httpStatusOf(err) != http.StatusConflict {
		t.Errorf("status = %d, want 409", httpStatusOf(err))
	}
	if _, body := e.get("plain", "k"); body != "data" {
		t.Errorf("object after a refused delete = %q", body)
	}
	if _, err := e.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("plain"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	// A version and a delete marker are left: S3 still refuses.
	_, err = e.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("plain")})
	wantS3Code(t, err, "BucketNotEmpty")
	e.deleteAllVersions("plain")
	if _, err := e.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("plain")}); err != nil {
		t.Fatal(err)
	}
	if names := e.bucketNames(); len(names) != 0 {
		t.Errorf("buckets after delete = %v", names)
	}
	_, err = e.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("plain")})
	wantS3Code(t, err, "NoSuchBucket")
}

func TestVersioningFollowsBackend(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("mirrored", "ring:ingest")
	e.createBucket("plain", "shared")
	put := func(bucket string, s s3types.BucketVersioningStatus) error {
		_, err := e.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
			Bucket:                  aws.String(bucket),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s},
		})
		return err
	}
	err := put("mirrored", s3types.BucketVersioningStatusSuspended)
	wantS3Code(t, err, "InvalidBucketState")
	if httpStatusOf(err) != http.StatusConflict {
		t.Errorf("status = %d, want 409", httpStatusOf(err))
	}
	if err := put("mirrored", s3types.BucketVersioningStatusEnabled); err != nil {
		t.Errorf("enabling versioning of a mirror bucket: %v", err)
	}
	err = put("plain", s3types.BucketVersioningStatusSuspended)
	wantS3Code(t, err, "NotImplemented")
	for _, b := range []string{"ring", "shared"} {
		out, err := e.direct.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(b)})
		if err != nil || out.Status != s3types.BucketVersioningStatusEnabled {
			t.Errorf("backend bucket %s versioning = %v, %v; want Enabled", b, out.Status, err)
		}
	}
	out, err := e.s3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("plain")})
	if err != nil || out.Status != s3types.BucketVersioningStatusEnabled {
		t.Errorf("GetBucketVersioning = %v, %v", out.Status, err)
	}
	if b, _ := e.db.GetBucket("mirrored"); !b.Mirror || !strings.EqualFold(b.Versioning, "Enabled") {
		t.Errorf("bucket record = %+v", b)
	}
}
