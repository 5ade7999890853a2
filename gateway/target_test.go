package gateway

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestTargetCacheInvalidation checks that a bucket's cached target never
// outlives a change to its bucket or location record, whichever path
// makes it: the S3 API, the gateway's management calls, or the index.
func TestTargetCacheInvalidation(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		setup  func(e *s3Env)
		change func(e *s3Env)
		check  func(t *testing.T, e *s3Env, got target, err error)
	}{
		{
			name:  "bucket deleted over S3",
			setup: func(e *s3Env) { e.createBucket("bkt", "shared") },
			change: func(e *s3Env) {
				if _, err := e.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("bkt")}); err != nil {
					e.t.Fatal(err)
				}
			},
			check: func(t *testing.T, e *s3Env, _ target, err error) {
				wantCode(t, err, "NoSuchBucket")
				_, err = e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
				if httpStatusOf(err) != 404 {
					t.Errorf("HEAD in a deleted bucket: %v, want 404", err)
				}
			},
		},
		{
			name:  "bucket deleted and created again on another location",
			setup: func(e *s3Env) { e.createBucket("bkt", "shared") },
			change: func(e *s3Env) {
				if err := e.cat.DeleteBucket(ctx, "bkt", e.mirror); err != nil {
					e.t.Fatal(err)
				}
				if _, err := e.cat.CreateBucket(ctx, "bkt", "ring", false, e.mirror); err != nil {
					e.t.Fatal(err)
				}
			},
			check: func(t *testing.T, _ *s3Env, got target, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if got.loc.Name != "ring" || got.prefix != "" {
					t.Errorf("target = location %s, prefix %q; want ring, no prefix", got.loc.Name, got.prefix)
				}
			},
		},
		{
			name:  "location changed in the index",
			setup: func(e *s3Env) { e.createBucket("bkt", "shared") },
			change: func(e *s3Env) {
				l := e.location("shared", "ring", false)
				if err := e.db.PutLocation(l); err != nil {
					e.t.Fatal(err)
				}
			},
			check: func(t *testing.T, e *s3Env, got target, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if got.loc.TargetBucket != "ring" {
					t.Errorf("target bucket = %s, want ring", got.loc.TargetBucket)
				}
				e.put("bkt", "moved", "data")
				if _, body, err := e.directGet("ring", "bkt/moved"); err != nil || body != "data" {
					t.Errorf("write after the change: backend ring has %q, %v", body, err)
				}
			},
		},
		{
			name: "bucket versioning recorded by GetBucketVersioning",
			setup: func(e *s3Env) {
				e.createBucket("bkt", "shared")
				b, err := e.db.GetBucket("bkt")
				if err != nil {
					e.t.Fatal(err)
				}
				b.Versioning = ""
				if err := e.db.PutBucket(b); err != nil {
					e.t.Fatal(err)
				}
			},
			change: func(e *s3Env) {
				if _, err := e.s3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("bkt")}); err != nil {
					e.t.Fatal(err)
				}
			},
			check: func(t *testing.T, _ *s3Env, got target, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if !got.versioned() {
					t.Errorf("target versioning = %q, want the backend's Enabled", got.bucket.Versioning)
				}
			},
		},
		{
			name:  "bucket created after a miss",
			setup: func(e *s3Env) {},
			change: func(e *s3Env) {
				if _, err := e.cat.CreateBucket(ctx, "bkt", "shared", false, e.mirror); err != nil {
					e.t.Fatal(err)
				}
			},
			check: func(t *testing.T, _ *s3Env, got target, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if got.prefix != "bkt/" {
					t.Errorf("prefix = %q, want bkt/", got.prefix)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newS3Env(t)
			tt.setup(e)
			// Twice, so that the second lookup is served from the cache.
			for range 2 {
				_, _ = e.g.target("bkt")
			}
			tt.change(e)
			got, err := e.g.target("bkt")
			tt.check(t, e, got, err)
		})
	}
}

// wantCode fails unless err is a gateway refusal with the S3 code want.
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}
