package s3auth

import (
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ringside/ringside/internal/s3err"
)

func encodePolicy(doc string) string { return base64.StdEncoding.EncodeToString([]byte(doc)) }

func TestParsePostPolicyRefusesMalformedDocuments(t *testing.T) {
	cases := []struct {
		name, encoded, wantMsg string
	}{
		{"not base64", "!!!", "Base64"},
		{"not JSON", encodePolicy("{"), "Invalid JSON"},
		{"no expiration", encodePolicy(`{"conditions":[]}`), "missing expiration"},
		{"bad expiration", encodePolicy(`{"expiration":"tomorrow","conditions":[]}`), "Invalid 'expiration'"},
		{"no conditions", encodePolicy(`{"expiration":"2030-01-01T00:00:00Z"}`), "missing conditions"},
		{"conditions not a list", encodePolicy(`{"expiration":"2030-01-01T00:00:00Z","conditions":{}}`), "must be a List"},
		{"unknown member", encodePolicy(`{"expiration":"2030-01-01T00:00:00Z","conditions":[],"x":1}`), `Unexpected: "x"`},
		{"unknown operation", encodePolicy(`{"expiration":"2030-01-01T00:00:00Z","conditions":[["like","$key","a"]]}`), "unknown operation 'like'"},
		{"wrong arity", encodePolicy(`{"expiration":"2030-01-01T00:00:00Z","conditions":[["eq","$key"]]}`), "wrong number of arguments"},
		{"two properties", encodePolicy(`{"expiration":"2030-01-01T00:00:00Z","conditions":[{"a":"1","b":"2"}]}`), "exactly one property"},
		{"bad range", encodePolicy(`{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",10,1]]}`), "content-length-range"},
		{"range not a number", encodePolicy(`{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",12,false]]}`), "Invalid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, e := parsePostPolicy(c.encoded)
			if e == nil || e.Code != string(s3err.InvalidPolicyDocument) || !strings.Contains(e.Message, c.wantMsg) {
				t.Fatalf("got %v, want InvalidPolicyDocument with %q", e, c.wantMsg)
			}
		})
	}
}

func TestPostPolicyCheck(t *testing.T) {
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	policy := func(conds string) string {
		return encodePolicy(`{"expiration":"2026-12-07T00:00:00Z","conditions":[` + conds + `]}`)
	}
	cases := []struct {
		name    string
		conds   string
		fields  map[string]string
		bucket  string
		wantMsg string // "" when the form is allowed
	}{
		{"exact bucket and key", `{"bucket":"b"},{"key":"k"}`, map[string]string{"key": "k"}, "b", ""},
		{"eq form", `{"bucket":"b"},["eq","$key","k"]`, map[string]string{"key": "k"}, "b", ""},
		{"eq fails", `{"bucket":"b"},["eq","$key","k"]`, map[string]string{"key": "j"}, "b", `Policy Condition failed: ["eq","$key","k"]`},
		{"starts-with", `{"bucket":"b"},["starts-with","$key","up/"]`, map[string]string{"key": "up/x"}, "b", ""},
		{"starts-with fails", `{"bucket":"b"},["starts-with","$key","up/"]`, map[string]string{"key": "down/x"}, "b", "Policy Condition failed"},
		{"starts-with empty allows any", `{"bucket":"b"},["starts-with","$key",""]`, map[string]string{"key": "anything"}, "b", ""},
		{"condition names are case-insensitive", `{"bucket":"b"},{"key":"k"},["starts-with","$Content-Type","image/"]`,
			map[string]string{"key": "k", "content-type": "image/png"}, "b", ""},
		{"every content type listed must match", `{"bucket":"b"},{"key":"k"},["starts-with","$content-type","image/"]`,
			map[string]string{"key": "k", "content-type": "image/png, text/plain"}, "b", "Policy Condition failed"},
		{"wrong bucket", `{"bucket":"b"},{"key":"k"}`, map[string]string{"key": "k"}, "c", `Policy Condition failed: ["eq", "$bucket", "b"]`},
		{"no bucket condition", `{"key":"k"}`, map[string]string{"key": "k"}, "b", "Extra input fields: bucket"},
		{"uncovered field", `{"bucket":"b"},{"key":"k"}`, map[string]string{"key": "k", "x-amz-meta-a": "1"}, "b", "Extra input fields: x-amz-meta-a"},
		{"exempt fields", `{"bucket":"b"},{"key":"k"}`, map[string]string{"key": "k", "policy": "p", "x-amz-signature": "s", "x-ignore-me": "1"}, "b", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, e := parsePostPolicy(policy(c.conds))
			if e != nil {
				t.Fatal(e)
			}
			e = p.check(c.fields, c.bucket, now)
			switch {
			case c.wantMsg == "" && e != nil:
				t.Fatalf("refused: %v", e)
			case c.wantMsg != "" && (e == nil || e.Code != "AccessDenied" || !strings.Contains(e.Message, c.wantMsg)):
				t.Fatalf("got %v, want AccessDenied with %q", e, c.wantMsg)
			}
		})
	}
	p, _ := parsePostPolicy(policy(`{"bucket":"b"}`))
	if e := p.check(map[string]string{}, "b", now.Add(48*time.Hour)); e == nil || e.Message != "Invalid according to Policy: Policy expired." {
		t.Fatalf("an expired policy: %v", e)
	}
}

func TestPostFileBounds(t *testing.T) {
	cases := []struct {
		name     string
		body     string
		min, max int64
		wantCode string
	}{
		{"within", "abcd", 1, 4, ""},
		{"too large", "abcde", 1, 4, "EntityTooLarge"},
		{"too small", "a", 2, 4, "EntityTooSmall"},
		{"empty allowed", "", 0, 4, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := io.ReadAll(&postFile{r: strings.NewReader(c.body), min: c.min, max: c.max})
			var e *s3err.Error
			switch {
			case c.wantCode == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.wantCode != "" && (!errors.As(err, &e) || e.Code != c.wantCode):
				t.Fatalf("got %v, want %s", err, c.wantCode)
			}
		})
	}
}
