package backend

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestSignerMatchesSDK signs the same requests with ringside's signer and
// the SDK's: the signatures must be the same.
func TestSignerMatchesSDK(t *testing.T) {
	tests := []struct {
		name     string
		endpoint string
		region   string
		call     objectCall
	}{
		{name: "GET of a version", endpoint: "http://127.0.0.1:9000",
			call: objectCall{method: http.MethodGet, key: "dir/obj", query: versionQuery("3/x+y= z")}},
		{name: "GET with range and conditions", endpoint: "http://127.0.0.1:9000",
			call: objectCall{method: http.MethodGet, key: "k", headers: []signedHeader{
				{"range", "bytes=0-9"}, {"if-match", `"abc"`}, {"if-modified-since", "Mon, 02 Jan 2006 15:04:05 GMT"},
			}}},
		{name: "HEAD of a key to escape", endpoint: "https://s3.example.com", region: "eu-west-3",
			call: objectCall{method: http.MethodHead, key: "a b+c%d/ключ?#&=*~'!"}},
		{name: "PUT with metadata", endpoint: "http://localhost:8000/prefix/",
			call: objectCall{method: http.MethodPut, key: "k", body: strings.NewReader("12345"), size: 5, headers: []signedHeader{
				{"content-type", "text/plain"}, {"x-amz-meta-spaced", "  a   b  c "}, {"x-amz-meta-empty", ""},
				{"content-md5", "1B2M2Y8AsgTpgAmY7PhCfg=="}, {"x-amz-tagging", "a=b&c=d"}, {"expires", "soon"},
			}}},
		{name: "empty PUT on the default port", endpoint: "https://s3.example.com:443",
			call: objectCall{method: http.MethodPut, key: "empty", body: http.NoBody}},
		{name: "UploadPart", endpoint: "http://127.0.0.1:9000",
			call: objectCall{method: http.MethodPut, key: "big", body: strings.NewReader("x"), size: 1,
				query: "partNumber=7&uploadId=" + escape("a/b+c", false)}},
		{name: "version listing", endpoint: "http://127.0.0.1:9000",
			call: objectCall{method: http.MethodGet, query: canonicalQuery(map[string][]string{
				"versions": {""}, "prefix": {"a b/ü"}, "max-keys": {"10"}, "key-marker": {"x+y"},
			})}},
	}
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clientFor(t, tt.endpoint, func(cfg *Config) { cfg.Region = tt.region })
			req := c.request(context.Background(), &tt.call, now)
			got := req.Header.Get("Authorization")

			sdk := req.Clone(context.Background())
			sdk.Header.Del("Authorization")
			sdk.Header.Del("X-Amz-Date")
			signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
			creds := aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey}
			region := tt.region
			if region == "" {
				region = defaultRegion
			}
			if err := signer.SignHTTP(context.Background(), creds, sdk, req.Header.Get("X-Amz-Content-Sha256"), "s3", region, now); err != nil {
				t.Fatal(err)
			}
			if want := sdk.Header.Get("Authorization"); got != want {
				t.Fatalf("signed\n%s\nthe SDK signs\n%s", got, want)
			}
			if sdk.Host != req.Host {
				t.Fatalf("sent to host %q, the SDK signs for %q", req.Host, sdk.Host)
			}
		})
	}
}

func TestSigningKeyFollowsTheDay(t *testing.T) {
	s := newSigner("ak", "sk", "us-east-1")
	tests := []struct {
		date      string
		wantScope string
		sameKey   bool // as the previous row's
	}{
		{"20260304T000000Z", "20260304/us-east-1/s3/aws4_request", false},
		{"20260304T235959Z", "20260304/us-east-1/s3/aws4_request", true},
		{"20260305T000000Z", "20260305/us-east-1/s3/aws4_request", false},
	}
	var prev *dayKey
	for _, tt := range tests {
		k := s.keyFor([]byte(tt.date))
		if k.scope != tt.wantScope || (k == prev) != tt.sameKey {
			t.Fatalf("%s: scope %q (same key %v), want %q (%v)", tt.date, k.scope, k == prev, tt.wantScope, tt.sameKey)
		}
		prev = k
	}
}

// BenchmarkSign compares building and signing a GET of a version with
// ringside's signer and with the SDK's.
func BenchmarkSign(b *testing.B) {
	c, err := New(Config{Endpoint: "http://127.0.0.1:9000", AccessKey: testAccessKey, SecretKey: testSecretKey, Bucket: testBucket})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	call := func() *objectCall {
		return &objectCall{method: http.MethodGet, key: "dir/obj", query: versionQuery("3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")}
	}
	b.Run("ringside", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.request(ctx, call(), time.Now())
		}
	})
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
		creds := aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey}
		for b.Loop() {
			req := c.request(ctx, call(), time.Now())
			if err := signer.SignHTTP(ctx, creds, req, emptySHA256, "s3", defaultRegion, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestHostOf(t *testing.T) {
	tests := []struct{ endpoint, want string }{
		{"http://127.0.0.1:9000", "127.0.0.1:9000"},
		{"http://s3.local:80", "s3.local"},
		{"https://s3.example.com:443", "s3.example.com"},
		{"https://s3.example.com:80", "s3.example.com:80"},
		{"http://[::1]:80", "[::1]"},
		{"https://[::1]:9443/prefix", "[::1]:9443"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.endpoint)
		if err != nil {
			t.Fatal(err)
		}
		if got := hostOf(u); got != tt.want {
			t.Errorf("hostOf(%s) = %q, want %q", tt.endpoint, got, tt.want)
		}
	}
}
