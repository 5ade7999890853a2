package index

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrNoSpace is the error of an index write refused because the
// filesystem of the index has less free space than its reserve (or the
// index was opened read-only on a full disk and has not reopened yet).
// Nothing was written. Reads are unaffected, and writes are accepted
// again by themselves once free space is back above the reserve. Callers
// test it with errors.Is.
var ErrNoSpace = errors.New("index disk is full: free space is below the index reserve")

// DefaultReserve is the free space the index keeps on its filesystem for
// what Badger writes without a system call that could fail: its memtable
// log and its tables are files grown sparse and written through a memory
// map, so a write that finds no free block is a SIGBUS that kills the
// process, never an ENOSPC error. With ringside's options (options in
// db.go) that is, at worst, the live memtable's log (8 MiB plus one
// 1.2 MiB batch, in a 16 MiB sparse file), the flush of the previous one
// to a level-0 table (up to 8 MiB), and two concurrent compactions that
// write their output before they delete their input: level 0 (two to
// eight tables of up to 8 MiB) into the base level (about 10 MiB), and
// one table's overlap between two lower levels (a few MiB to tens of
// MiB). That sums to some 64 MiB; the default is twice that.
const DefaultReserve = 128 << 20

// MinReserve is the smallest sensible reserve: the sparse file of the
// live memtable's log (twice its 8 MiB), which fills with no system call.
const MinReserve = 16 << 20

// spacePoll is how often the free space is measured in the background,
// besides before writes: it reopens an index opened read-only once space
// is back, and keeps the figures fresh.
const spacePoll = time.Second

// trustFor is how long a write trusts the last statfs while the free
// space was at least twice the reserve: a statfs costs some 9 µs on a
// virtual disk, a good part of a small index write, and no index writes a
// reserve (16 MiB at least) in 100 ms.
const trustFor = 100 * time.Millisecond

// statFS returns the bytes an unprivileged writer may still use on the
// filesystem holding dir.
type statFS func(dir string) (int64, error)

func statfsFree(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", dir, err)
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// Space is the state of the index's filesystem as last measured.
type Space struct {
	Free    int64 // bytes free for the index
	Reserve int64 // free space below which writes are refused
	// Low is true while writes are refused: free space is below the
	// reserve, or the index is read-only.
	Low bool
	// ReadOnly is true while the index is open read-only, as it is when
	// opened on a full disk, until space comes back.
	ReadOnly bool
	Refused  uint64 // writes refused since the index was opened
}

// spaceGuard watches the free space of the index's filesystem.
type spaceGuard struct {
	dir     string
	reserve int64
	statfs  statFS
	trust   time.Duration // 0 when a test measures: every write measures

	free     atomic.Int64
	measured atomic.Int64 // when, in Unix nanoseconds
	low      atomic.Bool
	refused  atomic.Uint64
}

func newSpaceGuard(dir string, reserve int64, fs statFS) *spaceGuard {
	if reserve <= 0 {
		reserve = DefaultReserve
	}
	g := &spaceGuard{dir: dir, reserve: reserve, statfs: fs}
	if fs == nil {
		g.statfs, g.trust = statfsFree, trustFor
	}
	return g
}

// measure reads the free space now and records whether it is below the
// reserve, logging each crossing.
func (g *spaceGuard) measure() (int64, error) {
	free, err := g.statfs(g.dir)
	if err != nil {
		return 0, err
	}
	g.free.Store(free)
	g.measured.Store(time.Now().UnixNano())
	low := free < g.reserve
	if was := g.low.Swap(low); was != low {
		if low {
			slog.Warn("index: disk below its free-space reserve; index writes are refused until space is freed",
				"dir", g.dir, "free", free, "reserve", g.reserve)
		} else {
			slog.Info("index: disk back above its free-space reserve; index writes resume",
				"dir", g.dir, "free", free, "reserve", g.reserve)
		}
	}
	return free, nil
}

// check returns ErrNoSpace when a write now could eat into the reserve.
func (g *spaceGuard) check() error {
	if g == nil {
		return nil
	}
	if g.free.Load() >= 2*g.reserve && time.Since(time.Unix(0, g.measured.Load())) < g.trust {
		return nil
	}
	free, err := g.measure()
	if err != nil {
		// A filesystem that cannot be measured is not known to be
		// full; Badger's own errors still apply.
		slog.Warn("index: measure the free space", "err", err)
		return nil
	}
	if free < g.reserve {
		g.refused.Add(1)
		return fmt.Errorf("%w (%d bytes free in %s, reserve %d)", ErrNoSpace, free, g.dir, g.reserve)
	}
	return nil
}

// roomToFlush returns an error wrapping ErrNoSpace when the disk could not
// hold the tables that flushing the memtable logs in dir would write: at
// most what the logs hold (the blocks they really use), plus a margin for
// the manifest and a new log's first page.
func (g *spaceGuard) roomToFlush() error {
	if g == nil {
		return nil
	}
	logs, err := filepath.Glob(filepath.Join(g.dir, "*.mem"))
	if err != nil {
		return nil
	}
	need := int64(1 << 20)
	for _, f := range logs {
		var st syscall.Stat_t
		if syscall.Stat(f, &st) == nil {
			need += st.Blocks * 512
		}
	}
	free, err := g.measure()
	if err != nil || free >= need {
		return nil
	}
	return fmt.Errorf("flush the index's memtable, which needs %d bytes, %d free: left to replay at the next start: %w", need, free, ErrNoSpace)
}

// Space returns the index filesystem's state as last measured. An
// in-memory index has no filesystem: its Space is all zero.
func (d *DB) Space() Space {
	g := d.space
	if g == nil {
		return Space{}
	}
	ro := d.isReadOnly()
	return Space{
		Free:     g.free.Load(),
		Reserve:  g.reserve,
		Low:      g.low.Load() || ro,
		ReadOnly: ro,
		Refused:  g.refused.Load(),
	}
}

// CheckSpace returns an error wrapping ErrNoSpace when an index write
// would be refused now, so that a caller can refuse a request before it
// does anything else (the gateway, before it writes to the backend).
func (d *DB) CheckSpace() error {
	if d.isReadOnly() {
		if d.space != nil {
			d.space.refused.Add(1)
		}
		return fmt.Errorf("%w (opened read-only on a full disk)", ErrNoSpace)
	}
	return d.space.check()
}

func (d *DB) isReadOnly() bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.readOnly
}

// watchSpace measures the free space every spacePoll, and reopens an
// index opened read-only once the space is back above the reserve.
func (d *DB) watchSpace() {
	defer close(d.spaceDone)
	t := time.NewTicker(spacePoll)
	defer t.Stop()
	for {
		select {
		case <-d.stopSpace:
			return
		case <-t.C:
		}
		free, err := d.space.measure()
		if err != nil {
			slog.Warn("index: measure the free space", "err", err)
			continue
		}
		if free >= d.space.reserve && d.isReadOnly() {
			if err := d.reopenWritable(); err != nil {
				slog.Error("index: reopen for writing after space came back", "err", err)
			}
		}
	}
}
