package mirror

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/embedded"
	"github.com/ringside/ringside/index"
)

// BenchmarkEmbeddedSync runs an initial sync, listing and metadata sweep,
// of a bucket of the in-process S3 server over HTTP with the backend
// client, into an index on disk, beside a bare listing and bare HEADs of
// the same versions: with -cpuprofile it shows what the ingester costs per
// version on top of the backend client.
func BenchmarkEmbeddedSync(b *testing.B) {
	const n = 20_000
	srv, err := embedded.Start("127.0.0.1:0", "bench", "bench-secret")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	if err := srv.Preload("backing", n, func(i int) string { return fmt.Sprintf("dir%03d/key%07d", i%100, i) }, 0); err != nil {
		b.Fatal(err)
	}
	cl, err := backend.New(backend.Config{Endpoint: srv.URL(), AccessKey: "bench", SecretKey: "bench-secret", Bucket: "backing"})
	if err != nil {
		b.Fatal(err)
	}
	opts := testOptions()
	opts.PageSize, opts.HeadConcurrency, opts.ListConcurrency = 1000, 16, 1
	var objs []backend.Object
	b.Run("bare listing", func(b *testing.B) {
		for b.Loop() {
			objs = objs[:0]
			out := make(chan page)
			go list(context.Background(), Target{Source: cl}, "", "", opts.PageSize, out)
			for pg := range out {
				if pg.err != nil {
					b.Fatal(pg.err)
				}
				objs = append(objs, pg.Versions...)
				if !pg.IsTruncated {
					break
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/version")
	})
	b.Run("bare heads", func(b *testing.B) {
		for b.Loop() {
			jobs := make(chan backend.Object)
			var wg sync.WaitGroup
			for range opts.HeadConcurrency {
				wg.Go(func() {
					for o := range jobs {
						if _, err := cl.HeadObject(context.Background(), o.Key, o.VersionID); err != nil {
							b.Error(err)
						}
					}
				})
			}
			for _, o := range objs {
				jobs <- o
			}
			close(jobs)
			wg.Wait()
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/version")
	})
	b.Run("initial sync", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			db, err := index.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			if err := db.CreateBucket(index.Bucket{Name: "mb", Location: "embedded", Mirror: true, Versioning: "Enabled", Created: time.Now()}); err != nil {
				b.Fatal(err)
			}
			m := newManager(db, func(string) (Target, error) { return Target{Source: cl}, nil }, opts)
			b.StartTimer()
			ps := &passState{began: time.Now(), initial: true}
			ps.fullSince = ps.began
			if err := m.lockedPass(context.Background(), "mb", ps, hooks{}); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			m.Close()
			db.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/version")
	})
}
