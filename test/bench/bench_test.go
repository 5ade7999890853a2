package main

import (
	"bytes"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ringside/ringside/mirror"
)

func TestObjectBodyIsSeekableAndSplitsIntoSections(t *testing.T) {
	p := newPattern(1)
	const size = 3*patternSize + 12345
	whole, err := io.ReadAll(p.body("k", size))
	if err != nil {
		t.Fatal(err)
	}
	if len(whole) != size {
		t.Fatalf("read %d bytes, want %d", len(whole), size)
	}
	if other, _ := io.ReadAll(p.body("other", 4096)); bytes.Equal(other, whole[:4096]) {
		t.Error("two keys have the same body")
	}
	tests := []struct{ off, n int64 }{{0, 10}, {patternSize - 3, 10}, {size - 100, 100}, {2*patternSize + 7, patternSize}}
	for _, tt := range tests {
		sec, err := io.ReadAll(p.body("k", size).section(tt.off, tt.n))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(sec, whole[tt.off:tt.off+tt.n]) {
			t.Errorf("section at %d of %d bytes differs from the body", tt.off, tt.n)
		}
	}
	b := p.body("k", size)
	io.CopyN(io.Discard, b, 1000)
	if pos, err := b.Seek(0, io.SeekStart); err != nil || pos != 0 {
		t.Fatalf("seek to the start: %d, %v", pos, err)
	}
	again, _ := io.ReadAll(b)
	if !bytes.Equal(again, whole) {
		t.Error("the body read again after a rewind differs")
	}
}

func TestMedianAndPercentile(t *testing.T) {
	tests := []struct {
		xs   []float64
		want float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{7}, 7}}
	for _, tt := range tests {
		if got := median(tt.xs); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.xs, got, tt.want)
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("the median of nothing is not NaN")
	}
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	if p := percentile(ds, 50); p != 50 {
		t.Errorf("p50 = %v ms, want 50", p)
	}
	if p := percentile(ds, 99); p != 99 {
		t.Errorf("p99 = %v ms, want 99", p)
	}
}

func TestParseMetrics(t *testing.T) {
	text := `# HELP ringside_mirror_changes_applied_total Changes.
# TYPE ringside_mirror_changes_applied_total counter
ringside_mirror_changes_applied_total{bucket="a",kind="metadata"} 12
ringside_mirror_changes_applied_total{bucket="a",kind="new_version"} 3
ringside_mirror_changes_applied_total{bucket="b",kind="metadata"} 5
go_memstats_heap_inuse_bytes 4.2e+07
`
	got, err := parseMetrics(strings.NewReader(text), []metricQuery{
		{Name: "ringside_mirror_changes_applied_total", Labels: map[string]string{"bucket": "a", "kind": "metadata"}},
		{Name: "ringside_mirror_changes_applied_total", Labels: map[string]string{"kind": "metadata"}},
		{Name: "ringside_mirror_changes_applied_total"},
		{Name: "go_memstats_heap_inuse_bytes"},
		{Name: "absent"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{12, 17, 20, 4.2e7, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("query %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestListKeysSortAndRollUp(t *testing.T) {
	prev := ""
	prefixes := 0
	for i := range 1000 {
		k := listKey(i)
		if k <= prev {
			t.Fatalf("key %d %q does not sort after %q", i, k, prev)
		}
		prev = k
		if strings.Count(strings.TrimPrefix(k, listPrefix), "/") > 0 {
			prefixes++
		}
	}
	if prefixes != 100 {
		t.Errorf("%d keys of 1000 roll up under the delimiter, want 100", prefixes)
	}
}

func TestParseProcStat(t *testing.T) {
	// A command name with a space and a parenthesis, as /proc allows.
	line := "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 130 0 0 20 0 8 0 100 2000000 500 18446744073709551615"
	got, err := parseProcStat(line)
	if err != nil {
		t.Fatal(err)
	}
	if got != 3.8 {
		t.Errorf("CPU seconds = %v, want 3.8 (380 ticks)", got)
	}
	if _, err := parseProcStat("garbage"); err == nil {
		t.Error("a malformed line parsed")
	}
}

func TestPassedSyncTakesTheMomentsRingsideRecorded(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	tests := []struct {
		name    string
		st      mirror.Status
		want    syncTimes
		wantErr bool
	}{
		{"all recorded", mirror.Status{InitialListedAt: at(510), InitialMetadataAt: at(2020), LastPassStart: at(6), LastPassSeconds: 2.015},
			syncTimes{listable: 510 * time.Millisecond, metadata: 2020 * time.Millisecond, passDone: 2021 * time.Millisecond}, false},
		{"no sweep end", mirror.Status{InitialListedAt: at(510), LastPassStart: at(6), LastPassSeconds: 2}, syncTimes{}, true},
		{"a sync from before a restart", mirror.Status{LastPassStart: at(6), LastPassSeconds: 2}, syncTimes{}, true},
	}
	for _, tt := range tests {
		got, err := passedSync(tt.st, start)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: error %v, want one: %v", tt.name, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestCPUBound(t *testing.T) {
	nan := math.NaN()
	for _, tt := range []struct {
		name                   string
		direct, gateway        pathStats
		wantModel, wantCeiling float64
	}{
		{"a hop that adds its own CPU and nothing else",
			pathStats{ClientCPUus: 100, BackendCPUus: 300},
			pathStats{ClientCPUus: 100, BackendCPUus: 300, GatewayCPUus: 100},
			400.0 / 500, 1},
		{"answers from the index spare the backend",
			pathStats{ClientCPUus: 150, BackendCPUus: 250},
			pathStats{ClientCPUus: 150, BackendCPUus: 0, GatewayCPUus: 50},
			400.0 / 200, 400.0 / 150},
		{"the backend's CPU not measured",
			pathStats{ClientCPUus: 150, BackendCPUus: nan},
			pathStats{ClientCPUus: 150, BackendCPUus: nan, GatewayCPUus: 50},
			nan, nan},
	} {
		t.Run(tt.name, func(t *testing.T) {
			model, ceiling := cpuBound(tt.direct, tt.gateway)
			for _, c := range []struct {
				what      string
				got, want float64
			}{{"model", model, tt.wantModel}, {"ceiling", ceiling, tt.wantCeiling}} {
				if math.IsNaN(c.want) != math.IsNaN(c.got) || (!math.IsNaN(c.want) && math.Abs(c.got-c.want) > 1e-9) {
					t.Errorf("%s %v, want %v", c.what, c.got, c.want)
				}
			}
		})
	}
}
