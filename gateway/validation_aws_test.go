package gateway

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// apiMessage is the <Message> of an SDK error.
func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// TestCreateBucketArgumentRefusals checks that CreateBucket refuses bad
// arguments as S3 does, before anything is created.
func TestCreateBucketArgumentRefusals(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	tests := []struct {
		name, bucket, acl string
		code, message     string
		status            int
	}{
		{"name too short", "aa", "", "InvalidBucketName", "The specified bucket is not valid.", 400},
		{"upper-case name", "Bad_Name", "", "InvalidBucketName", "The specified bucket is not valid.", 400},
		{"name with dots", "a.b.c", "", "InvalidBucketName", "The specified bucket is not valid.", 400},
		{"no canned ACL", "bkt1", "invalid_acl", "InvalidArgument", "", 400},
		{"a canned ACL ringside does not grant", "bkt1", "public-read", "NotImplemented", "", 501},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.bucketNames()
			in := &s3.CreateBucketInput{Bucket: aws.String(tt.bucket),
				CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "shared"}}
			if tt.acl != "" {
				in.ACL = s3types.BucketCannedACL(tt.acl)
			}
			_, err := e.s3.CreateBucket(ctx, in)
			wantS3Code(t, err, tt.code)
			if got := httpStatusOf(err); got != tt.status {
				t.Errorf("status = %d, want %d", got, tt.status)
			}
			if tt.message != "" && apiMessage(err) != tt.message {
				t.Errorf("message = %q, want %q", apiMessage(err), tt.message)
			}
			if after := e.bucketNames(); !reflect.DeepEqual(before, after) {
				t.Errorf("buckets changed: %v -> %v", before, after)
			}
		})
	}
	// The private canned ACLs are accepted.
	if _, err := e.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt1"), ACL: s3types.BucketCannedACLPrivate,
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "shared"}}); err != nil {
		t.Fatalf("create with the private ACL: %v", err)
	}
}

// TestGetObjectAttributesNames checks that the attribute names are
// refused before the object is looked for, as S3 does.
func TestGetObjectAttributesNames(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("attrs", "shared")
	e.put("attrs", "there", "data")
	tests := []struct {
		name, key string
		attrs     []s3types.ObjectAttributes
		code, msg string
	}{
		{"unknown name", "there", []s3types.ObjectAttributes{"Invalid_argument"}, "InvalidArgument", "Invalid attribute name specified."},
		{"unknown name of a missing key", "missing", []s3types.ObjectAttributes{"Invalid_argument"}, "InvalidArgument", "Invalid attribute name specified."},
		{"one unknown among known", "missing", []s3types.ObjectAttributes{"ETag", "Size"}, "InvalidArgument", "Invalid attribute name specified."},
		{"known names of a missing key", "missing", []s3types.ObjectAttributes{"ETag"}, "NoSuchKey", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.s3.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String(tt.key), ObjectAttributes: tt.attrs})
			wantS3Code(t, err, tt.code)
			if tt.msg != "" && apiMessage(err) != tt.msg {
				t.Errorf("message = %q, want %q", apiMessage(err), tt.msg)
			}
		})
	}
	out, err := e.s3.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String("there"),
		ObjectAttributes: []s3types.ObjectAttributes{"ObjectSize"}})
	if err != nil || aws.ToInt64(out.ObjectSize) != 4 {
		t.Fatalf("known attribute: %v, %v", out, err)
	}
}
