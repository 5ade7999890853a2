package index

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// gcInterval is how often the value log is garbage collected. Records are
// small and live in the LSM tree, so little is ever reclaimed there.
const gcInterval = 5 * time.Minute

// maxAttempts bounds the retries of a transaction that lost a conflict.
const maxAttempts = 20

// DB is the metadata index.
type DB struct {
	db *badger.DB

	// Counters for Stats, counted at open and kept by every write, so that
	// a metrics scrape never walks the database.
	buckets  atomic.Int64
	objects  atomic.Int64
	versions atomic.Int64

	stopGC    chan struct{}
	gcDone    chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating if needed) the index under dir, with memory settings
// fit for a sidecar.
func Open(dir string) (*DB, error) {
	if err := removeTornMemtables(dir); err != nil {
		return nil, fmt.Errorf("open index in %s: %w", dir, err)
	}
	d, err := open(options(dir))
	if err != nil {
		return nil, fmt.Errorf("open index in %s: %w", dir, err)
	}
	d.stopGC = make(chan struct{})
	d.gcDone = make(chan struct{})
	go d.collectGarbage()
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

// OpenInMemory opens an index that lives in memory only, for tests.
func OpenInMemory() (*DB, error) {
	d, err := open(options("").WithInMemory(true))
	if err != nil {
		return nil, fmt.Errorf("open in-memory index: %w", err)
	}
	return d, nil
}

// options bounds Badger's memory: its defaults can reach about 600 MB.
func options(dir string) badger.Options {
	return badger.DefaultOptions(dir).
		WithLogger(quietLogger{}).
		WithSyncWrites(false). // the ingester repairs what a crash loses
		WithMetricsEnabled(false).
		WithMemTableSize(16 << 20).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(8).
		WithBlockCacheSize(32 << 20).
		WithIndexCacheSize(16 << 20).
		WithNumCompactors(2).
		WithValueLogFileSize(64 << 20)
}

func open(opts badger.Options) (*DB, error) {
	bdb, err := badger.Open(opts)
	if err != nil {
		return nil, err
	}
	d := &DB{db: bdb}
	if err := d.count(); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("count records: %w", err)
	}
	return d, nil
}

// Close flushes and closes the index.
func (d *DB) Close() error {
	d.closeOnce.Do(func() {
		if d.stopGC != nil {
			close(d.stopGC)
			<-d.gcDone
		}
		d.closeErr = d.db.Close()
	})
	if d.closeErr != nil {
		return fmt.Errorf("close index: %w", d.closeErr)
	}
	return nil
}

func (d *DB) collectGarbage() {
	defer close(d.gcDone)
	t := time.NewTicker(gcInterval)
	defer t.Stop()
	for {
		select {
		case <-d.stopGC:
			return
		case <-t.C:
			// Each nil is one rewritten log file; ErrNoRewrite ends the round.
			for d.db.RunValueLogGC(0.5) == nil {
			}
		}
	}
}

// Stats counts buckets, current objects and versions.
func (d *DB) Stats() (Stats, error) {
	return Stats{
		Buckets:  int(d.buckets.Load()),
		Objects:  d.objects.Load(),
		Versions: d.versions.Load(),
	}, nil
}

// delta is what one transaction changes in the Stats counters.
type delta struct {
	buckets, objects, versions int64
}

// count walks every key once, at open, to start the Stats counters.
func (d *DB) count() error {
	c, err := d.countAll()
	if err != nil {
		return err
	}
	d.buckets.Store(c.buckets)
	d.objects.Store(c.objects)
	d.versions.Store(c.versions)
	return nil
}

func (d *DB) countAll() (delta, error) {
	var c delta
	err := d.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			switch item.Key()[0] {
			case prefixBucket:
				c.buckets++
			case prefixObject:
				if !isDeleteMarker(item) {
					c.objects++
				}
			case prefixVersion:
				c.versions++
			}
		}
		return nil
	})
	return c, err
}

// update runs fn in one read-write transaction, retrying it when it lost a
// conflict with a concurrent one, and applies its counter changes once it
// has committed.
func (d *DB) update(fn func(txn *badger.Txn, c *delta) error) error {
	for attempt := 1; ; attempt++ {
		var c delta
		err := d.db.Update(func(txn *badger.Txn) error { return fn(txn, &c) })
		if errors.Is(err, badger.ErrConflict) && attempt < maxAttempts {
			time.Sleep(time.Duration(attempt) * 50 * time.Microsecond)
			continue
		}
		if err != nil {
			return err
		}
		d.buckets.Add(c.buckets)
		d.objects.Add(c.objects)
		d.versions.Add(c.versions)
		return nil
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
