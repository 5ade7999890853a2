package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	badger "github.com/dgraph-io/badger/v4"
	bopts "github.com/dgraph-io/badger/v4/options"
)

// gcInterval is how often the value log is garbage collected. Records are
// small and live in the LSM tree, so little is ever reclaimed there.
const gcInterval = 5 * time.Minute

// maxAttempts bounds the retries of a transaction that lost a conflict.
const maxAttempts = 20

// DB is the metadata index.
type DB struct {
	// mu guards db and readOnly: an index opened read-only on a full disk
	// is closed and opened again for writing once space is back, under
	// the write lock, while every read and write holds the read lock.
	mu       sync.RWMutex
	db       *badger.DB
	readOnly bool
	opts     badger.Options
	counts   *counters
	space    *spaceGuard // nil in memory
	repairs  *repairs

	stopGC    chan struct{}
	gcDone    chan struct{} // nil until the collector runs
	stopSpace chan struct{}
	spaceDone chan struct{}
	// stopRepairs and repairsDone are set by StartRepairs.
	stopRepairs context.CancelFunc
	repairsDone chan struct{}
	stopCount   chan struct{}
	countDone   chan struct{} // nil unless a recount was started
	closeOnce   sync.Once
	closeErr    error
}

// Options size the index's memory. The zero value takes the defaults.
type Options struct {
	// BlockCacheSize bounds the cache of table blocks that point reads
	// and listings go through (DefaultBlockCacheSize if 0). Tables are
	// written uncompressed, so it mostly holds references into the
	// mmapped tables; blocks of tables an earlier release compressed with
	// Snappy are held decompressed.
	BlockCacheSize int64
	// Reserve is the free space the index keeps on its filesystem
	// (DefaultReserve if 0): below it, index writes fail with ErrNoSpace
	// before they start, and Open opens the index read-only.
	Reserve int64
	// FreeSpace measures the bytes free for the index on the filesystem
	// holding dir (statfs if nil): tests set a filesystem of their own.
	FreeSpace func(dir string) (int64, error)
}

// DefaultBlockCacheSize holds the hot part of an index of a few hundred
// thousand versions; once warm, it is most of the index's heap.
const DefaultBlockCacheSize = 16 << 20

// Open opens (creating if needed) the index under dir, with the default
// Options.
func Open(dir string) (*DB, error) {
	return OpenWith(dir, Options{})
}

// OpenWith opens (creating if needed) the index under dir.
func OpenWith(dir string, o Options) (*DB, error) {
	if err := removeTornMemtables(dir); err != nil {
		return nil, fmt.Errorf("open index in %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open index in %s: %w", dir, err)
	}
	guard := newSpaceGuard(dir, o.Reserve, o.FreeSpace)
	free, err := guard.measure()
	if err != nil {
		// Not known to be full: open as always.
		slog.Warn("index: measure the free space", "err", err)
		free = guard.reserve
	}
	opts := options(dir, o)
	_, err = os.Stat(filepath.Join(dir, badger.ManifestFilename))
	fresh := errors.Is(err, fs.ErrNotExist)
	d, err := openOnDisk(opts, fresh, free < guard.reserve)
	if err != nil {
		return nil, fmt.Errorf("open index in %s (%d bytes free, reserve %d): %w", dir, free, guard.reserve, err)
	}
	d.space = guard
	d.stopGC = make(chan struct{})
	if !d.readOnly {
		d.startGC()
	}
	if err := d.loadRepairs(); err != nil {
		d.Close()
		return nil, fmt.Errorf("open index in %s: %w", dir, err)
	}
	d.stopSpace = make(chan struct{})
	d.spaceDone = make(chan struct{})
	go d.watchSpace()
	return d, nil
}

