package index

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	syncVersions = flag.String("sync-versions", "10000,100000", "comma-separated bucket sizes BenchmarkInitialSyncMemory ingests (add 1000000 for the 1M row)")
	syncProfile  = flag.String("sync-heap-profile", "", "`PREFIX` of the heap profiles BenchmarkInitialSyncMemory takes at each size's peak")
)

// BenchmarkInitialSyncMemory writes an initial sync's records the way the
// ingester does, pages of 1,000 listed versions with their metadata
// pending, then the metadata sweep's 256-version batches read by a scan,
// into an index on disk, and reports the peak Go heap in use and the
// process's peak RSS: the index's share of ringside's memory during a
// sync, which must not grow with the bucket.
func BenchmarkInitialSyncMemory(b *testing.B) {
	for _, f := range strings.Split(*syncVersions, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			b.Fatalf("--sync-versions: %v", err)
		}
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				peak := ingestForMemory(b, n)
				b.ReportMetric(float64(peak.heap)/float64(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(peak.rss)/float64(1<<20), "peak-rss-MiB")
				b.ReportMetric(float64(peak.file)/float64(1<<20), "peak-file-rss-MiB")
				b.ReportMetric(float64(peak.disk)/float64(1<<20), "disk-MiB")
			}
		})
	}
}

// ingestForMemory syncs n versions into a new index under a sampler.
func ingestForMemory(b *testing.B, n int) memPeak {
	dir := b.TempDir()
	d, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	// As serve sets it by default: the peak a collection cannot free
	// is what counts.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(96 << 20))
	runtime.GC()
	profile := ""
	if *syncProfile != "" {
		profile = fmt.Sprintf("%s-%d.pprof", *syncProfile, n)
	}
	s := startMemSampler(profile)
	listPages(b, d, n)
	sweepMetadata(b, d)
	peak := s.stop()
	peak.disk = dirSize(b, dir)
	return peak
}

// listPages writes n versions, 1,000 keys a transaction, as listing pages
// in key order.
func listPages(b *testing.B, d *DB, n int) {
	page := make([]KeyListing, 0, 1000)
	for i := range n {
		key := fmt.Sprintf("obj/k%07d", i)
		v := ver(key, fmt.Sprintf("%032x", i))
		v.Size, v.MetaPending = 4096, true
		page = append(page, KeyListing{Key: key, Versions: []Version{v}, ListedAt: t0})
		if len(page) == cap(page) || i == n-1 {
			if _, err := d.SetKeysVersions("bkt", page); err != nil {
				b.Fatal(err)
			}
			page = page[:0]
		}
	}
}

// sweepMetadata stores headers for every pending version, 256 at a time,
// from a scan running beside the writes, as the metadata sweep does.
func sweepMetadata(b *testing.B, d *DB) {
	reads := make(chan MetadataRead, 4096)
	var scanErr error
	go func() {
		defer close(reads)
		scanErr = d.ScanKeys("bkt", "", "", func(key string, vs []Version) error {
			for _, v := range vs {
				if v.MetaPending {
					reads <- MetadataRead{Key: key, VersionID: v.VersionID, ETag: v.ETag,
						Metadata: map[string]string{"Content-Type": "application/octet-stream", "X-Amz-Meta-Bench": key}}
				}
			}
			return nil
		})
	}()
	batch := make([]MetadataRead, 0, 256)
	store := func() {
		if _, err := d.StoreMetadata("bkt", batch); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	for r := range reads {
		if batch = append(batch, r); len(batch) == cap(batch) {
			store()
		}
	}
	if len(batch) > 0 {
		store()
	}
	if scanErr != nil {
		b.Fatal(scanErr)
	}
}

// memPeak is the highest Go heap in use and RSS a sampler saw.
type memPeak struct {
	heap, rss int64
	file      int64 // the most RSS that was file pages (the index's tables, mapped)
	disk      int64 // the index's files once synced
}

type memSampler struct {
	stopc   chan struct{}
	done    sync.WaitGroup
	peak    memPeak
	profile string
}

// startMemSampler resets the process's peak RSS and samples the Go heap
// every 10 ms, saving a heap profile each time it climbs 2 MiB past the
// last one (to profile if set), so that the last one saved is the peak's.
func startMemSampler(profile string) *memSampler {
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	s := &memSampler{stopc: make(chan struct{}), profile: profile}
	if profile != "" {
		runtime.MemProfileRate = 64 << 10
	}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		var profiled int64
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			s.peak.heap = max(s.peak.heap, int64(ms.HeapInuse))
			s.peak.file = max(s.peak.file, procStatus("RssFile:"))
			if s.profile != "" && s.peak.heap > profiled+2<<20 {
				profiled = s.peak.heap
				var buf bytes.Buffer
				pprof.Lookup("heap").WriteTo(&buf, 0)
				os.WriteFile(s.profile, buf.Bytes(), 0o644)
			}
			select {
			case <-s.stopc:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *memSampler) stop() memPeak {
	close(s.stopc)
	s.done.Wait()
	s.peak.rss = procStatus("VmHWM:")
	return s.peak
}

// procStatus is a size in the process's status, 0 where /proc does not
// tell it.
func procStatus(field string) int64 {
	raw, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// dirSize is the bytes of the files in dir.
func dirSize(b *testing.B, dir string) int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, e := range entries {
		if fi, err := e.Info(); err == nil {
			n += fi.Size()
		}
	}
	return n
}
