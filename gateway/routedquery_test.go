package gateway

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestReadQueryParsedOnce: what a read takes from its query, parsed once
// by the router (versionId taken out first), is what it asked for: the
// version named, the response overrides and partNumber, together, from
// the backend and from the cache.
func TestReadQueryParsedOnce(t *testing.T) {
	e, _ := newCachedEnv(t)
	e.createBucket("query", "shared")
	old := e.put("query", "k", "old body")
	e.put("query", "k", "new body, longer")
	for _, tt := range []struct {
		name     string
		in       func(*s3.GetObjectInput)
		wantBody string
		wantType string
	}{
		{"overrides", func(in *s3.GetObjectInput) { in.ResponseContentType = aws.String("x/latest") }, "new body, longer", "x/latest"},
		{"version and overrides", func(in *s3.GetObjectInput) {
			in.VersionId, in.ResponseContentType = old.VersionId, aws.String("x/old")
		}, "old body", "x/old"},
		{"version, part and overrides", func(in *s3.GetObjectInput) {
			in.VersionId, in.PartNumber, in.ResponseContentType = old.VersionId, aws.Int32(1), aws.String("x/part")
		}, "old body", "x/part"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Twice: from the backend, then from the cache it filled.
			for range 2 {
				out, body := e.get("query", "k", tt.in)
				if body != tt.wantBody || aws.ToString(out.ContentType) != tt.wantType {
					t.Fatalf("got %q as %q, want %q as %q", body, aws.ToString(out.ContentType), tt.wantBody, tt.wantType)
				}
			}
		})
	}
}