// openOnDisk opens Badger for writing, or read-only when the disk is
// below the reserve: a writable open creates a memtable log and writes its
// header through a memory map, which is a SIGBUS on a full disk, and then
// flushes the logs a crash left behind into new tables.
func openOnDisk(opts badger.Options, fresh, low bool) (*DB, error) {
	if !low {
		if err := flushOversizedMemtables(opts); err != nil {
			return nil, err
		}
		return open(opts, fresh)
	}
	if fresh {
		return nil, fmt.Errorf("create a new index: %w", ErrNoSpace)
	}
	// A memtable log left by a crash (or by a Close on a full disk) is a
	// sparse file longer than its entries: a read-only open refuses it,
	// and reading its holes through a memory map faults on a full tmpfs.
	// Cut it as a writable open would before replaying it.
	if err := trimMemtableLogs(opts.Dir); err != nil {
		return nil, err
	}
	d, err := open(opts.WithReadOnly(true), false)
	if err != nil {
		return nil, err
	}
	slog.Warn("index: opened read-only, the disk is below its free-space reserve; reads are served, writes resume once space is freed",
		"dir", opts.Dir)
	return d, nil
}

// removeTornMemtables deletes empty memtable files. A process killed
// between Badger creating a memtable file and writing its first entry
// leaves one behind, and Badger then refuses to open the directory
// (dgraph-io/badger#2207). An empty memtable holds no entry, so nothing is
// lost by removing it.
func removeTornMemtables(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.mem"))
	if err != nil {
		return err
	}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil || st.Size() != 0 {
			continue
		}
		if err := os.Remove(f); err != nil {
			return fmt.Errorf("remove the empty memtable %s: %w", f, err)
		}
		slog.Warn("index: removed an empty memtable file left by a crash", "file", f)
	}
	return nil
}

// flushOversizedMemtables flushes memtables written with a larger
// MemTableSize than opts' (by an earlier ringside, killed before it could
// flush them): Badger replays a memtable's log into an arena sized by the
// current option, and panics when it does not fit. Badger creates a log at
// twice MemTableSize, so the largest log tells the size it was written
// with.
func flushOversizedMemtables(opts badger.Options) error {
	files, err := filepath.Glob(filepath.Join(opts.Dir, "*.mem"))
	if err != nil {
		return err
	}
	var largest int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			largest = max(largest, st.Size())
		}
	}
	if largest <= 2*opts.MemTableSize {
		return nil
	}
	bdb, err := badger.Open(opts.WithMemTableSize(largest / 2).WithNumMemtables(len(files)))
	if err != nil {
		return fmt.Errorf("open to flush memtables of %d bytes: %w", largest, err)
	}
	if err := bdb.Close(); err != nil {
		return fmt.Errorf("flush memtables of %d bytes: %w", largest, err)
	}
	return nil
}

// OpenInMemory opens an index that lives in memory only, for tests.
func OpenInMemory() (*DB, error) {
	d, err := open(options("", Options{}).WithInMemory(true), true)
	if err != nil {
		return nil, fmt.Errorf("open in-memory index: %w", err)
	}
	d.stopGC = make(chan struct{})
	return d, nil
}

