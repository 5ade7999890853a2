package index

import (
	"runtime"
	"testing"
	"time"
)

// BenchmarkIngestWrites times the ingester's two writes of an initial
// sync into an index on disk, per version: listing pages of 1,000 keys
// with their metadata pending, then the metadata sweep's batches of 256
// headers found by a scan. The CPU they take is taken from a backend that
// shares the machine.
func BenchmarkIngestWrites(b *testing.B) {
	const n = 20_000
	var list, sweep time.Duration
	var listAllocs, sweepAllocs uint64
	for b.Loop() {
		d, err := Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		t, a := time.Now(), mallocs()
		listPages(b, d, n)
		list += time.Since(t)
		listAllocs += mallocs() - a
		t, a = time.Now(), mallocs()
		sweepMetadata(b, d)
		sweep += time.Since(t)
		sweepAllocs += mallocs() - a
		b.StopTimer()
		d.Close()
		b.StartTimer()
	}
	per := float64(b.N * n)
	b.ReportMetric(float64(list.Microseconds())/per, "list-µs/version")
	b.ReportMetric(float64(sweep.Microseconds())/per, "sweep-µs/version")
	b.ReportMetric(float64(listAllocs)/per, "list-allocs/version")
	b.ReportMetric(float64(sweepAllocs)/per, "sweep-allocs/version")
}

func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}
