package backend

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"
)

// BenchmarkPutSmall sends 4 KiB PutObjects to a backend that answers at
// once, so that what shows is the client's own cost per small write (and
// that of the in-process server, the same on every run).
func BenchmarkPutSmall(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("ETag", `"0123456789abcdef0123456789abcdef"`)
		w.Header().Set("X-Amz-Version-Id", "v1")
		w.Header().Set("Content-Length", "0")
	}))
	b.Cleanup(srv.Close)
	c, err := New(Config{Endpoint: srv.URL, AccessKey: testAccessKey, SecretKey: testSecretKey, Bucket: testBucket})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	body := bytes.Repeat([]byte("x"), 4096)
	ctx := context.Background()
	b.ReportAllocs()
	start := processCPU(b)
	for b.Loop() {
		if _, err := c.PutObject(ctx, "obj", bytes.NewReader(body), int64(len(body)), nil, PutOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU(b)-start)/1e3/float64(b.N), "cpu-µs/op")
}

// processCPU is the CPU time the process has used (user and system),
// which on a machine shared with other work measures a benchmark better
// than its wall time.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
