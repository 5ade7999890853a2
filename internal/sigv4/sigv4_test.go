package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestSignature checks the allocation-free HMAC against crypto/hmac.
func TestSignature(t *testing.T) {
	hash := func(s string) (out [2 * sha256.Size]byte) {
		sum := sha256.Sum256([]byte(s))
		hex.Encode(out[:], sum[:])
		return out
	}
	for _, tc := range []struct {
		name, secret, date, region, amzDate, canonical string
	}{
		{"usual", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY=", "20130524", "us-east-1", "20130524T000000Z", "GET\n/\n\nhost:x\n\nhost\n" + EmptyPayloadHash},
		{"long region", "s", "20260101", strings.Repeat("r", 200), "20260101T235959Z", ""},
		{"empty secret", "", "20260101", "eu-west-3", "20260101T120000Z", "PUT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := SigningKey(tc.secret, tc.date, tc.region)
			scope := Scope(tc.date, tc.region)
			h := hash(tc.canonical)
			mac := hmac.New(sha256.New, key)
			mac.Write([]byte(Algorithm + "\n" + tc.amzDate + "\n" + scope + "\n" + string(h[:])))
			got := Signature(key, tc.amzDate, scope, h)
			if !hmac.Equal(got[:], mac.Sum(nil)) {
				t.Errorf("Signature = %x, want %x", got, mac.Sum(nil))
			}
		})
	}
}

// TestSigningKey checks the key derivation and signature against
// aws-sdk-go-v2's signer, on the request of AWS's SigV4 example.
func TestSigningKey(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	at := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	req, err := http.NewRequest(http.MethodGet, "https://examplebucket.s3.amazonaws.com/test.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Range", "bytes=0-9")
	req.Header.Set("X-Amz-Content-Sha256", EmptyPayloadHash)
	creds := aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, EmptyPayloadHash, Service, "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	_, want, _ := strings.Cut(req.Header.Get("Authorization"), "Signature=")

	canonical := "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n" +
		"x-amz-content-sha256:" + EmptyPayloadHash + "\nx-amz-date:20130524T000000Z\n\n" +
		"host;range;x-amz-content-sha256;x-amz-date\n" + EmptyPayloadHash
	sum := sha256.Sum256([]byte(canonical))
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], sum[:])
	sig := Signature(SigningKey(secret, "20130524", "us-east-1"), "20130524T000000Z", Scope("20130524", "us-east-1"), h)
	if got := hex.EncodeToString(sig[:]); got != want {
		t.Errorf("signature = %s, the SDK's %s", got, want)
	}
}

func TestURIEncode(t *testing.T) {
	for _, tc := range []struct {
		in          string
		encodeSlash bool
		want        string
	}{
		{"plain-key_1.txt~", true, "plain-key_1.txt~"},
		{"a/b c", false, "a/b%20c"},
		{"a/b c", true, "a%2Fb%20c"},
		{"a+b=c&d", true, "a%2Bb%3Dc%26d"},
		{"caf\u00e9", false, "caf%C3%A9"},
		{"\x01\xff", false, "%01%FF"},
		{"", true, ""},
	} {
		if got := URIEncode(tc.in, tc.encodeSlash); got != tc.want {
			t.Errorf("URIEncode(%q, %v) = %q, want %q", tc.in, tc.encodeSlash, got, tc.want)
		}
	}
}
