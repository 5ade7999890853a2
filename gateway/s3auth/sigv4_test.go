package s3auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ringside/ringside/internal/sigv4"
)

func TestSigV4ParseAuthorization(t *testing.T) {
	const sig = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"
	cred := "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"
	for _, tc := range []struct {
		name, header string
		code         string // "" for success
	}{
		{"spaces after commas", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;range;x-amz-date, Signature=" + sig, ""},
		{"no spaces", "AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host;x-amz-date,Signature=" + sig, ""},
		{"components reordered", "AWS4-HMAC-SHA256 Signature=" + sig + ", " + cred + ", SignedHeaders=host", ""},
		{"SigV2", "AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", "InvalidRequest"},
		{"SigV4a", "AWS4-ECDSA-P256-SHA256 " + cred + ", SignedHeaders=host, Signature=" + sig, "NotImplemented"},
		{"unknown algorithm", "Bearer abc", "AuthorizationHeaderMalformed"},
		{"missing signature", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host", "AuthorizationHeaderMalformed"},
		{"empty signature", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, Signature=", "AuthorizationHeaderMalformed"},
		{"short signature", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, Signature=abc", "AuthorizationHeaderMalformed"},
		{"repeated component", "AWS4-HMAC-SHA256 " + cred + ", " + cred + ", SignedHeaders=host, Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"unknown component", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, Signature=" + sig + ", Extra=1", "AuthorizationHeaderMalformed"},
		{"credential too short", "AWS4-HMAC-SHA256 Credential=AK/20130524/s3/aws4_request, SignedHeaders=host, Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"bad date", "AWS4-HMAC-SHA256 Credential=AK/2013-05-24/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"other service", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"bad terminator", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws5_request, SignedHeaders=host, Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"upper-case signed header", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=Host, Signature=" + sig, "AuthorizationHeaderMalformed"},
		{"empty signed header", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;;x-amz-date, Signature=" + sig, "AuthorizationHeaderMalformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			auth, e := parseAuthorization(tc.header)
			if tc.code != "" {
				if e == nil || e.Code != tc.code {
					t.Fatalf("got %v, want %s", e, tc.code)
				}
				return
			}
			if e != nil {
				t.Fatal(e)
			}
			if auth.AccessKey != "AKIAIOSFODNN7EXAMPLE" || auth.Date != "20130524" || auth.Region != "us-east-1" ||
				auth.Signature != sig || auth.SignedHeaders[0] != "host" && auth.SignedHeaders[0] != "Signature" {
				t.Fatalf("parsed %+v", auth)
			}
		})
	}
}

// awsDocumentedExample is a request from AWS's SigV4 documentation, signed
// with its example credentials at 2013-05-24T00:00:00Z.
func awsDocumentedVerifier() *sigV4Verifier {
	return &sigV4Verifier{
		secret: func(ak string) (string, bool) {
			return "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ak == "AKIAIOSFODNN7EXAMPLE"
		},
		now: fixedClock(time.Date(2013, 5, 24, 0, 5, 0, 0, time.UTC)),
	}
}

func awsAuthorization(signedHeaders, signature string) string {
	return "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=" +
		signedHeaders + ",Signature=" + signature
}

func TestSigV4AWSDocumentedExamples(t *testing.T) {
	v := awsDocumentedVerifier()
	for _, tc := range []struct {
		name    string
		request func() *http.Request
	}{
		{"GET object with a range", func() *http.Request {
			r := httptest.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/test.txt", nil)
			r.Header.Set("Range", "bytes=0-9")
			r.Header.Set("X-Amz-Content-Sha256", sigv4.EmptyPayloadHash)
			r.Header.Set("X-Amz-Date", "20130524T000000Z")
			r.Header.Set("Authorization", awsAuthorization("host;range;x-amz-content-sha256;x-amz-date",
				"f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"))
			return r
		}},
		{"PUT object with a name to encode", func() *http.Request {
			r := httptest.NewRequest("PUT", "https://examplebucket.s3.amazonaws.com/test%24file.text", strings.NewReader("Welcome to Amazon S3."))
			r.Header.Set("Date", "Fri, 24 May 2013 00:00:00 GMT")
			r.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
			r.Header.Set("X-Amz-Content-Sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
			r.Header.Set("X-Amz-Date", "20130524T000000Z")
			r.Header.Set("Authorization", awsAuthorization("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
				"98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"))
			return r
		}},
		{"GET bucket lifecycle, a parameter without value", func() *http.Request {
			r := httptest.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/?lifecycle", nil)
			r.Header.Set("X-Amz-Content-Sha256", sigv4.EmptyPayloadHash)
			r.Header.Set("X-Amz-Date", "20130524T000000Z")
			r.Header.Set("Authorization", awsAuthorization("host;x-amz-content-sha256;x-amz-date",
				"fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"))
			return r
		}},
		{"list objects, parameters sorted", func() *http.Request {
			r := httptest.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/?prefix=J&max-keys=2", nil)
			r.Header.Set("X-Amz-Content-Sha256", sigv4.EmptyPayloadHash)
			r.Header.Set("X-Amz-Date", "20130524T000000Z")
			r.Header.Set("Authorization", awsAuthorization("host;x-amz-content-sha256;x-amz-date",
				"34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"))
			return r
		}},
		{"presigned GET", func() *http.Request {
			return httptest.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/test.txt"+
				"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"+
				"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"+
				"&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404", nil)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signed, e := v.verify(tc.request())
			if e != nil {
				t.Fatalf("refused: %v", e)
			}
			if signed.accessKey != "AKIAIOSFODNN7EXAMPLE" {
				t.Fatalf("access key %q", signed.accessKey)
			}
			// Any change to what is signed breaks the signature.
			r := tc.request()
			r.Host = "otherbucket.s3.amazonaws.com"
			if _, e := v.verify(r); e == nil || e.Code != "SignatureDoesNotMatch" {
				t.Fatalf("another host: got %v, want SignatureDoesNotMatch", e)
			}
		})
	}
}

func TestSigV4Refusals(t *testing.T) {
	now := time.Now().UTC()
	v := &sigV4Verifier{
		secret: func(ak string) (string, bool) { return testSecretKey, ak == testAccessKey },
		now:    fixedClock(now),
	}
	f := &authFixture{t: t}
	sign := func(at time.Time, mutate func(*http.Request)) *http.Request {
		r := f.signedRequest("GET", "http://127.0.0.1/bucket/key?list-type=2", nil, sigv4.EmptyPayloadHash, at,
			http.Header{"X-Amz-Meta-Color": {"blue"}})
		if mutate != nil {
			mutate(r)
		}
		// As the server sees it.
		r.RequestURI = r.URL.RequestURI()
		return r
	}
	for _, tc := range []struct {
		name string
		req  *http.Request
		code string
	}{
		{"valid", sign(now, nil), ""},
		{"14 minutes slow", sign(now.Add(-14*time.Minute), nil), ""},
		{"16 minutes slow", sign(now.Add(-16*time.Minute), nil), "RequestTimeTooSkewed"},
		{"16 minutes fast", sign(now.Add(16*time.Minute), nil), "RequestTimeTooSkewed"},
		{"tampered signed header", sign(now, func(r *http.Request) { r.Header.Set("X-Amz-Meta-Color", "red") }), "SignatureDoesNotMatch"},
		{"tampered query", sign(now, func(r *http.Request) { r.URL.RawQuery = "list-type=1" }), "SignatureDoesNotMatch"},
		{"tampered method", sign(now, func(r *http.Request) { r.Method = "DELETE" }), "SignatureDoesNotMatch"},
		{"unsigned x-amz header", sign(now, func(r *http.Request) { r.Header.Set("X-Amz-Copy-Source", "/other/key") }), "AccessDenied"},
		{"unknown key", sign(now, func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), testAccessKey, "AKIDUNKNOWN", 1))
		}), "InvalidAccessKeyId"},
		{"date differs from scope", sign(now, func(r *http.Request) {
			r.Header.Set("X-Amz-Date", now.Add(-48*time.Hour).Format(sigv4.AmzDateFormat))
		}), "AuthorizationHeaderMalformed"},
		{"bad payload hash value", sign(now, func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "nothex") }), "InvalidArgument"},
		{"no payload hash", sign(now, func(r *http.Request) { r.Header.Del("X-Amz-Content-Sha256") }), "InvalidRequest"},
		{"anonymous", httptest.NewRequest("GET", "http://127.0.0.1/bucket/key", nil), "AccessDenied"},
		{"SigV2 presigned", httptest.NewRequest("GET", "http://127.0.0.1/bucket/key?AWSAccessKeyId=AK&Expires=1&Signature=x", nil), "InvalidRequest"},
		{"both header and query", sign(now, func(r *http.Request) { r.URL.RawQuery += "&X-Amz-Signature=00" }), "InvalidArgument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, e := v.verify(tc.req)
			switch {
			case tc.code == "" && e != nil:
				t.Fatalf("refused: %v", e)
			case tc.code != "" && (e == nil || e.Code != tc.code):
				t.Fatalf("got %v, want %s", e, tc.code)
			}
		})
	}
}

