package backend

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// SignedGet reaches routes outside the bucket, with repeated and escaped
// query values, signed so that the server's check passes; a wrong key is
// refused, and the answer of any status is returned, not turned into an
// error.
func TestSignedGet(t *testing.T) {
	srv := startBackend(t)
	tests := []struct {
		name       string
		secret     string
		path       string
		query      url.Values
		wantStatus int
		wantBody   string
	}{
		{name: "metadata route", secret: testSecretKey, path: "/_/metadata/admin/buckets/" + testBucket + "/id", wantStatus: 200, wantBody: "1"},
		{name: "query values to sort and escape", secret: testSecretKey, path: "/_/metadata/admin/raft_sessions/1/log",
			query: url.Values{"begin": {"1"}, "limit": {"10"}, "targetLeader": {"false"}, "x": {"b a+/", "a*"}}, wantStatus: 416},
		{name: "an answer of any status", secret: testSecretKey, path: "/_/metadata/admin/buckets/missing/id", wantStatus: 404},
		{name: "wrong key", secret: "not-the-secret", path: "/_/metadata/admin/buckets/" + testBucket + "/id", wantStatus: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clientFor(t, srv.URL(), func(cfg *Config) { cfg.SecretKey = tt.secret })
			resp, err := c.SignedGet(ctxT(t), "Test", tt.path, tt.query)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantBody != "" && strings.TrimSpace(string(body)) != tt.wantBody {
				t.Errorf("body %q, want %q", body, tt.wantBody)
			}
			if resp.StatusCode == http.StatusForbidden && strings.Contains(string(body), tt.secret) {
				t.Errorf("the refusal holds the secret")
			}
		})
	}
}
