package objcache

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
)

// Fetch reads a whole version from the backend for a fill: its body,
// which the fill closes, and what the backend said of it.
type Fetch func(ctx context.Context) (io.ReadCloser, Fetched, error)

// Fetched is what a backend read said of the bytes it sends.
type Fetched struct {
	Size     int64
	ETag     string // quoted
	TagCount int
}

type fillJob struct {
	v     Version
	fetch Fetch
}

// fillQueue bounds the versions admitted and waiting for a fill: beyond
// it, an admission is dropped (the version is admitted again on later
// misses).
const fillQueue = 64

// Missed notes a GET of version v that the tier did not answer. A
// version missed a second time within the window is admitted: fetch
// reads it for a background fill. The caller's request never waits for
// it.
func (d *Disk) Missed(v Version, fetch Fetch) {
	if !d.Takes(v.Size) {
		return
	}
	d.n.misses.Add(1)
	d.mu.Lock()
	admit := d.adm.seen(v.slot(), time.Now())
	d.mu.Unlock()
	if !admit {
		return
	}
	d.pending.Add(1)
	select {
	case d.fills <- fillJob{v: v, fetch: fetch}:
	default:
		d.pending.Add(-1)
		d.n.fillsDropped.Add(1)
	}
}

// start runs n fill workers until Close.
func (d *Disk) start(n int) {
	for range n {
		d.workers.Add(1)
		go func() {
			defer d.workers.Done()
			for {
				select {
				case <-d.ctx.Done():
					return
				case job := <-d.fills:
					d.runFill(job)
					d.pending.Add(-1)
				}
			}
		}()
	}
}

// runFill fills one admitted version, unless it is held or being filled
// already, or there is no room for it.
func (d *Disk) runFill(job fillJob) {
	if !d.claim(job.v) {
		return
	}
	path, tags, err := d.fill(job)
	if err != nil {
		d.unreserve(job.v)
		if d.ctx.Err() == nil {
			d.n.fillFailures.Add(1)
			d.warn.log(d.log, "fill the disk cache", "bucket", job.v.Bucket, "key", job.v.Key, "err", err)
		}
		return
	}
	d.insert(job.v, path, tags)
}

// fill fetches version v into a file of its own, which it names only
// once the bytes are complete and checked, so that a partial file is
// never found under a body's name.
func (d *Disk) fill(job fillJob) (path string, tagCount int, err error) {
	v := job.v
	body, got, err := job.fetch(d.ctx)
	if err != nil {
		return "", 0, err
	}
	defer body.Close()
	if got.Size != v.Size || got.ETag != v.ETag {
		return "", 0, fmt.Errorf("the backend sent %d bytes of ETag %s, the index has %d of %s", got.Size, got.ETag, v.Size, v.ETag)
	}
	tmp := d.newPath(fillPrefix)
	if err := d.write(tmp, body, v); err != nil {
		os.Remove(tmp)
		return "", 0, err
	}
	path = d.newPath(bodyPrefix)
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return "", 0, fmt.Errorf("name the filled file: %w", err)
	}
	return path, got.TagCount, nil
}

// write copies the body of v into a new file at path and checks its
// length, and its MD5 when the ETag is one. No fsync: the tier is wiped
// at every start.
func (d *Disk) write(path string, body io.Reader, v Version) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create a fill file: %w", err)
	}
	var w io.Writer = f
	if d.wrap != nil {
		w = d.wrap(w)
	}
	var sum hash.Hash
	if plainMD5(v.ETag) {
		sum = md5.New()
		w = io.MultiWriter(w, sum)
	}
	n, err := io.Copy(w, io.LimitReader(body, v.Size+1))
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	switch {
	case err != nil:
		return fmt.Errorf("write a fill file: %w", err)
	case n != v.Size:
		return fmt.Errorf("the backend sent %d bytes, want %d", n, v.Size)
	case sum != nil && hex.EncodeToString(sum.Sum(nil)) != strings.Trim(v.ETag, `"`):
		return errors.New("the bytes the backend sent do not match the ETag")
	}
	return nil
}

// plainMD5 reports whether a quoted ETag is the MD5 of the bytes, as for
// a single-part upload without SSE-C or SSE-KMS.
func plainMD5(etag string) bool {
	s := strings.Trim(etag, `"`)
	if len(s) != 32 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// admission remembers versions missed once, for a window: a version
// read once is not worth a backend read and the disk space, one read
// again soon likely is. It holds at most maxRemembered versions, so that
// a scan of many large objects cannot grow it without bound.
type admission struct {
	window time.Duration
	first  map[string]time.Time
}

const maxRemembered = 4096

func newAdmission(window time.Duration) admission {
	return admission{window: window, first: map[string]time.Time{}}
}

// seen notes a miss of slot at now and reports whether it is a second
// one within the window, which admits the version (and forgets it).
func (a *admission) seen(slot string, now time.Time) bool {
	if t, ok := a.first[slot]; ok && now.Sub(t) <= a.window {
		delete(a.first, slot)
		return true
	}
	if len(a.first) >= maxRemembered {
		a.expire(now)
	}
	a.first[slot] = now
	return false
}

// expire forgets the misses outside the window, or every miss when all
// are within it.
func (a *admission) expire(now time.Time) {
	for slot, t := range a.first {
		if now.Sub(t) > a.window {
			delete(a.first, slot)
		}
	}
	if len(a.first) >= maxRemembered {
		clear(a.first)
	}
}

// warnLimiter logs a warning at most once a minute, with how many it
// held back: a full disk fails every fill, and the log must stay
// readable.
type warnLimiter struct {
	mu     sync.Mutex
	last   time.Time
	held   int
	period time.Duration
}

func (l *warnLimiter) log(log *slog.Logger, msg string, args ...any) {
	l.mu.Lock()
	period := l.period
	if period == 0 {
		period = time.Minute
	}
	now := time.Now()
	if now.Sub(l.last) < period {
		l.held++
		l.mu.Unlock()
		return
	}
	held := l.held
	l.last, l.held = now, 0
	l.mu.Unlock()
	log.Warn(msg, append(args, "warnings_held_back", held)...)
}
