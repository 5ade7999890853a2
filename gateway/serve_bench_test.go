package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ringside/ringside/internal/sigv4"
	"github.com/ringside/ringside/objcache"
)

// BenchmarkServeSmall sends signed HEADs, cached GETs and PUTs of a
// 4 KiB object to a gateway served as ringside serves it, over loopback
// connections kept open, 16 at a time. cpu-µs/op is the CPU time of the
// whole process per request: the gateway's, and the client's and the
// in-process backend's, which stay the same from one version of the
// gateway to the next; on a shared machine it is steadier than ns/op.
func BenchmarkServeSmall(b *testing.B) {
	url := startServeBench(b)
	body := bytes.Repeat([]byte("x"), 4096)
	if resp := send(b, signedRequest(b, http.MethodPut, url, body), body); resp != http.StatusOK {
		b.Fatalf("PUT: %d", resp)
	}
	// The query each request carries, as aws-sdk-go-v2 sends it.
	for _, bm := range []struct {
		name   string
		method string
		query  string
		body   []byte
	}{
		{"HEAD", http.MethodHead, "", nil},
		{"GET cached", http.MethodGet, "?x-id=GetObject", nil},
		{"PUT", http.MethodPut, "?x-id=PutObject", body},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(8)
			start := processCPU(b)
			var workers atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				// Reads are signed once: the gateway checks each
				// request's signature all the same. Writes go to 100
				// keys per worker, as the benchmark harness's do.
				req := signedRequest(b, bm.method, url+bm.query, bm.body)
				w := workers.Add(1)
				for i := 0; pb.Next(); i++ {
					if bm.body != nil {
						req = signedRequest(b, bm.method, fmt.Sprintf("%s/%d/%d%s", url, w, i%100, bm.query), bm.body)
					}
					if status := send(b, req, bm.body); status != http.StatusOK {
						b.Errorf("%s: %d", bm.method, status)
						return
					}
				}
			})
			b.ReportMetric(float64(processCPU(b)-start)/1e3/float64(b.N), "cpu-µs/op")
		})
	}
}

// startServeBench serves a gateway with an object cache over an embedded
// backend, on a listener as ringside's, and returns the URL of an object
// in a bucket of it.
func startServeBench(b *testing.B) string {
	reg := prometheus.NewRegistry()
	cache, err := objcache.New(objcache.Config{MaxBytes: 64 << 20, MaxObject: 64 << 10, Registerer: reg})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cache.Close)
	g, _ := benchGateway(b, reg, cache)
	srv := httptest.NewUnstartedServer(g.Handler())
	srv.Listener = Listener(srv.Config, srv.Listener)
	srv.Start()
	b.Cleanup(srv.Close)
	return srv.URL + "/bench/obj"
}

// benchClient keeps a connection per goroutine of the benchmark.
var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// signedRequest is a request signed as aws-sdk-go-v2 signs it.
func signedRequest(b testing.TB, method, url string, body []byte) *http.Request {
	return signedRequestWith(b, method, url, body, nil)
}

// signedRequestWith is signedRequest with the headers of header added
// before signing.
func signedRequestWith(b testing.TB, method, url string, body []byte, header http.Header) *http.Request {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	hash := sigv4.EmptyPayloadHash
	if body != nil {
		sum := sha256.Sum256(body)
		hash = hex.EncodeToString(sum[:])
		req.ContentLength = int64(len(body))
	}
	req.Header.Set("Amz-Sdk-Invocation-Id", "5e1b1fd7-3c3a-4b0b-9a57-0d5c2f1c9d11")
	req.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds := aws.Credentials{AccessKeyID: clientAccess, SecretAccessKey: clientSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, "s3", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	return req
}

// send sends req with body and returns its status, the answer read
// whole.
func send(b *testing.B, req *http.Request, body []byte) int {
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := benchClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// processCPU is the CPU time the process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