func TestSigV4CanonicalQuery(t *testing.T) {
	for _, tc := range []struct{ raw, skip, want string }{
		{"", "", ""},
		{"uploads", "", "uploads="},
		{"prefix=J&max-keys=2", "", "max-keys=2&prefix=J"},
		{"b=2&a=2&a=1", "", "a=1&a=2&b=2"},
		{"prefix=a+b%2Bc%20d", "", "prefix=a%20b%2Bc%20d"},
		{"k=%7e%2a%2f", "", "k=~%2A%2F"},
		{"X-Amz-Signature=abc&X-Amz-Date=1", "X-Amz-Signature", "X-Amz-Date=1"},
		{"&&a=1&", "", "a=1"},
		{"%C3%A9=%E2%82%AC", "", "%C3%A9=%E2%82%AC"},
	} {
		if got := canonicalQuery(tc.raw, tc.skip); got != tc.want {
			t.Errorf("canonicalQuery(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

// specialKeys are object keys that exercise the canonical path.
var specialKeys = []string{
	"plain.txt",
	"dir/sub dir/file name.txt",
	"plus+and=equals&amp;",
	"percent%2Fliteral%",
	"unicode/ünïcödé/ключ/日本語",
	"punct !$'()*,;:@[]^`{|}~\"<>\\",
	"hash#and?question",
	"double//slash/./dot/../x",
	"tilde~under_score-dash.dot",
}

func TestSigV4SDKClientSpecialCharacters(t *testing.T) {
	for _, tls := range []bool{false, true} {
		name := map[bool]string{false: "http", true: "https"}[tls]
		t.Run(name, func(t *testing.T) {
			f := newAuthFixture(t, fixtureOptions{tls: tls})
			cli := f.client(testAccessKey, testSecretKey)
			ctx := context.Background()
			for i, key := range specialKeys {
				body := payload(1000+i, uint64(i))
				_, err := cli.PutObject(ctx, &s3.PutObjectInput{
					Bucket: aws.String(testBucket), Key: aws.String(key),
					Body:     strings.NewReader(string(body)),
					Metadata: map[string]string{"note": "  spaced   value  "},
				})
				if err != nil {
					t.Fatalf("put %q: %v", key, err)
				}
				if got := f.object(key); string(got) != string(body) {
					t.Fatalf("get %q: %d bytes differ from the %d put", key, len(got), len(body))
				}
				copied := key + " copy"
				if _, err := cli.CopyObject(ctx, &s3.CopyObjectInput{
					Bucket: aws.String(testBucket), Key: aws.String(copied),
					CopySource: aws.String(testBucket + "/" + sigv4.URIEncode(key, false)),
				}); err != nil {
					t.Fatalf("copy %q: %v", key, err)
				}
			}
			list, err := cli.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
				Bucket: aws.String(testBucket), Prefix: aws.String("punct !$'()*,"), Delimiter: aws.String("/"),
				StartAfter: aws.String("a+b c"),
			})
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			if len(list.Contents) != 2 {
				t.Fatalf("listed %d objects under the punctuation prefix, want 2", len(list.Contents))
			}
			var ids []types.ObjectIdentifier
			for _, key := range specialKeys {
				ids = append(ids, types.ObjectIdentifier{Key: aws.String(key)})
			}
			if _, err := cli.DeleteObjects(ctx, &s3.DeleteObjectsInput{
				Bucket: aws.String(testBucket), Delete: &types.Delete{Objects: ids},
			}); err != nil {
				t.Fatalf("delete objects: %v", err)
			}
			if !f.missing(specialKeys[0]) {
				t.Fatal("a deleted object is still there")
			}
		})
	}
}
