package mirror

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ringside/ringside/backend"
)

// errInterrupted ends a pass early because its bucket was paused.
var errInterrupted = errors.New("pass interrupted by a pause")

// passState is one full pass. It outlives a failed attempt: the retry
// continues each key range after the last key applied in it instead of
// starting over.
type passState struct {
	seq       int64
	began     time.Time     // this process's first attempt
	fullSince time.Time     // the backend is compared from this time on
	initial   bool          // the bucket's initial sync: progress is persisted
	force     bool          // resync: write every key, read every version's headers
	prog      *syncProgress // initial sync: its phase and counts, for Status
	// resume is the backend key after which an initial sync persisted as
	// one stream (KeyMarker) resumes; ranges, once planned, supersede it.
	resume string

	// mu guards what the ranges listed side by side update: the ranges'
	// progress and the counts. The progress hook runs with it held, so
	// that it persists one consistent state.
	mu      sync.Mutex
	ranges  []*keyRange // nil until the first attempt plans them
	prefix  string      // the target's backend key prefix
	scanned int64
	changes int64
	synced  int64 // initial sync: versions applied, across restarts
}

func (ps *passState) addScanned(n int) {
	ps.mu.Lock()
	ps.scanned += int64(n)
	ps.mu.Unlock()
}

func (ps *passState) addChanges(n int) {
	ps.mu.Lock()
	ps.changes += int64(n)
	ps.mu.Unlock()
}

// hooks let the loop steer a pass.
type hooks struct {
	stop func() bool // asked between pages: true ends the pass
	// progress runs after each applied page, with the passState's mu held.
	progress func(*passState) error
}

// page is one listing page and when it was asked for.
type page struct {
	backend.VersionPage
	at  time.Time
	err error
}

// keyGroup is one key's versions from the listing, newest first.
type keyGroup struct {
	key      string // gateway key (prefix stripped)
	bkey     string // backend key
	versions []backend.Object
	listedAt time.Time // request time of the page where the key started
}

// pass is one attempt at listing a key range of a full pass, merged with
// the index.
type pass struct {
	m      *Manager
	bucket string
	target Target
	ps     *passState
	hooks  hooks
	heads  *headPool
	r      *keyRange // the key range this pass lists
	batch  batch     // index writes of the range being merged

	after   string    // gateway key of the last key applied
	lastKey string    // last backend key seen, to check the listing's order
	carry   *keyGroup // the last key of a truncated page, maybe incomplete
	// rangeAt is when the oldest page not yet fully applied was asked for:
	// the listing of the range being applied is no newer than that.
	rangeAt time.Time
}

