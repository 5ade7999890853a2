package objcache

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DiskConfig sizes a disk tier.
type DiskConfig struct {
	// Dir holds the cached versions, one file each. It is ringside's
	// alone: files of its naming found there at start are removed.
	Dir string
	// MaxBytes bounds the bytes of the files, those being filled
	// included; 0 disables the tier (OpenDisk returns nil, which every
	// method accepts).
	MaxBytes int64
	// MaxObject is the largest version kept, in bytes.
	MaxObject int64
	// Fills is how many versions are fetched at once (default 1).
	Fills int
	// Window is how close two misses of a version must be for it to be
	// admitted (default DefaultWindow).
	Window     time.Duration
	Registerer prometheus.Registerer
	Logger     *slog.Logger
}

// DefaultWindow is the default admission window: a version read twice
// within it is worth a copy on disk.
const DefaultWindow = 10 * time.Minute

// The names of the tier's files: a version's body, and one being
// filled. Only files so named are removed at start.
const (
	bodyPrefix = "ringside-obj-"
	fillPrefix = "ringside-fill-"
)

// Disk is a bounded cache of object versions on local disk, filled in
// the background; a nil *Disk is a disabled one.
type Disk struct {
	dir                 string
	maxBytes, maxObject int64
	log                 *slog.Logger

	mu      sync.Mutex
	entries map[string]*list.Element // slot → element of lru
	lru     *list.List               // of *diskEntry, most recently used first
	// used is the bytes of the entries and of the fills in progress,
	// which reserve their size before they start.
	used int64
	// filling holds the slots being filled: true until a Drop of the
	// version makes what the fill read stale.
	filling map[string]bool
	adm     admission

	fills   chan fillJob
	pending atomic.Int64 // fills queued or running
	seq     atomic.Uint64
	ctx     context.Context
	stop    context.CancelFunc
	workers sync.WaitGroup
	n       diskCounters
	warn    warnLimiter
	// wrap, in tests, wraps the writer of a fill's file.
	wrap func(io.Writer) io.Writer
}

// diskEntry is a version held on disk, with the one header of a read
// the index does not hold.
type diskEntry struct {
	v        Version
	path     string
	tagCount int
}

// OpenDisk opens the tier's directory, creating it, and removes what a
// previous run left there: a fill cut short by a crash must never be
// served, and nothing of an earlier run is known to still be current.
// It returns nil when cfg.MaxBytes is 0.
func OpenDisk(cfg DiskConfig) (*Disk, error) {
	if cfg.MaxBytes <= 0 {
		return nil, nil
	}
	if cfg.MaxObject <= 0 || cfg.MaxObject > cfg.MaxBytes {
		return nil, fmt.Errorf("disk cache: the largest object (%d bytes) must be positive and at most the cache's size (%d bytes)", cfg.MaxObject, cfg.MaxBytes)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("disk cache: create %s: %w", cfg.Dir, err)
	}
	wiped, err := wipe(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("disk cache: %w", err)
	}
	d := newDisk(cfg, log)
	if err := d.register(cfg.Registerer); err != nil {
		d.stop()
		return nil, err
	}
	d.start(max(cfg.Fills, 1))
	log.Info("disk cache on", "dir", cfg.Dir, "max_bytes", cfg.MaxBytes, "max_object", cfg.MaxObject, "wiped_files", wiped)
	return d, nil
}

func newDisk(cfg DiskConfig, log *slog.Logger) *Disk {
	window := cfg.Window
	if window <= 0 {
		window = DefaultWindow
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Disk{
		dir: cfg.Dir, maxBytes: cfg.MaxBytes, maxObject: cfg.MaxObject, log: log,
		entries: map[string]*list.Element{}, lru: list.New(), filling: map[string]bool{},
		adm:   newAdmission(window),
		fills: make(chan fillJob, fillQueue),
		ctx:   ctx, stop: stop,
	}
}

// wipe removes the tier's files from dir and says how many there were.
func wipe(dir string) (int, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", dir, err)
	}
	n := 0
	for _, de := range des {
		name := de.Name()
		if !strings.HasPrefix(name, bodyPrefix) && !strings.HasPrefix(name, fillPrefix) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return n, fmt.Errorf("remove %s: %w", name, err)
		}
		n++
	}
	return n, nil
}

// Takes reports whether a version of size bytes would be kept.
func (d *Disk) Takes(size int64) bool {
	return d != nil && size >= 0 && size <= d.maxObject
}

