package s3auth

import (
	"crypto/hmac"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ringside/ringside/internal/sigv4"
)

// TestSigV4SigningKeyCacheFollowsSecret checks that a cached signing key
// never outlives its secret: once the secret of an access key changes (a
// credentials file reload), requests signed with the old one are refused
// even though its key was cached, and the new one works at once.
func TestSigV4SigningKeyCacheFollowsSecret(t *testing.T) {
	now := time.Now().UTC()
	var mu sync.Mutex
	current := "old-secret-0123456789"
	v := &sigV4Verifier{
		secret: func(ak string) (string, bool) {
			mu.Lock()
			defer mu.Unlock()
			return current, ak == testAccessKey
		},
		now: fixedClock(now),
	}
	request := func(secret string) *http.Request {
		r, err := http.NewRequest(http.MethodHead, "http://127.0.0.1/bucket/key", nil)
		if err != nil {
			t.Fatal(err)
		}
		signRequest(t, r, testAccessKey, secret, sigv4.EmptyPayloadHash, now)
		r.RequestURI = r.URL.RequestURI()
		return r
	}
	steps := []struct {
		name      string
		secret    string // the credentials' secret at this step
		signedBy  string
		wantError string
	}{
		{"old secret, first request", "old-secret-0123456789", "old-secret-0123456789", ""},
		{"old secret, cached key", "old-secret-0123456789", "old-secret-0123456789", ""},
		{"replaced: old secret refused", "new-secret-0123456789", "old-secret-0123456789", "SignatureDoesNotMatch"},
		{"replaced: new secret accepted", "new-secret-0123456789", "new-secret-0123456789", ""},
		{"replaced: old secret still refused", "new-secret-0123456789", "old-secret-0123456789", "SignatureDoesNotMatch"},
	}
	for _, st := range steps {
		mu.Lock()
		current = st.secret
		mu.Unlock()
		_, e := v.verify(request(st.signedBy))
		switch {
		case st.wantError == "" && e != nil:
			t.Fatalf("%s: refused: %v", st.name, e)
		case st.wantError != "" && (e == nil || e.Code != st.wantError):
			t.Fatalf("%s: got %v, want %s", st.name, e, st.wantError)
		}
	}
}

// TestSigV4SigningKeyCacheBounds checks that only verified signatures
// fill the cache, and that it never grows past its bound.
func TestSigV4SigningKeyCacheBounds(t *testing.T) {
	var c signingKeyCache
	for i := range 3 * maxSigningKeys {
		region := fmt.Sprintf("region-%d", i)
		c.put("secret", "20260101", region, sigv4.SigningKey("secret", "20260101", region))
		if n := len(c.keys); n > maxSigningKeys {
			t.Fatalf("%d keys cached, bound %d", n, maxSigningKeys)
		}
	}
	k, ok := c.get("secret", "20260101", fmt.Sprintf("region-%d", 3*maxSigningKeys-1))
	if !ok || !hmac.Equal(k, sigv4.SigningKey("secret", "20260101", fmt.Sprintf("region-%d", 3*maxSigningKeys-1))) {
		t.Error("the last key put is not cached")
	}

	now := time.Now().UTC()
	v := &sigV4Verifier{
		secret: func(ak string) (string, bool) { return testSecretKey, ak == testAccessKey },
		now:    fixedClock(now),
	}
	r, err := http.NewRequest(http.MethodGet, "http://127.0.0.1/bucket/key", nil)
	if err != nil {
		t.Fatal(err)
	}
	signRequest(t, r, testAccessKey, "not-the-secret", sigv4.EmptyPayloadHash, now)
	r.RequestURI = r.URL.RequestURI()
	if _, e := v.verify(r); e == nil || e.Code != "SignatureDoesNotMatch" {
		t.Fatalf("got %v, want SignatureDoesNotMatch", e)
	}
	if len(v.keys.keys) != 0 {
		t.Errorf("a refused signature cached %d keys", len(v.keys.keys))
	}
}

// TestSigV4UnsignedHeaderLookalike checks that a signed header name equal
// to an unsigned x-amz-* header only under Unicode case folding does not
// cover it.
func TestSigV4UnsignedHeaderLookalike(t *testing.T) {
	r, err := http.NewRequest(http.MethodGet, "http://127.0.0.1/bucket/key", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Amz-Security-Token", "t")
	for _, tc := range []struct {
		name   string
		signed []string
		want   string
	}{
		{"signed", []string{"host", "x-amz-security-token"}, ""},
		{"unsigned", []string{"host"}, "AccessDenied"},
		{"long s", []string{"host", "x-amz-\u017fecurity-token"}, "AccessDenied"},
		{"kelvin sign", []string{"host", "x-amz-security-to\u212aen"}, "AccessDenied"},
		{"host unsigned", []string{"x-amz-security-token"}, "AccessDenied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := checkSignedHeaders(r, tc.signed)
			switch {
			case tc.want == "" && e != nil:
				t.Fatalf("refused: %v", e)
			case tc.want != "" && (e == nil || e.Code != tc.want):
				t.Fatalf("got %v, want %s", e, tc.want)
			}
		})
	}
}

// TestSigV4CanonicalPieces checks the allocation-free helpers against the
// library code they stand for.
func TestSigV4CanonicalPieces(t *testing.T) {
	for _, v := range []string{
		"", "a", "  a  ", "a  b\tc", "\ta \r\n b ", "attempt=1; max=3", "x\u00a0\u00a0y", " \u2003z\u2003 ", "   ",
	} {
		want := strings.Join(strings.Fields(v), " ")
		if got := string(appendFolded(nil, v)); got != want {
			t.Errorf("appendFolded(%q) = %q, want %q", v, got, want)
		}
	}
	for _, s := range []string{"", "abc", "x-amz-date", "ABC", "aBc", "\u017f", "\u00c9t\u00e9", "caf\u00e9"} {
		if got, want := isLower(s), s == strings.ToLower(s); got != want {
			t.Errorf("isLower(%q) = %v, want %v", s, got, want)
		}
	}
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"x-amz-date", "X-Amz-Date", true},
		{"X-AMZ-", "x-amz-", true},
		{"x-amz-", "x-amz_", false},
		{"k", "\u212a", false},
		{"ab", "abc", false},
	} {
		if got := asciiEqualFold(tc.a, tc.b); got != tc.want {
			t.Errorf("asciiEqualFold(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, sent := range []string{"20260102T030405Z", "", "2026012T030405Z"} {
		if got := amzDateOf(at, sent); got != "20260102T030405Z" {
			t.Errorf("amzDateOf(%q) = %q", sent, got)
		}
	}
}
