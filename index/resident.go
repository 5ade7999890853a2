package index

import (
	"errors"
	"log/slog"
	"path/filepath"
	"time"
)

// Badger writes each table through a memory map and reads tables through
// it, so every table written or read stays in ringside's resident set
// until the kernel needs the memory back: an initial sync of a million
// versions leaves the whole index, some 400 MiB, counted in ringside's
// RSS although it is only page cache. Past tableResidentGrowth of new
// resident file pages, the tables' pages are handed back to the kernel;
// a read that needs one again reads it from the page cache or the disk.
// Compactions read and write tens of MiB of tables at once, so the poll
// is frequent; reading /proc/self/statm costs a few microseconds.
const (
	tableResidentGrowth = 16 << 20
	residentPoll        = 25 * time.Millisecond
)

// watchResident pages out the index's tables whenever the process's
// resident file pages grew by tableResidentGrowth since the last time,
// until stop is closed.
func watchResident(dir string, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	// The kernel names mapped files by their absolute, resolved path.
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	base, err := mappedResident()
	if err != nil {
		slog.Info("index: resident table pages are left to the kernel", "err", err)
		return
	}
	t := time.NewTicker(residentPoll)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		now, err := mappedResident()
		if err != nil || now-base < tableResidentGrowth {
			continue
		}
		if err := pageOutTables(dir); err != nil {
			if errors.Is(err, errors.ErrUnsupported) {
				slog.Info("index: the kernel cannot page out tables; their resident pages are left to it", "dir", dir)
				return
			}
			slog.Warn("index: page out the tables", "dir", dir, "err", err)
		}
		if base, err = mappedResident(); err != nil {
			return
		}
	}
}
