package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/sigv4"
)

// BenchmarkHeadObject runs a signed HEAD of an indexed object through the
// whole handler chain (metrics, SigV4, front, index), without the network,
// so that the CPU and allocations of the metadata path show on their own.
func BenchmarkHeadObject(b *testing.B) {
	g, db := benchGateway(b, prometheus.NewRegistry(), nil)
	ctx := context.Background()
	v := index.Version{Key: "obj", VersionID: "v1", Size: 4096, ETag: `"0123456789abcdef0123456789abcdef"`,
		LastModified: time.Now().UTC().Truncate(time.Second), Metadata: map[string]string{"Content-Type": "application/octet-stream"}}
	if err := db.RecordVersion("bench", v); err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodHead, "http://gateway.test/bench/obj", nil)
	// The headers aws-sdk-go-v2 sends with a HeadObject.
	req.Header.Set("Amz-Sdk-Invocation-Id", "5e1b1fd7-3c3a-4b0b-9a57-0d5c2f1c9d11")
	req.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	req.Header.Set("User-Agent", "aws-sdk-go-v2/1.36.3 os/linux lang/go#1.26 md/GOOS#linux md/GOARCH#amd64 api/s3#1.79.2")
	req.Header.Set("X-Amz-Content-Sha256", sigv4.EmptyPayloadHash)
	creds := aws.Credentials{AccessKeyID: clientAccess, SecretAccessKey: clientSecret}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, sigv4.EmptyPayloadHash, "s3", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	h := g.Handler()
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("HEAD: %d %s", w.Code, w.Body)
		}
	}
}
