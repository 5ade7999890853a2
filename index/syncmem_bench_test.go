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
	"syscall"
	"testing"
	"time"

	bopts "github.com/dgraph-io/badger/v4/options"
	"github.com/ringside/ringside/internal/procmem"
)

var (
	syncVersions = flag.String("sync-versions", "10000,100000", "comma-separated bucket sizes BenchmarkInitialSyncMemory ingests (add 1000000 for the 1M row)")
	syncProfile  = flag.String("sync-heap-profile", "", "`PREFIX` of the heap profiles BenchmarkInitialSyncMemory takes at each size's peak")
	compression  = flag.String("index-compression", "none", "how the index benchmarks compress tables: none, snappy or zstd (level 1)")
	tableKiB     = flag.Int64("index-table-kib", 0, "size of the index benchmarks' tables in KiB (the default if 0)")
	syncMemLimit = flag.Int64("sync-memory-limit-mib", 96, "the Go memory limit BenchmarkInitialSyncMemory runs under, in MiB: ringside's default --memory-limit")
)

// useCompression sets the tables' compression from --index-compression.
func useCompression(b *testing.B) {
	c, ok := map[string]bopts.CompressionType{"none": bopts.None, "snappy": bopts.Snappy, "zstd": bopts.ZSTD}[*compression]
	if !ok {
		b.Fatalf("--index-compression %q: want none, snappy or zstd", *compression)
	}
	tableCompression = c
	if *tableKiB > 0 {
		tableSize = *tableKiB << 10
	}
}

// BenchmarkInitialSyncMemory writes an initial sync's records the way the
// ingester does, pages of 1,000 listed versions with their metadata
// pending, then the metadata sweep's 256-version batches read by a scan,
// into an index on disk, and reports the peak Go heap in use and the
// process's peak RSS: the index's share of ringside's memory during a
// sync, which must not grow with the bucket.
func BenchmarkInitialSyncMemory(b *testing.B) {
	useCompression(b)
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
				b.ReportMetric(float64(peak.anon)/float64(1<<20), "peak-anon-rss-MiB")
				b.ReportMetric(float64(peak.file)/float64(1<<20), "peak-file-rss-MiB")
				b.ReportMetric(float64(peak.disk)/float64(1<<20), "disk-MiB")
				b.ReportMetric(float64(peak.tables)/float64(1<<20), "tables-MiB")
				b.ReportMetric(float64(peak.cpu.Nanoseconds())/float64(n), "cpu-ns/version")
				b.ReportMetric(float64(peak.gcs), "gcs")
				logFileRSS(b, n, peak.files)
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
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(*syncMemLimit << 20))
	runtime.GC()
	profile := ""
	if *syncProfile != "" {
		profile = fmt.Sprintf("%s-%d.pprof", *syncProfile, n)
	}
	s := startMemSampler(profile)
	cpu, gcs := cpuTime(), gcCount()
	listPages(b, d, n)
	sweepMetadata(b, d)
	peak := s.stop()
	peak.cpu, peak.gcs = cpuTime()-cpu, gcCount()-gcs
	peak.disk, peak.tables = dirSize(b, dir)
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
	anon      int64 // the most RSS that was anonymous (the heap, stacks, Badger's arenas)
	file      int64 // the most RSS that was file pages (the index's tables, mapped)
	files     procmem.MappedFiles
	disk      int64 // the index's files once synced
	tables    int64 // of which .sst tables
	cpu       time.Duration
	gcs       uint32 // garbage collections during the sync
}

func gcCount() uint32 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.NumGC
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
			s.peak.anon = max(s.peak.anon, procStatus("RssAnon:"))
			if f := procStatus("RssFile:"); f > s.peak.file {
				s.peak.file = f
				// Reading smaps walks every mapping: only every 2 MiB
				// climbed, so the last one read is near the peak.
				if f > s.peak.files.Total+2<<20 {
					if files, err := procmem.ReadMappedFiles(os.Getpid()); err == nil {
						s.peak.files = files
					}
				}
			}
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

// dirSize is the bytes the files in dir take on disk (Badger's logs are
// preallocated, sparse), and of those its .sst tables.
func dirSize(b *testing.B, dir string) (all, tables int64) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			continue
		}
		used := fi.Size()
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			used = st.Blocks * 512
		}
		all += used
		if strings.HasSuffix(e.Name(), ".sst") {
			tables += used
		}
	}
	return all, tables
}

// cpuTime is the CPU the process has used, user and system: the
// benchmarks share the machine, so wall time says little.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func logFileRSS(b *testing.B, n int, r procmem.MappedFiles) {
	b.Logf("%d versions, file RSS at its peak: %.1f MiB = tables %.1f + logs %.1f + binary %.1f + other %.1f",
		n, mib(r.Total), mib(r.Tables), mib(r.Logs), mib(r.Binary), mib(r.Other))
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