// runPass lists bucket's backend, in key ranges side by side, from where
// each range of ps got to its end, and applies it.
func (m *Manager) runPass(ctx context.Context, bucket string, ps *passState, h hooks) error {
	t, err := m.resolve(bucket)
	if err != nil {
		return fmt.Errorf("resolve backend of %s: %w", bucket, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ps.mu.Lock()
	ps.prefix = t.Prefix
	ps.mu.Unlock()
	if ps.ranges == nil {
		ranges, err := m.planRanges(ctx, bucket, t, ps)
		if err != nil {
			return err
		}
		ps.mu.Lock()
		ps.ranges = ranges
		ps.mu.Unlock()
	}
	heads := newHeadPool(ctx, m, bucket, t, ps.force, ps.initial, ps.prog)
	err = m.listRanges(ctx, bucket, t, ps, h, heads)
	if err == nil {
		ps.prog.markListed(time.Now())
		err = heads.finish(ctx, h.stop)
	}
	heads.close()
	return err
}

// listRange lists one key range, one page ahead of its use, and applies it.
func (m *Manager) listRange(ctx context.Context, bucket string, t Target, ps *passState, h hooks, heads *headPool, r *keyRange) error {
	ctx, cancel := context.WithCancel(ctx)
	pages := make(chan page)
	listed := make(chan struct{})
	start := r.backendAfter(t.Prefix)
	go func() {
		defer close(listed)
		list(ctx, t, start, r.backendThrough(t.Prefix), m.opts.PageSize, pages)
	}()
	p := &pass{
		m: m, bucket: bucket, target: t, ps: ps, hooks: h, heads: heads, r: r,
		after: r.after, lastKey: start,
	}
	err := p.consume(ctx, pages)
	cancel()
	<-listed
	return err
}

// list sends the listing's pages from keyMarker on, ahead of their use by
// one page, until the last page, the first key past through (a backend
// key; "" for none) or an error.
func list(ctx context.Context, t Target, keyMarker, through string, size int, out chan<- page) {
	versionMarker := ""
	for {
		at := time.Now()
		vp, err := t.Source.ListVersions(ctx, t.Prefix, keyMarker, versionMarker, size)
		if err == nil && vp.IsTruncated {
			if vp.NextKeyMarker == "" && len(vp.Versions) > 0 {
				last := vp.Versions[len(vp.Versions)-1]
				vp.NextKeyMarker, vp.NextVersionIDMarker = last.Key, last.VersionID
			}
			if vp.NextKeyMarker == "" || (vp.NextKeyMarker == keyMarker && vp.NextVersionIDMarker == versionMarker) {
				err = errors.New("truncated page without a next marker")
			}
		}
		if err != nil {
			err = fmt.Errorf("list versions of %q after %q: %w", t.Prefix, keyMarker, err)
		} else if through != "" {
			vp = cutAt(vp, through)
		}
		select {
		case out <- page{VersionPage: vp, at: at, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil || !vp.IsTruncated {
			return
		}
		keyMarker, versionMarker = vp.NextKeyMarker, vp.NextVersionIDMarker
	}
}

// cutAt ends a page before its first key past through: the range ends
// there, and the keys before it are complete, since the listing went past
// them.
func cutAt(vp backend.VersionPage, through string) backend.VersionPage {
	for i, o := range vp.Versions {
		if o.Key > through {
			vp.Versions = vp.Versions[:i]
			vp.IsTruncated, vp.NextKeyMarker, vp.NextVersionIDMarker = false, "", ""
			break
		}
	}
	return vp
}

// consume applies pages until the last one.
func (p *pass) consume(ctx context.Context, pages <-chan page) error {
	for {
		var pg page
		select {
		case pg = <-pages:
		case <-ctx.Done():
			return ctx.Err()
		}
		if pg.err != nil {
			return pg.err
		}
		if err := p.apply(pg); err != nil {
			return err
		}
		if !pg.IsTruncated {
			return nil
		}
		if p.hooks.stop != nil && p.hooks.stop() {
			return errInterrupted
		}
	}
}

// apply merges the keys a page completes into the index. The last key of a
// truncated page waits for the next page, which may hold more of its
// versions.
func (p *pass) apply(pg page) error {
	if p.rangeAt.IsZero() {
		p.rangeAt = pg.at
	}
	groups, err := p.group(pg)
	if err != nil {
		return err
	}
	final := !pg.IsTruncated
	if final && p.carry != nil {
		groups = append(groups, *p.carry)
		p.carry = nil
	}
	if len(groups) == 0 && !final {
		return nil
	}
	through := p.r.through
	if !final {
		through = groups[len(groups)-1].key
	}
	if err := p.merge(p.after, through, groups, p.rangeAt); err != nil {
		return err
	}
	if len(groups) > 0 {
		p.after = groups[len(groups)-1].key
	}
	// The rest of this page (the carried key and the gap before it) was
	// listed at pg.at.
	p.rangeAt = pg.at
	return p.commit(groups, final)
}

// commit records an applied page in the pass's state and runs the
// progress hook.
func (p *pass) commit(groups []keyGroup, final bool) error {
	ps := p.ps
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p.r.after, p.r.done = p.after, final
	if ps.initial {
		for _, g := range groups {
			ps.synced += int64(len(g.versions))
			ps.prog.add(int64(len(g.versions)))
			ps.prog.listedObjects(objectVersions(g.versions))
		}
	}
	if p.hooks.progress != nil {
		return p.hooks.progress(ps)
	}
	return nil
}

// group splits a page into keys, completing the key carried over from the
// previous page, and keeps the page's last key as the new carry.
func (p *pass) group(pg page) ([]keyGroup, error) {
	prefix := p.target.Prefix
	var out []keyGroup
	scanned := 0
	for _, o := range pg.Versions {
		if !strings.HasPrefix(o.Key, prefix) || len(o.Key) == len(prefix) {
			continue
		}
		scanned++
		if p.carry != nil && p.carry.bkey == o.Key {
			p.carry.versions = append(p.carry.versions, o)
			continue
		}
		if o.Key <= p.lastKey {
			return nil, fmt.Errorf("backend listing out of order: %q after %q", o.Key, p.lastKey)
		}
		if p.carry != nil {
			out = append(out, *p.carry)
		}
		p.lastKey = o.Key
		p.carry = &keyGroup{key: o.Key[len(prefix):], bkey: o.Key, versions: []backend.Object{o}, listedAt: pg.at}
	}
	p.ps.addScanned(scanned)
	p.m.met.scanned.WithLabelValues(p.bucket).Add(float64(scanned))
	return out, nil
}

// objectVersions counts the versions that are not delete markers: those
// have headers to read.
func objectVersions(vs []backend.Object) int64 {
	var n int64
	for _, v := range vs {
		if !v.IsDeleteMarker {
			n++
		}
	}
	return n
}
