package s3auth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestParsePresignedRefusals checks the refusals of malformed presigned
// URLs: S3's code and its exact words, which SDKs and suites compare.
func TestParsePresignedRefusals(t *testing.T) {
	const missing = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
	const malformedCred = `Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`
	valid := url.Values{
		"X-Amz-Algorithm":     {"AWS4-HMAC-SHA256"},
		"X-Amz-Credential":    {"AK/20130524/us-east-1/s3/aws4_request"},
		"X-Amz-Date":          {"20130524T000000Z"},
		"X-Amz-Expires":       {"86400"},
		"X-Amz-SignedHeaders": {"host"},
		"X-Amz-Signature":     {strings.Repeat("a", 64)},
	}
	tests := []struct {
		name, param, value string // value "" deletes param
		want               string // "" means accepted
	}{
		{"valid", "", "", ""},
		{"no signature", "X-Amz-Signature", "", missing},
		{"no signed headers", "X-Amz-SignedHeaders", "", missing},
		{"no credential", "X-Amz-Credential", "", missing},
		{"no date", "X-Amz-Date", "", missing},
		{"no expiry", "X-Amz-Expires", "", missing},
		{"no algorithm", "X-Amz-Algorithm", "", missing},
		{"other algorithm", "X-Amz-Algorithm", "AWS4-ECDSA-P256-SHA256", `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`},
		{"expiry not a number", "X-Amz-Expires", "invalid_value", "X-Amz-Expires should be a number"},
		{"negative expiry", "X-Amz-Expires", "-3", "X-Amz-Expires must be non-negative"},
		{"expiry over a week", "X-Amz-Expires", "60580000", "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"},
		{"expiry of a week", "X-Amz-Expires", "604800", ""},
		{"expiry far over a week", "X-Amz-Expires", "99999999999999999999", "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"},
		{"credential of three parts", "X-Amz-Credential", "access/hello/world", malformedCred},
		{"credential without access key", "X-Amz-Credential", "/20130524/us-east-1/s3/aws4_request", malformedCred},
		{"credential date", "X-Amz-Credential", "AK/32234Z34/us-east-1/s3/aws4_request", `Error parsing the X-Amz-Credential parameter; incorrect date format "32234Z34". This date in the credential must be in the format "yyyyMMdd".`},
		{"credential service", "X-Amz-Credential", "AK/20130524/us-east-1/sns/aws4_request", `Error parsing the X-Amz-Credential parameter; incorrect service "sns". This endpoint belongs to "s3".`},
		{"credential terminal", "X-Amz-Credential", "AK/20130524/us-east-1/s3/aws5_request", `Error parsing the X-Amz-Credential parameter; incorrect terminal "aws5_request". This endpoint uses "aws4_request".`},
		{"date format", "X-Amz-Date", "2013-05-24", `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := url.Values{}
			for k, v := range valid {
				q[k] = v
			}
			if tt.param != "" {
				q.Set(tt.param, tt.value)
			}
			auth, _, expires, e := parsePresigned(q)
			if tt.want == "" {
				if e != nil {
					t.Fatalf("refused: %v", e)
				}
				if auth.AccessKey != "AK" || expires < time.Second {
					t.Fatalf("parsed %+v, expires %v", auth, expires)
				}
				return
			}
			if e == nil {
				t.Fatal("accepted")
			}
			if e.Code != "AuthorizationQueryParametersError" || e.Status != 400 || e.Message != tt.want {
				t.Fatalf("got %d %s %q, want 400 AuthorizationQueryParametersError %q", e.Status, e.Code, e.Message, tt.want)
			}
		})
	}
}

func TestSigningRegion(t *testing.T) {
	sig := strings.Repeat("a", 64)
	header := func(cred string) *http.Request {
		r := httptest.NewRequest("GET", "http://127.0.0.1/b?location", nil)
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+cred+", SignedHeaders=host, Signature="+sig)
		return r
	}
	query := func(cred string) *http.Request {
		return httptest.NewRequest("GET", "http://127.0.0.1/b?X-Amz-Credential="+url.QueryEscape(cred), nil)
	}
	tests := []struct {
		name string
		r    *http.Request
		want string
	}{
		{"header", header("AK/20130524/eu-west-1/s3/aws4_request"), "eu-west-1"},
		{"access key with slashes", header("A/K/20130524/ap-south-2/s3/aws4_request"), "ap-south-2"},
		{"presigned", query("AK/20130524/us-west-2/s3/aws4_request"), "us-west-2"},
		{"malformed", header("AK/eu-west-1"), ""},
		{"unsigned", httptest.NewRequest("GET", "http://127.0.0.1/b", nil), ""},
	}
	for _, tt := range tests {
		if got := SigningRegion(tt.r); got != tt.want {
			t.Errorf("%s: SigningRegion = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestParseAuthorizationMessages checks the words of the refusals of a
// malformed Authorization header, S3's.
func TestParseAuthorizationMessages(t *testing.T) {
	const sig = "5fb279ae552098ea7c5c807df54cdb159e74939e19449b29831552639ec34b29"
	const prefix = "The authorization header is malformed; "
	tests := []struct{ name, header, want string }{
		{"two components", "AWS4-HMAC-SHA256 Credential=access/20250912/us-east-1/s3/aws4_request,Signature=" + sig,
			"the authorization header requires three components: Credential, SignedHeaders, and Signature."},
		{"no equals sign", "AWS4-HMAC-SHA256 Credential=access/20250912/us-east-1/s3/aws4_request,SignedHeaders-Content-Length,Signature=" + sig,
			`the authorization component "SignedHeaders-Content-Length" is malformed.`},
		{"credential misnamed", "AWS4-HMAC-SHA256 missing_creds=access/20250912/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=" + sig,
			"missing Credential."},
		{"signed headers misnamed", "AWS4-HMAC-SHA256 Credential=access/20250912/us-east-1/s3/aws4_request,missing=host,Signature=" + sig,
			"missing SignedHeaders."},
		{"signature misnamed", "AWS4-HMAC-SHA256 Credential=access/20250912/us-east-1/s3/aws4_request,SignedHeaders=host,missing=" + sig,
			"missing Signature."},
		{"unknown fourth component", "AWS4-HMAC-SHA256 Credential=access/20250912/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=" + sig + ",Extra=1",
			`unknown component "Extra".`},
		{"credential with extra fields", "AWS4-HMAC-SHA256 Credential=access/32234/us-east-1/s3/extra/things,SignedHeaders=host,Signature=" + sig,
			`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`},
		{"terminal before date", "AWS4-HMAC-SHA256 Credential=access/32234/us-east-1/s3/aws_request,SignedHeaders=host,Signature=" + sig,
			`incorrect terminal "aws_request". This endpoint uses "aws4_request".`},
		{"service before date", "AWS4-HMAC-SHA256 Credential=access/32234/us-east-1/ec2/aws4_request,SignedHeaders=host,Signature=" + sig,
			`incorrect service "ec2". This endpoint belongs to "s3".`},
		{"date", "AWS4-HMAC-SHA256 Credential=access/3223423234/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=" + sig,
			`incorrect date format "3223423234". This date in the credential must be in the format "yyyyMMdd".`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, e := parseAuthorization(tt.header)
			if e == nil || e.Code != "AuthorizationHeaderMalformed" || e.Message != prefix+tt.want {
				t.Fatalf("got %v, want AuthorizationHeaderMalformed %q", e, prefix+tt.want)
			}
		})
	}
}
