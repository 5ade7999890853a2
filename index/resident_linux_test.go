package index

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTableMapping(t *testing.T) {
	cases := []struct {
		line       string
		start, end uintptr
		ok         bool
	}{
		{"7f0000001000-7f0000101000 r--s 00000000 fd:01 1234 /var/idx/000001.sst", 0x7f0000001000, 0x7f0000101000, true},
		{"7f0000001000-7f0000101000 rw-s 00000000 fd:01 1234 /var/idx/00001.mem", 0, 0, false},
		{"7f0000001000-7f0000101000 r--s 00000000 fd:01 1234 /var/other/000001.sst", 0, 0, false},
		{"7f0000001000-7f0000101000 rw-p 00000000 00:00 0", 0, 0, false},
		{"zz-7f0000101000 r--s 00000000 fd:01 1234 /var/idx/000001.sst", 0, 0, false},
		{"7f0000101000-7f0000001000 r--s 00000000 fd:01 1234 /var/idx/000001.sst", 0, 0, false},
	}
	for _, tc := range cases {
		start, end, ok := tableMapping(tc.line, "/var/idx/")
		if start != tc.start || end != tc.end || ok != tc.ok {
			t.Errorf("tableMapping(%q) = %#x, %#x, %v; want %#x, %#x, %v", tc.line, start, end, ok, tc.start, tc.end, tc.ok)
		}
	}
}

// Reading an index's tables makes their pages resident; paging them out
// hands them back, and the index still reads the same.
func TestPageOutTables(t *testing.T) {
	dir := t.TempDir()
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	const n = 20000
	vs := make([]Version, n)
	for i := range vs {
		vs[i] = ver(fmt.Sprintf("k%06d", i), fmt.Sprintf("%064d", i))
	}
	record(t, d, "bkt", vs...)
	// Reopened, the index has all its tables written and no compaction
	// to run: only reads make their pages resident.
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if d, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	readAll := func() {
		t.Helper()
		seen, p := 0, ListParams{}
		for {
			r, err := d.ListObjects("bkt", p)
			if err != nil {
				t.Fatal(err)
			}
			seen += len(r.Objects)
			if !r.IsTruncated {
				break
			}
			p.Marker = r.NextMarker
		}
		if seen != n {
			t.Fatalf("listed %d of %d objects", seen, n)
		}
	}
	readAll()
	before, err := tablesResident(dir)
	if err != nil {
		t.Fatal(err)
	}
	if before == 0 {
		t.Fatal("no table page resident after a listing")
	}
	if err := pageOutTables(dir); errors.Is(err, errors.ErrUnsupported) {
		t.Skip("this kernel has no MADV_PAGEOUT")
	} else if err != nil {
		t.Fatal(err)
	}
	after, err := tablesResident(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("table pages resident: %d bytes before paging out, %d after", before, after)
	if after >= before {
		t.Errorf("table pages resident: %d bytes before paging out, %d after", before, after)
	}
	readAll()
}

// tablesResident sums the resident bytes of the mappings of dir's tables,
// from /proc/self/smaps.
func tablesResident(dir string) (int64, error) {
	raw, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return 0, err
	}
	prefix := filepath.Clean(dir) + "/"
	var total int64
	in := false
	for _, line := range splitLines(string(raw)) {
		if _, _, ok := tableMapping(line, prefix); ok {
			in = true
			continue
		}
		var kb int64
		if _, err := fmt.Sscanf(line, "Rss: %d kB", &kb); err == nil {
			if in {
				total += kb << 10
			}
			in = false
		}
	}
	return total, nil
}

func splitLines(s string) []string { return strings.Split(s, "\n") }