// options sizes Badger for a metadata index beside a gateway, whose
// records are a few hundred bytes: its defaults (64 MiB memtables, five of
// them, a 256 MiB block cache) can reach about 600 MiB.
func options(dir string, o Options) badger.Options {
	cache := o.BlockCacheSize
	if cache <= 0 {
		cache = DefaultBlockCacheSize
	}
	opts := badger.DefaultOptions(dir).
		WithLogger(quietLogger{}).
		WithSyncWrites(false). // the ingester repairs what a crash loses
		WithMetricsEnabled(false).
		// A memtable costs its size once in its skiplist arena (plus 30%
		// of batch headroom) and once in its mmapped write-ahead log, and
		// one fills while at most one other is flushed. A transaction may
		// be 15% of it: 0.9 MiB, some 5,000 versions of one key written
		// at once (a key with more is written in steps, keysteps.go). Its flush builds one table in a builder whose buffers
		// start at 2 MiB and double: the table of a 6 MiB memtable fits in
		// 2 + 4 MiB, that of an 8 MiB one takes another 8 MiB, which each
		// of the eight builders Badger keeps for reuse ends up holding
		// (the peak heap of a 1M-version sync, BenchmarkInitialSyncMemory:
		// 129 MiB at 8 MiB, 96 MiB at 6 MiB).
		WithMemTableSize(6 << 20).
		WithNumMemtables(1).
		// Records stay in the LSM tree, where a read finds them without a
		// second lookup and compaction reclaims them, so the value log
		// stays empty: the largest, a version with 2 KiB of user metadata,
		// is far below this.
		WithValueThreshold(64 << 10).
		WithValueLogFileSize(16 << 20).
		// Badger builds each table whole in memory before writing it,
		// several at a time (a flush and up to eight or more per
		// compaction), and keeps up to eight builders' buffers for reuse,
		// each as large as the largest table it built. Tables of every
		// level are this size (a TableSizeMultiplier of 1 instead of 2,
		// under which the deeper levels of a growing index build tables
		// of 2, 4, 8 MiB and more), so that this memory does not grow
		// with the index.
		WithBaseTableSize(1 << 20).
		// Every read looks into each L0 table: keep them few.
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(8).
		// Badger's minimum: one for L0, one for the other levels.
		WithNumCompactors(2).
		WithBlockCacheSize(cache).
		// Unencrypted tables are read through their mmapped index, never a
		// copy in this cache, so it would stay empty.
		WithIndexCacheSize(0).
		// A compressing table builder holds each block twice, plain and
		// compressed, and runs two goroutines per core: without
		// compression the builders' buffers, which grow with the index
		// under Snappy, stay flat, blocks are read straight from the
		// mmapped tables, and the block cache holds no copies. Tables
		// are larger on disk (records are binary already); tables an
		// earlier release compressed stay readable.
		WithCompression(bopts.None)
	opts.TableSizeMultiplier = 1
	return opts
}

// open opens Badger and takes back the counters Close stored; fresh is an
// index just created, which has nothing to count.
func open(opts badger.Options, fresh bool) (*DB, error) {
	bdb, err := badger.Open(opts)
	if err != nil {
		return nil, err
	}
	d := &DB{db: bdb, readOnly: opts.ReadOnly, opts: opts, counts: newCounters(),
		repairs: newRepairs(), stopCount: make(chan struct{})}
	if fresh {
		d.counts.markReady()
		return d, nil
	}
	// Read-only, the stored counters stay: nothing can change them.
	c, found, err := takeCounts(bdb, !opts.ReadOnly)
	if err != nil {
		bdb.Close()
		return nil, err
	}
	if found {
		d.counts.add(c)
		d.counts.markReady()
	} else {
		d.recountInBackground()
	}
	return d, nil
}

// Close stores the counters for the next Open, then flushes and closes
// the index.
func (d *DB) Close() error {
	d.closeOnce.Do(func() {
		if d.repairsDone != nil {
			d.stopRepairs()
			<-d.repairsDone
		}
		// The space watch goes before the collector: it may reopen the
		// index and start it.
		if d.stopSpace != nil {
			close(d.stopSpace)
			<-d.spaceDone
		}
		close(d.stopGC)
		if d.gcDone != nil {
			<-d.gcDone
		}
		close(d.stopCount)
		if d.countDone != nil {
			<-d.countDone
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		d.counts.mu.Lock()
		defer d.counts.mu.Unlock()
		var storeErr error
		// Below the reserve the counters are not stored (the next Open
		// recounts): the space left is Badger's, to flush its memtable.
		if d.counts.isReady() && !d.db.Opts().InMemory && !d.readOnly && d.space.check() == nil {
			storeErr = d.storeCounts()
		}
		if err := d.space.roomToFlush(); err != nil && !d.readOnly {
			// Badger's Close would write the memtable to a table
			// through a memory map, a SIGBUS on this disk. Left
			// unclosed, the memtable's log stays, as after a kill, and
			// the next writable open replays it.
			d.closeErr = errors.Join(storeErr, err)
			return
		}
		d.closeErr = errors.Join(storeErr, d.db.Close())
	})
	if d.closeErr != nil {
		return fmt.Errorf("close index: %w", d.closeErr)
	}
	return nil
}

func (d *DB) startGC() {
	d.gcDone = make(chan struct{})
	go d.collectGarbage(d.gcDone)
}

func (d *DB) collectGarbage(done chan struct{}) {
	defer close(done)
	t := time.NewTicker(gcInterval)
	defer t.Stop()
	for {
		select {
		case <-d.stopGC:
			return
		case <-t.C:
			// Each nil is one rewritten log file; ErrNoRewrite ends the
			// round. A rewrite needs room, which the reserve keeps.
			for d.space.check() == nil && d.valueLogGC() == nil {
			}
		}
	}
}

func (d *DB) valueLogGC() error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.db.RunValueLogGC(0.5)
}

