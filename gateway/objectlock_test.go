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

// The embedded backend has no object lock: every object lock call
// through the gateway gets the answer of a backend bucket without it.
func TestObjectLockOnABackendWithout(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "shared")
	e.put("data", "k", "kept")
	bucket, key := aws.String("data"), aws.String("k")
	until := aws.Time(time.Now().Add(time.Hour).UTC().Truncate(time.Second))
	tests := []struct {
		name, code string
		status     int
		call       func() error
	}{
		{"CreateBucket with object lock", "InvalidBucketState", 409, func() error {
			_, err := e.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("locked"), ObjectLockEnabledForBucket: aws.Bool(true),
				CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "shared"}})
			return err
		}},
		{"GetObjectLockConfiguration", "ObjectLockConfigurationNotFoundError", 404, func() error {
			_, err := e.s3.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: bucket})
			return err
		}},
		{"PutObjectLockConfiguration on a bucket without", "InvalidBucketState", 409, func() error {
			_, err := e.s3.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: bucket,
				ObjectLockConfiguration: &s3types.ObjectLockConfiguration{ObjectLockEnabled: s3types.ObjectLockEnabledEnabled}})
			return err
		}},
		{"PutObjectLegalHold", "InvalidRequest", 400, func() error {
			_, err := e.s3.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: bucket, Key: key,
				LegalHold: &s3types.ObjectLockLegalHold{Status: s3types.ObjectLockLegalHoldStatusOn}})
			return err
		}},
		{"GetObjectRetention", "InvalidRequest", 400, func() error {
			_, err := e.s3.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: bucket, Key: key})
			return err
		}},
		{"GetObjectRetention of a missing key", "NoSuchKey", 404, func() error {
			_, err := e.s3.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: bucket, Key: aws.String("missing")})
			return err
		}},
		{"PutObject with lock headers", "InvalidRequest", 400, func() error {
			_, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("l"), Body: strings.NewReader("x"),
				ObjectLockMode: s3types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: until})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			wantS3Code(t, err, tt.code)
			if got := httpStatusOf(err); got != tt.status {
				t.Errorf("status %d, want %d", got, tt.status)
			}
		})
	}
	if resp, body := e.rawSigned("DELETE", "/data?object-lock", "", nil); resp.StatusCode != 405 || !strings.Contains(body, "MethodNotAllowed") {
		t.Errorf("DELETE ?object-lock: %d %s", resp.StatusCode, body)
	}
	if names := e.bucketNames(); len(names) != 1 {
		t.Errorf("buckets %v after the refusals, want only data", names)
	}
	if _, body := e.get("data", "k"); body != "kept" {
		t.Errorf("object %q", body)
	}
}

func TestReadLockDocument(t *testing.T) {
	cases := []struct {
		sub, doc, code string // code "" when the document is accepted
	}{
		{"object-lock", "", "MissingRequestBodyError"},
		{"object-lock", "<ObjectLockConfiguration>", "MalformedXML"},
		{"object-lock", "<Retention><Mode>GOVERNANCE</Mode></Retention>", "MalformedXML"},
		{"object-lock", "<ObjectLockConfiguration><ObjectLockEnabled>Disabled</ObjectLockEnabled></ObjectLockConfiguration>", "MalformedXML"},
		{"object-lock", "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>", ""},
		{"object-lock", "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>", ""},
		{"object-lock", "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>SOMETIMES</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>", "MalformedXML"},
		{"object-lock", "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years></DefaultRetention></Rule></ObjectLockConfiguration>", "MalformedXML"},
		{"object-lock", "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>-3</Days></DefaultRetention></Rule></ObjectLockConfiguration>", "InvalidArgument"},
		{"object-lock", "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Years>101</Years></DefaultRetention></Rule></ObjectLockConfiguration>", "InvalidArgument"},
		{"retention", "<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>", ""},
		{"retention", "<Retention><Mode>FOREVER</Mode></Retention>", "MalformedXML"},
		{"retention", "<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>soon</RetainUntilDate></Retention>", "MalformedXML"},
		{"legal-hold", "<LegalHold><Status>ON</Status></LegalHold>", ""},
		{"legal-hold", "<LegalHold><Status>MAYBE</Status></LegalHold>", "MalformedXML"},
	}
	for _, c := range cases {
		_, err := readLockDocument(strings.NewReader(c.doc), c.sub)
		var got string
		if err != nil {
			got = err.(*Error).Code
		}
		if got != c.code {
			t.Errorf("?%s %q: got %q, want %q", c.sub, c.doc, got, c.code)
		}
	}
}
