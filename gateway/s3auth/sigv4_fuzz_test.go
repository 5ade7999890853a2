package s3auth

import (
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/ringside/ringside/internal/sigv4"
)

// FuzzSigV4ParseAuthorization checks that the Authorization parser never
// panics, refuses with a proper S3 error, and that what it accepts it
// reads back the same once written out again.
func FuzzSigV4ParseAuthorization(f *testing.F) {
	sig := strings.Repeat("0a", 32)
	for _, seed := range []string{
		"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-date, Signature=" + sig,
		"AWS4-HMAC-SHA256 Credential=AK/20130524/eu-west-3/s3/aws4_request,SignedHeaders=host,Signature=" + sig,
		"AWS4-HMAC-SHA256 Signature=" + sig + ",Credential=a/b/20130524/r/s3/aws4_request,SignedHeaders=content-md5;host",
		"AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=",
		"AWS4-ECDSA-P256-SHA256 Credential=AK/20130524/s3/aws4_request",
		"AWS4-HMAC-SHA256 Credential==, SignedHeaders=;, Signature==",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		auth, e := parseAuthorization(header)
		if e != nil {
			if e.Code == "" || e.Status < 400 || e.Status > 599 {
				t.Fatalf("refusal without an S3 error: %+v", e)
			}
			return
		}
		if auth.AccessKey == "" || !isHex(auth.Signature, 64) || len(auth.SignedHeaders) == 0 {
			t.Fatalf("accepted an incomplete header: %+v", auth)
		}
		again := sigv4.Algorithm + " Credential=" + auth.AccessKey + "/" + auth.scope() +
			", SignedHeaders=" + strings.Join(auth.SignedHeaders, ";") + ", Signature=" + auth.Signature
		back, e := parseAuthorization(again)
		if e != nil {
			t.Fatalf("%q parsed, but not once written out as %q: %v", header, again, e)
		}
		if back.AccessKey != auth.AccessKey || back.scope() != auth.scope() || back.Signature != auth.Signature ||
			!slices.Equal(back.SignedHeaders, auth.SignedHeaders) {
			t.Fatalf("%q reads %+v, written out %+v", header, auth, back)
		}
	})
}

// FuzzSigV4Verify runs whole requests with arbitrary paths, queries and
// Authorization headers through the verifier, which must refuse them with
// an S3 error and never panic.
func FuzzSigV4Verify(f *testing.F) {
	f.Add("/bucket/key", "list-type=2&prefix=a%20b", "AWS4-HMAC-SHA256 Credential="+testAccessKey+"/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature="+strings.Repeat("f", 64))
	f.Add("/b/%E2%82%AC", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="+testAccessKey+"%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature="+strings.Repeat("0", 64), "")
	f.Add("/", "uploads&X-Amz-Expires=-1&X-Amz-Signature=", "")
	f.Add("/b", "%zz", "AWS4-HMAC-SHA256")
	v := &sigV4Verifier{
		secret: func(ak string) (string, bool) { return testSecretKey, ak == testAccessKey },
		now:    fixedClock(mustTime("20130524T000500Z")),
	}
	f.Fuzz(func(t *testing.T, path, query, authorization string) {
		u := &url.URL{Scheme: "http", Host: "127.0.0.1", Path: path, RawQuery: query}
		r := httptest.NewRequest("GET", "http://127.0.0.1/", nil)
		r.URL = u
		r.RequestURI = u.RequestURI()
		r.Header.Set("X-Amz-Date", "20130524T000000Z")
		r.Header.Set("X-Amz-Content-Sha256", sigv4.EmptyPayloadHash)
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		signed, e := v.verify(r)
		if e == nil {
			t.Fatalf("accepted a request no one signed: %+v", signed)
		}
		if e.Code == "" || e.Status < 400 || e.Status > 599 {
			t.Fatalf("refusal without an S3 error: %+v", e)
		}
	})
}
