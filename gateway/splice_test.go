package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ringside/ringside/backend"
)

// TestGetSplicesTheBody reads a multi-MiB object through the gateway and
// checks that it arrives whole and that its bytes went from the backend
// connection to the answer's ReadFrom, which splices them, through every
// writer the handler's answer is wrapped in.
func TestGetSplicesTheBody(t *testing.T) {
	body := make([]byte, 6<<20+17)
	if _, err := rand.Read(body); err != nil {
		t.Fatal(err)
	}
	size := len(body)
	tests := []struct {
		name      string
		metrics   bool
		rng       string
		want      []byte
		wantRange string
	}{
		{name: "whole", want: body},
		{name: "whole, with metrics", metrics: true, want: body},
		{name: "range", rng: "bytes=100-5000099", want: body[100:5000100],
			wantRange: fmt.Sprintf("bytes 100-5000099/%d", size)},
		{name: "suffix range, with metrics", metrics: true, rng: "bytes=-3000000", want: body[size-3000000:],
			wantRange: fmt.Sprintf("bytes %d-%d/%d", size-3000000, size-1, size)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			e := newS3EnvWith(t, "", func(cfg *Config) {
				cfg.Registerer = nil
				if tt.metrics {
					cfg.Registerer = reg
				}
			})
			e.createBucket("data", "ring")
			e.put("data", "big", string(body))
			before := backend.ZeroCopyBytes()
			out, got := e.get("data", "big", func(in *s3.GetObjectInput) {
				if tt.rng != "" {
					in.Range = aws.String(tt.rng)
				}
			})
			if !bytes.Equal([]byte(got), tt.want) {
				t.Fatalf("got %d bytes, want %d (same length: %v)", len(got), len(tt.want), len(got) == len(tt.want))
			}
			if aws.ToInt64(out.ContentLength) != int64(len(tt.want)) || aws.ToString(out.ContentRange) != tt.wantRange {
				t.Fatalf("length %d range %q, want %d and %q", aws.ToInt64(out.ContentLength), aws.ToString(out.ContentRange), len(tt.want), tt.wantRange)
			}
			// The client may have every byte before the server's copy
			// returns and counts them: the counts are awaited.
			// All but the few KiB read with the backend's headers are
			// handed to ReadFrom.
			spliced := func() bool { return backend.ZeroCopyBytes()-before >= int64(len(tt.want))-8<<10 }
			if !eventually(spliced) {
				t.Fatalf("%d of %d bytes handed to the answer's ReadFrom", backend.ZeroCopyBytes()-before, len(tt.want))
			}
			if tt.metrics {
				counted := func() bool {
					sent, _ := gather(t, reg, "ringside_s3_sent_bytes_total", map[string]string{"op": "GetObject"})
					return sent == float64(len(tt.want))
				}
				if !eventually(counted) {
					sent, _ := gather(t, reg, "ringside_s3_sent_bytes_total", map[string]string{"op": "GetObject"})
					t.Fatalf("metrics count %v bytes sent, want %d", sent, len(tt.want))
				}
			}
		})
	}
}

// TestGetClientGoesAway stops reading a large GET halfway; the gateway
// drops that backend connection and serves the next GET whole.
func TestGetClientGoesAway(t *testing.T) {
	e := newS3Env(t)
	body := make([]byte, 8<<20)
	if _, err := rand.Read(body); err != nil {
		t.Fatal(err)
	}
	e.createBucket("data", "ring")
	e.put("data", "big", string(body))
	for range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		out, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("big")})
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		if _, err := io.ReadFull(out.Body, make([]byte, 1<<20)); err != nil {
			t.Fatal(err)
		}
		cancel()
		out.Body.Close()
	}
	if _, got := e.get("data", "big"); !bytes.Equal([]byte(got), body) {
		t.Fatalf("got %d bytes, want %d", len(got), len(body))
	}
}

// TestGetOverTLS reads a large object through the gateway over HTTPS,
// where nothing can be spliced: it arrives whole, copied through the
// gateway's buffer rather than handed to the answer's ReadFrom.
func TestGetOverTLS(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	body := make([]byte, 5<<20+3)
	if _, err := rand.Read(body); err != nil {
		t.Fatal(err)
	}
	e.put("data", "big", string(body))
	srv := httptest.NewTLSServer(e.g.Handler())
	t.Cleanup(srv.Close)
	client := newTLSClient(srv.URL)
	before := backend.ZeroCopyBytes()
	out, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("got %d bytes, want %d", len(got), len(body))
	}
	if n := backend.ZeroCopyBytes() - before; n != 0 {
		t.Fatalf("%d bytes handed to ReadFrom over TLS", n)
	}
}

// eventually polls cond until it holds or five seconds have passed.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}
