package procmem

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// MappedFiles splits a process's file-backed RSS by what is mapped: the
// index's tables, its logs (memtables and value log), the binary itself.
type MappedFiles struct {
	Total, Tables, Logs, Binary, Other int64
}

func (f MappedFiles) String() string {
	return fmt.Sprintf("tables %.0f, logs %.0f, the binary %.0f, other %.0f MiB",
		mib(f.Tables), mib(f.Logs), mib(f.Binary), mib(f.Other))
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// ReadMappedFiles reads the resident file pages of process pid from its
// smaps: a walk of every mapping, so read only when the file part climbs.
func ReadMappedFiles(pid int) (MappedFiles, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return MappedFiles{}, fmt.Errorf("read the mappings of process %d: %w", pid, err)
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return MappedFiles{}, fmt.Errorf("read the binary of process %d: %w", pid, err)
	}
	return ParseSmaps(raw, exe), nil
}

// ParseSmaps sums the Rss lines of smaps by the file each mapping maps,
// exe being the process's binary; anonymous mappings are left out.
func ParseSmaps(raw []byte, exe string) MappedFiles {
	var f MappedFiles
	var dst *int64
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-"):
			dst = f.class(fields, exe)
		case len(fields) == 3 && fields[0] == "Rss:" && dst != nil:
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err == nil {
				*dst += kb << 10
				f.Total += kb << 10
			}
		}
	}
	return f
}

// class is where a mapping's pages count, nil for anonymous memory and
// the kernel's pseudo-files ([heap], [stack], [vdso]).
func (f *MappedFiles) class(header []string, exe string) *int64 {
	if len(header) < 6 || !strings.HasPrefix(header[5], "/") {
		return nil
	}
	switch path := header[5]; {
	case strings.HasSuffix(path, ".sst"):
		return &f.Tables
	case strings.HasSuffix(path, ".mem"), strings.HasSuffix(path, ".vlog"):
		return &f.Logs
	case path == exe:
		return &f.Binary
	}
	return &f.Other
}
