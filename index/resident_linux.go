package index

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// mappedResident is how many bytes of files the process has mapped and
// resident: the second field of /proc/self/statm, in pages, counts file
// pages and shared memory (of which ringside has none).
func mappedResident() (int64, error) {
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return 0, fmt.Errorf("read /proc/self/statm: %q", raw)
	}
	pages, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read /proc/self/statm: %w", err)
	}
	return pages * int64(os.Getpagesize()), nil
}

// pageOutTables asks the kernel to reclaim the resident pages of every
// table file under dir that the process maps. MADV_PAGEOUT only ever
// drops pages the file holds (a dirty one is written back first), and on
// any other memory it is a hint without effect on content, so a range
// unmapped and reused since /proc/self/maps was read loses nothing.
func pageOutTables(dir string) error {
	raw, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return err
	}
	prefix := filepath.Clean(dir) + "/"
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		start, end, ok := tableMapping(sc.Text(), prefix)
		if !ok {
			continue
		}
		_, _, errno := unix.Syscall(unix.SYS_MADVISE, start, end-start, unix.MADV_PAGEOUT)
		if errno == unix.EINVAL {
			return errors.ErrUnsupported
		}
	}
	return sc.Err()
}

// tableMapping parses a /proc/self/maps line and reports the address
// range of a mapping of a table file (.sst) under prefix.
func tableMapping(line, prefix string) (start, end uintptr, ok bool) {
	f := strings.Fields(line)
	if len(f) < 6 || !strings.HasPrefix(f[5], prefix) || !strings.HasSuffix(f[5], ".sst") {
		return 0, 0, false
	}
	lo, hi, found := strings.Cut(f[0], "-")
	s, err1 := strconv.ParseUint(lo, 16, 64)
	e, err2 := strconv.ParseUint(hi, 16, 64)
	if !found || err1 != nil || err2 != nil || e <= s {
		return 0, 0, false
	}
	return uintptr(s), uintptr(e), true
}