// Hit is an open cached version: its file, to read from its start, and
// the tag count its backend read answered.
type Hit struct {
	File     *os.File
	TagCount int
}

// Open returns the file of version v, if one is held for exactly v. The
// caller closes it. The file is opened under the lock, so that an
// eviction cannot remove it in between; once open, it stays readable
// even if evicted.
func (d *Disk) Open(v Version) (Hit, bool) {
	if !d.Takes(v.Size) {
		return Hit{}, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	el, ok := d.entries[v.slot()]
	if !ok || el.Value.(*diskEntry).v != v {
		return Hit{}, false
	}
	e := el.Value.(*diskEntry)
	f, err := openWhole(e.path, v.Size)
	if err != nil {
		d.removeLocked(el)
		d.n.readFailures.Add(1)
		d.warn.log(d.log, "open a cached object; dropped it", "key", v.Key, "err", err)
		return Hit{}, false
	}
	d.lru.MoveToFront(el)
	d.n.hits.Add(1)
	return Hit{File: f, TagCount: e.tagCount}, true
}

// openWhole opens the file of a version of size bytes, checking its
// length: a file cut short under ringside is answered from the backend
// instead of as a short body.
func openWhole(path string, size int64) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err == nil && info.Size() != size {
		err = fmt.Errorf("%d bytes, want %d", info.Size(), size)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return f, nil
}

// Drop removes what is held for version v: its file could not be read,
// or its headers changed (its tags).
func (d *Disk) Drop(v Version) {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if el, ok := d.entries[v.slot()]; ok {
		d.removeLocked(el)
	}
	if _, ok := d.filling[v.slot()]; ok {
		d.filling[v.slot()] = false
	}
}

// ReadFailed drops version v after a read of its file failed.
func (d *Disk) ReadFailed(v Version, err error) {
	if d == nil {
		return
	}
	d.n.readFailures.Add(1)
	d.warn.log(d.log, "read a cached object; dropped it", "key", v.Key, "err", err)
	d.Drop(v)
}

// removeLocked forgets an entry and removes its file; readers that have
// it open keep reading it.
func (d *Disk) removeLocked(el *list.Element) {
	e := d.lru.Remove(el).(*diskEntry)
	delete(d.entries, e.v.slot())
	d.used -= e.v.Size
	if err := os.Remove(e.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		d.warn.log(d.log, "remove a cached object", "err", err)
	}
}

// claim starts the fill of v: false if v is held or being filled
// already, or if even an empty tier lacks room for it beside the fills
// in progress. Otherwise it makes room, evicting the least recently used
// versions, and reserves it.
func (d *Disk) claim(v Version) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	slot := v.slot()
	_, held := d.entries[slot]
	if _, filling := d.filling[slot]; held || filling {
		return false
	}
	for d.used+v.Size > d.maxBytes {
		el := d.lru.Back()
		if el == nil {
			return false
		}
		d.removeLocked(el)
		d.n.evictions.Add(1)
	}
	d.used += v.Size
	d.filling[slot] = true
	return true
}

// unreserve returns the room of a fill of v that failed.
func (d *Disk) unreserve(v Version) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.used -= v.Size
	delete(d.filling, v.slot())
}

// insert makes a filled file the entry of v, in the room reserved,
// unless v was dropped while it was filled.
func (d *Disk) insert(v Version, path string, tagCount int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	valid := d.filling[v.slot()]
	delete(d.filling, v.slot())
	if !valid {
		d.used -= v.Size
		os.Remove(path)
		return
	}
	d.entries[v.slot()] = d.lru.PushFront(&diskEntry{v: v, path: path, tagCount: tagCount})
	d.n.fills.Add(1)
}

// Bytes is what the tier's files hold, those being filled included.
func (d *Disk) Bytes() int64 {
	if d == nil {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.used
}

// Close stops the fills, waits for them, and removes the tier's files.
func (d *Disk) Close() {
	if d == nil {
		return
	}
	d.stop()
	d.workers.Wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	for d.lru.Len() > 0 {
		d.removeLocked(d.lru.Back())
	}
}

// Dir is the tier's directory.
func (d *Disk) Dir() string {
	if d == nil {
		return ""
	}
	return d.dir
}

// newPath names a new file of the tier.
func (d *Disk) newPath(prefix string) string {
	return filepath.Join(d.dir, prefix+strconv.FormatUint(d.seq.Add(1), 10))
}