// view runs fn in a read-only transaction.
func (d *DB) view(fn func(txn *badger.Txn) error) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.db.View(fn)
}

// update runs fn in one read-write transaction, retrying it when it lost a
// conflict with a concurrent one, and applies its counter changes once it
// has committed. It refuses, with ErrNoSpace, a write the disk may not
// hold: Badger's memory-mapped logs would take the process down instead.
func (d *DB) update(fn func(txn *badger.Txn, c *delta) error) error {
	if err := d.CheckSpace(); err != nil {
		return err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.readOnly {
		// Reopened read-only since CheckSpace: rare, and no write.
		return fmt.Errorf("%w (opened read-only on a full disk)", ErrNoSpace)
	}
	for attempt := 1; ; attempt++ {
		var c delta
		d.counts.mu.RLock()
		err := d.db.Update(func(txn *badger.Txn) error { return fn(txn, &c) })
		if err == nil {
			d.counts.add(c)
		}
		d.counts.mu.RUnlock()
		if errors.Is(err, badger.ErrConflict) && attempt < maxAttempts {
			time.Sleep(time.Duration(attempt) * 50 * time.Microsecond)
			continue
		}
		return err
	}
}

// quietLogger passes Badger's warnings and errors to slog and drops its
// chatty INFO and DEBUG lines.
type quietLogger struct{}

func (quietLogger) Errorf(f string, a ...any) {
	slog.Error("index: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}

func (quietLogger) Warningf(f string, a ...any) {
	slog.Warn("index: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}

// Size is the index's size on disk, LSM tree and value log, as Badger last
// measured it (it does so once a minute), so a scrape reads no directory.
func (d *DB) Size() (lsm, vlog int64) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.db.Size()
}

// reopenWritable closes an index opened read-only on a full disk and
// opens it for writing, now that space is back. Readers wait for it.
func (d *DB) reopenWritable() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.readOnly {
		return nil
	}
	if err := d.db.Close(); err != nil {
		return fmt.Errorf("close the read-only index: %w", err)
	}
	bdb, err := badger.Open(d.opts.WithReadOnly(false))
	if err != nil {
		// Serve reads again, and try once more at the next poll.
		ro, rerr := badger.Open(d.opts)
		if rerr != nil {
			return fmt.Errorf("open the index for writing: %w; and read-only again: %w", err, rerr)
		}
		d.db = ro
		return fmt.Errorf("open the index for writing: %w", err)
	}
	// Nothing was written while read-only, so the counters in memory
	// still match; the stored ones go, as at any writable open.
	if _, _, err := takeCounts(bdb, true); err != nil {
		slog.Warn("index: drop the stored counters", "err", err)
	}
	d.db, d.readOnly, d.opts = bdb, false, d.opts.WithReadOnly(false)
	d.startGC()
	slog.Info("index: reopened for writing, free space is back above the reserve", "dir", d.opts.Dir)
	return nil
}
