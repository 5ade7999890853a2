package index

import (
	"flag"
	"fmt"
	"testing"
	"time"
)

var (
	benchReadVersions = flag.Int("read-versions", 100_000, "versions synced into the index BenchmarkIndexReads reads from")
	benchReadFlatten  = flag.Bool("read-flatten", false, "compact BenchmarkIndexReads's index into one level first, so that compressions compare on tables of the same shape")
)

// BenchmarkIndexReads times HEAD's point read and a LIST page from an
// index on disk whose records all sit in tables, compressed as
// --index-compression says, in process CPU per operation: the read-side
// price of compressed tables, whose blocks are decompressed into the block
// cache where uncompressed ones are read in place from the mapped file.
// The keys read are spread over the whole bucket, the worst case for the
// cache.
func BenchmarkIndexReads(b *testing.B) {
	useCompression(b)
	n := *benchReadVersions
	d := syncedIndex(b, n)
	defer d.Close()
	b.Run(fmt.Sprintf("%d/head", n), func(b *testing.B) {
		cpu, i := cpuTime(), 0
		for b.Loop() {
			key := fmt.Sprintf("obj/k%07d", i*7919%n)
			if _, err := d.Latest("bkt", key); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
	})
	b.Run(fmt.Sprintf("%d/list", n), func(b *testing.B) {
		cpu, i := cpuTime(), 0
		for b.Loop() {
			p := ListParams{Prefix: "obj/", Marker: fmt.Sprintf("obj/k%07d", i*7919%(n-1000))}
			got := 0
			if _, err := d.VisitObjects("bkt", p, counter(&got)); err != nil || got != 1000 {
				b.Fatalf("page of %d: %v", got, err)
			}
			i++
		}
		b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
	})
}

// syncedIndex is an index holding an initial sync of n versions, closed
// and opened again so that every record is in a table, and read once
// whole so that the reads measured find the tables in the page cache.
func syncedIndex(b *testing.B, n int) *DB {
	dir := b.TempDir()
	d, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	listPages(b, d, n)
	sweepMetadata(b, d)
	if err := d.Close(); err != nil {
		b.Fatal(err)
	}
	if d, err = Open(dir); err != nil {
		b.Fatal(err)
	}
	waitIdle(b)
	if *benchReadFlatten {
		if err := d.db.Flatten(2); err != nil {
			b.Fatal(err)
		}
		waitIdle(b)
	}
	if err := d.ScanKeys("bkt", "", "", func(string, []Version) error { return nil }); err != nil {
		b.Fatal(err)
	}
	for _, l := range d.db.Levels() {
		if l.NumTables > 0 {
			b.Logf("level %d: %d tables, %.1f MiB", l.Level, l.NumTables, mib(l.Size))
		}
	}
	return d
}

// waitIdle waits, up to a minute, for the compactions an open starts to
// end: their CPU would count in the reads'.
func waitIdle(b *testing.B) {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		cpu := cpuTime()
		time.Sleep(250 * time.Millisecond)
		if cpuTime()-cpu < 10*time.Millisecond {
			return
		}
	}
	b.Logf("compactions still running after a minute")
}
