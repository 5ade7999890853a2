package gateway

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ringside/ringside/objcache"
)

// BenchmarkServeLargeGet sends signed GETs of a 32 MiB object, GOMAXPROCS at a
// time (2 on the benchmark machine) over kept-open loopback connections, to a gateway served as
// ringside serves it: passed through from the in-process backend, or
// sent from the disk tier. cpu-µs/MiB is the CPU time of the whole
// process per MiB answered: the gateway's and the client's, and on the
// pass-through path the in-process backend's too, which the disk tier
// saves.
func BenchmarkServeLargeGet(b *testing.B) {
	const size = 32 << 20
	for _, bm := range []struct {
		name string
		disk bool
	}{{"pass-through", false}, {"disk tier", true}} {
		b.Run(bm.name, func(b *testing.B) {
			url, d := startLargeBench(b, bm.disk)
			body := bytes.Repeat([]byte("0123456789abcdef"), size/16)
			if status := send(b, signedRequest(b, http.MethodPut, url, body), body); status != http.StatusOK {
				b.Fatalf("PUT: %d", status)
			}
			if bm.disk {
				for range 2 {
					send(b, signedRequest(b, http.MethodGet, url, nil), nil)
				}
				waitFills(b, d, 1)
				if d.Stats().Fills != 1 {
					b.Fatalf("disk tier stats %+v, want one fill", d.Stats())
				}
			}
			b.SetBytes(size)
			b.SetParallelism(1)
			start, hits := processCPU(b), d.Stats().Hits
			var failed atomic.Bool
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				req := signedRequest(b, http.MethodGet, url, nil)
				buf := make([]byte, 256<<10)
				for pb.Next() {
					if !drain(req, buf) {
						failed.Store(true)
						return
					}
				}
			})
			if failed.Load() || (bm.disk && d.Stats().Hits-hits != uint64(b.N)) {
				b.Fatalf("GETs failed, or not all answered from the disk tier (%+v)", d.Stats())
			}
			b.ReportMetric(float64(processCPU(b)-start)/1e3/float64(b.N)/32, "cpu-µs/MiB")
		})
	}
}

// drain sends req and reads the whole answer through buf, whose size
// keeps the client's share of the CPU small; false if the GET failed.
func drain(req *http.Request, buf []byte) bool {
	resp, err := benchClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	n, err := io.CopyBuffer(onlyWriter{io.Discard}, resp.Body, buf)
	return err == nil && resp.StatusCode == http.StatusOK && n == resp.ContentLength
}

// startLargeBench serves a gateway, with the disk tier if asked, over an
// embedded backend, and returns the URL of an object in a bucket of it.
func startLargeBench(b *testing.B, disk bool) (string, *objcache.Disk) {
	reg := prometheus.NewRegistry()
	var d *objcache.Disk
	if disk {
		var err error
		d, err = objcache.OpenDisk(objcache.DiskConfig{Dir: b.TempDir(), MaxBytes: 256 << 20, MaxObject: 64 << 20, Registerer: reg})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(d.Close)
	}
	g, _ := benchGatewayWith(b, reg, func(cfg *Config) { cfg.DiskCache = d })
	srv := httptest.NewUnstartedServer(g.Handler())
	srv.Listener = Listener(srv.Config, srv.Listener)
	srv.Start()
	b.Cleanup(srv.Close)
	return srv.URL + "/bench/large", d
}
