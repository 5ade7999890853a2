package index

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	badger "github.com/dgraph-io/badger/v4"
)

// prefixCounts starts the one key that holds the Stats counters of a
// cleanly closed index. It sorts outside every other prefix, so no listing
// or scan ever meets it.
const prefixCounts = 'C'

var countsKey = []byte{prefixCounts}

// ErrCounting is what Stats returns while the counters are being rebuilt
// after an unclean shutdown.
var ErrCounting = errors.New("index: entries are still being counted")

// countCheckEvery is how many keys a recount reads between two checks that
// the index is not closing.
const countCheckEvery = 4096

// counters are the Stats counters. Every write changes them once it has
// committed, so that a metrics scrape never walks the database. Close
// stores them under countsKey and Open takes them back (deleting the key,
// so that a crash is noticed as its absence); only after a crash, or on
// an index written before the key existed, are they recounted, in the
// background.
type counters struct {
	// mu is held shared by each write from the start of its transaction
	// until its change is applied, and exclusively by a recount while it
	// takes its snapshot and by Close while it stores the counters: a
	// write is then either wholly in the snapshot or wholly after it, and
	// none slips in between the stored counters and the closed database.
	mu                         sync.RWMutex
	buckets, objects, versions atomic.Int64

	ready     chan struct{} // closed once the counters are exact
	readyOnce sync.Once
}

func newCounters() *counters {
	return &counters{ready: make(chan struct{})}
}

func (c *counters) load() delta {
	return delta{buckets: c.buckets.Load(), objects: c.objects.Load(), versions: c.versions.Load()}
}

func (c *counters) add(d delta) {
	c.buckets.Add(d.buckets)
	c.objects.Add(d.objects)
	c.versions.Add(d.versions)
}

func (c *counters) markReady() { c.readyOnce.Do(func() { close(c.ready) }) }

func (c *counters) isReady() bool {
	select {
	case <-c.ready:
		return true
	default:
		return false
	}
}

// Stats counts buckets, current objects and versions, without reading the
// database. Right after an unclean shutdown it returns ErrCounting until
// the background recount has finished.
func (d *DB) Stats() (Stats, error) {
	if !d.counts.isReady() {
		return Stats{}, ErrCounting
	}
	c := d.counts.load()
	return Stats{Buckets: int(c.buckets), Objects: c.objects, Versions: c.versions}, nil
}

// delta is what one transaction changes in the Stats counters.
type delta struct {
	buckets, objects, versions int64
}

func (a delta) minus(b delta) delta {
	return delta{buckets: a.buckets - b.buckets, objects: a.objects - b.objects, versions: a.versions - b.versions}
}

// storedCounts is the value under countsKey.
type storedCounts struct {
	Buckets  int64 `json:"buckets"`
	Objects  int64 `json:"objects"`
	Versions int64 `json:"versions"`
}

// takeCounts reads the counters a clean Close stored and deletes them, so
// that if this process dies without closing, the next Open recounts. The
// deletion is synced before any other write can follow it, so no write is
// ever durable while the stale counters still are.
func takeCounts(db *badger.DB, take bool) (delta, bool, error) {
	var s storedCounts
	var found bool
	read := func(txn *badger.Txn) error {
		var err error
		if found, err = getJSON(txn, countsKey, &s); err != nil || !found || !take {
			return err
		}
		return txn.Delete(countsKey)
	}
	var err error
	if take {
		err = db.Update(read)
	} else {
		err = db.View(read)
	}
	if err != nil {
		return delta{}, false, fmt.Errorf("read the stored counters: %w", err)
	}
	if !found || !take {
		return delta{buckets: s.Buckets, objects: s.Objects, versions: s.Versions}, found, nil
	}
	if err := db.Sync(); err != nil {
		return delta{}, false, fmt.Errorf("sync the removal of the stored counters: %w", err)
	}
	return delta{buckets: s.Buckets, objects: s.Objects, versions: s.Versions}, true, nil
}

// storeCounts writes the counters for the next Open. The caller holds
// counts.mu exclusively, so they match the database exactly.
func (d *DB) storeCounts() error {
	c := d.counts.load()
	err := d.db.Update(func(txn *badger.Txn) error {
		return putJSON(txn, countsKey, storedCounts{Buckets: c.buckets, Objects: c.objects, Versions: c.versions})
	})
	if err != nil {
		return fmt.Errorf("store the counters: %w", err)
	}
	return nil
}

// recountInBackground rebuilds the counters when Open found none: the
// index was not closed cleanly, or by a ringside that did not store them.
// Close stops it, and the next Open starts over.
func (d *DB) recountInBackground() {
	d.countDone = make(chan struct{})
	go func() {
		defer close(d.countDone)
		err := d.recount(d.stopCount)
		switch {
		case errors.Is(err, errStopped):
		case err != nil:
			slog.Error("index: count the entries (no counters were stored at the last close)", "err", err)
		default:
			slog.Info("index: entries counted (no counters were stored at the last close)")
		}
	}()
}

// count recounts the counters at once.
func (d *DB) count() error { return d.recount(nil) }

var errStopped = errors.New("index closing")

// recount counts a snapshot of the database and sets the counters to it
// plus whatever writes committed since the snapshot.
func (d *DB) recount(stop <-chan struct{}) error {
	// Held to the end: the snapshot must outlive no reopen.
	d.mu.RLock()
	defer d.mu.RUnlock()
	d.counts.mu.Lock()
	txn := d.db.NewTransaction(false)
	before := d.counts.load()
	d.counts.mu.Unlock()
	defer txn.Discard()
	c, err := countIn(txn, stop)
	if err != nil {
		return err
	}
	d.counts.add(c.minus(before))
	d.counts.markReady()
	return nil
}

// countAll counts the whole database as it is now.
func (d *DB) countAll() (delta, error) {
	var c delta
	err := d.view(func(txn *badger.Txn) error {
		var err error
		c, err = countIn(txn, nil)
		return err
	})
	return c, err
}

// countIn counts buckets, current objects and versions as txn sees them.
// It reads keys and their user-meta byte only, one prefix at a time, so
// that Badger skips the tables that hold none of the three.
func countIn(txn *badger.Txn, stop <-chan struct{}) (delta, error) {
	var c delta
	for _, p := range []struct {
		prefix byte
		n      *int64
		live   bool // count only entries that are not delete markers
	}{
		{prefixBucket, &c.buckets, false},
		{prefixObject, &c.objects, true},
		{prefixVersion, &c.versions, false},
	} {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{p.prefix}})
		seen := 0
		for it.Rewind(); it.Valid(); it.Next() {
			if seen++; seen%countCheckEvery == 0 && stopped(stop) {
				it.Close()
				return delta{}, errStopped
			}
			if !p.live || !isDeleteMarker(it.Item()) {
				*p.n++
			}
		}
		it.Close()
	}
	return c, nil
}

func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}
