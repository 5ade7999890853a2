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

// Conditional writes are checked against the index and again by the
// backend as it writes: a write out of band that the index has not seen
// yet still fails the condition.
func TestConditionalWrites(t *testing.T) {
	tests := []struct {
		name string
		// oob overwrites k on the backend behind the index's back.
		oob      bool
		ifMatch  func(indexed string) *string
		ifNone   *string
		wantCode string
	}{
		{"If-None-Match * on an existing key", false, nil, aws.String("*"), "PreconditionFailed"},
		{"If-Match the current ETag", false, func(e string) *string { return &e }, nil, ""},
		{"If-Match another ETag", false, func(string) *string { return aws.String(`"0123"`) }, nil, "PreconditionFailed"},
		{"If-Match an ETag replaced out of band", true, func(e string) *string { return &e }, nil, "PreconditionFailed"},
	}
	for _, tt := range tests {
		for _, via := range []string{"put", "complete"} {
			t.Run(tt.name+" by "+via, func(t *testing.T) {
				e := newS3Env(t)
				e.createBucket("data", "ring")
				indexed := aws.ToString(e.put("data", "k", "old").ETag)
				ctx := context.Background()
				if tt.oob {
					if _, err := e.direct.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("ring"), Key: aws.String("k"), Body: strings.NewReader("oob")}); err != nil {
						t.Fatal(err)
					}
				}
				var ifMatch *string
				if tt.ifMatch != nil {
					ifMatch = tt.ifMatch(indexed)
				}
				err := conditionalWrite(e, via, ifMatch, tt.ifNone)
				if tt.wantCode != "" {
					wantS3Code(t, err, tt.wantCode)
					want := "old"
					if tt.oob {
						want = "oob"
					}
					if _, body, _ := e.directGet("ring", "k"); body != want {
						t.Errorf("backend has %q after a refused write, want %q", body, want)
					}
					return
				}
				if err != nil {
					t.Fatalf("conditional %s: %v", via, err)
				}
				if _, body := e.get("data", "k"); body != "new" {
					t.Errorf("body %q after the write", body)
				}
			})
		}
	}
}

// TestIfNoneMatchOnNewKey writes a key that does not exist, by PUT and by
// completing an upload, with If-None-Match: *.
func TestIfNoneMatchOnNewKey(t *testing.T) {
	for _, via := range []string{"put", "complete"} {
		e := newS3Env(t)
		e.createBucket("data", "ring")
		if err := conditionalWrite(e, via, nil, aws.String("*")); err != nil {
			t.Fatalf("%s If-None-Match * of a new key: %v", via, err)
		}
		if _, body := e.get("data", "k"); body != "new" {
			t.Errorf("%s: body %q", via, body)
		}
	}
}

// conditionalWrite writes "new" to data/k by PutObject or by a one-part
// multipart upload, with the conditions given.
func conditionalWrite(e *s3Env, via string, ifMatch, ifNoneMatch *string) error {
	ctx := context.Background()
	bucket, key := aws.String("data"), aws.String("k")
	if via == "put" {
		_, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: key, Body: strings.NewReader("new"),
			IfMatch: ifMatch, IfNoneMatch: ifNoneMatch})
		return err
	}
	up, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: key})
	if err != nil {
		return err
	}
	part, err := e.s3.UploadPart(ctx, &s3.UploadPartInput{Bucket: bucket, Key: key, UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("new")})
	if err != nil {
		return err
	}
	_, err = e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: bucket, Key: key, UploadId: up.UploadId,
		IfMatch: ifMatch, IfNoneMatch: ifNoneMatch,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}})
	return err
}

// DeleteObject with If-Match, x-amz-if-match-last-modified-time and
// x-amz-if-match-size deletes only when they hold; a key that is not there
// meets them all.
func TestConditionalDelete(t *testing.T) {
	tests := []struct {
		name     string
		cond     func(in *s3.DeleteObjectInput, head *s3.HeadObjectOutput)
		wantCode string
	}{
		{"If-Match holds", func(in *s3.DeleteObjectInput, h *s3.HeadObjectOutput) { in.IfMatch = h.ETag }, ""},
		{"If-Match fails", func(in *s3.DeleteObjectInput, _ *s3.HeadObjectOutput) { in.IfMatch = aws.String(`"0123"`) }, "PreconditionFailed"},
		{"size holds", func(in *s3.DeleteObjectInput, h *s3.HeadObjectOutput) { in.IfMatchSize = h.ContentLength }, ""},
		{"size fails", func(in *s3.DeleteObjectInput, _ *s3.HeadObjectOutput) { in.IfMatchSize = aws.Int64(99) }, "PreconditionFailed"},
		{"time holds", func(in *s3.DeleteObjectInput, h *s3.HeadObjectOutput) { in.IfMatchLastModifiedTime = h.LastModified }, ""},
		{"time fails", func(in *s3.DeleteObjectInput, h *s3.HeadObjectOutput) {
			in.IfMatchLastModifiedTime = aws.Time(h.LastModified.Add(-time.Hour))
		}, "PreconditionFailed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newS3Env(t)
			e.createBucket("data", "ring")
			e.put("data", "k", "old")
			ctx := context.Background()
			head, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("k")})
			if err != nil {
				t.Fatal(err)
			}
			in := &s3.DeleteObjectInput{Bucket: aws.String("data"), Key: aws.String("k")}
			tt.cond(in, head)
			_, err = e.s3.DeleteObject(ctx, in)
			_, herr := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("k")})
			if tt.wantCode != "" {
				wantS3Code(t, err, tt.wantCode)
				if herr != nil {
					t.Errorf("the object is gone after a refused delete: %v", herr)
				}
				return
			}
			if err != nil || httpStatusOf(herr) != 404 {
				t.Errorf("delete: %v; HEAD after it: %v", err, herr)
			}
			in.Key = aws.String("missing")
			if _, err := e.s3.DeleteObject(ctx, in); err != nil {
				t.Errorf("conditional delete of a missing key: %v", err)
			}
		})
	}
}
