package mirror

import (
	"errors"
	"fmt"
	"time"

	"github.com/ringside/ringside/index"
)

// scanChunk is how many index keys are read at a time while merging, so a
// range holding many keys the backend lost is removed in bounded steps.
const scanChunk = 256

// errChunkFull stops an index scan once a chunk is full.
var errChunkFull = errors.New("chunk full")

// indexKey is one key's versions as the index holds them.
type indexKey struct {
	key      string
	versions []index.Version
}

// batchSize bounds the versions (and removed keys) a merge gathers before
// it writes them: a listing page is written in one transaction, and a range
// holding many keys the backend lost in a few, never in one that grows with
// the bucket.
const batchSize = 1000

// batch is a merge's index writes not yet made, and the reads of version
// headers that wait for them: a header read is queued only once the version
// it completes is in the index.
type batch struct {
	keys  []index.KeyListing
	kinds []kindCounts
	heads []headJob
	size  int
}

func (b *batch) reset() {
	clear(b.keys) // let the versions written go
	b.keys, b.kinds, b.heads, b.size = b.keys[:0], b.kinds[:0], b.heads[:0], 0
}

// merge brings the index's keys in (after, through] (through "" means to
// the end) to the backend's groups, which are every backend key of that
// range, ascending. Index keys of the range missing from groups are gone
// from the backend as of rangeAt.
func (p *pass) merge(after, through string, groups []keyGroup, rangeAt time.Time) error {
	cursor := after
	for {
		chunk, more, err := p.scanIndex(cursor, through)
		if err != nil {
			return err
		}
		for _, ik := range chunk {
			for len(groups) > 0 && groups[0].key < ik.key {
				if err := p.applyKey(groups[0], nil); err != nil {
					return err
				}
				groups = groups[1:]
			}
			if len(groups) > 0 && groups[0].key == ik.key {
				if err := p.applyKey(groups[0], ik.versions); err != nil {
					return err
				}
				groups = groups[1:]
				continue
			}
			if err := p.removeKey(ik, rangeAt); err != nil {
				return err
			}
		}
		if !more {
			break
		}
		cursor = chunk[len(chunk)-1].key
	}
	for _, g := range groups {
		if err := p.applyKey(g, nil); err != nil {
			return err
		}
	}
	return p.flush()
}

// scanIndex reads up to scanChunk index keys in (after, through]; more
// says the range may hold further keys.
func (p *pass) scanIndex(after, through string) (chunk []indexKey, more bool, err error) {
	err = p.m.db.ScanKeys(p.bucket, after, through, func(key string, versions []index.Version) error {
		chunk = append(chunk, indexKey{key: key, versions: versions})
		if len(chunk) >= scanChunk {
			return errChunkFull
		}
		return nil
	})
	if errors.Is(err, errChunkFull) {
		return chunk, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("scan index of %s after %q: %w", p.bucket, after, err)
	}
	return chunk, false, nil
}

// applyKey makes the index's versions of one key the backend's, and reads
// the headers of versions new to the index.
func (p *pass) applyKey(g keyGroup, have []index.Version) error {
	want := toVersions(g)
	d := diffKey(want, have, g.listedAt)
	if p.ps.force {
		d.head = d.head[:0]
		for i := range want {
			if !want[i].IsDeleteMarker {
				d.head = append(d.head, i)
			}
		}
	}
	b := &p.batch
	for _, i := range d.head {
		b.heads = append(b.heads, headJob{key: g.key, bkey: g.bkey, versionID: want[i].VersionID, etag: want[i].ETag})
	}
	if d.same && !p.ps.force {
		b.size += len(d.head)
	} else {
		b.keys = append(b.keys, index.KeyListing{Key: g.key, Versions: want, ListedAt: g.listedAt})
		b.kinds = append(b.kinds, d.kinds)
		b.size += max(len(want), 1)
	}
	if b.size >= batchSize {
		return p.flush()
	}
	return nil
}

// removeKey removes a key the backend no longer has, unless every version
// of it was indexed after the listing began (gateway writes the listing was
// too early to see).
func (p *pass) removeKey(ik indexKey, listedAt time.Time) error {
	removed := 0
	for _, v := range ik.versions {
		if !v.IndexedAt.After(listedAt) {
			removed++
		}
	}
	if removed == 0 {
		return nil
	}
	var kinds kindCounts
	if removed == len(ik.versions) {
		kinds.add(KindKeyRemoved, 1)
	} else {
		kinds.add(KindVersionRemoved, removed)
	}
	b := &p.batch
	b.keys = append(b.keys, index.KeyListing{Key: ik.key, ListedAt: listedAt})
	b.kinds = append(b.kinds, kinds)
	b.size++
	if b.size >= batchSize {
		return p.flush()
	}
	return nil
}

// flush writes the batch, counts the keys it changed, then queues its
// header reads.
func (p *pass) flush() error {
	b := &p.batch
	defer b.reset()
	if len(b.keys) > 0 {
		changed, err := p.m.db.SetKeysVersions(p.bucket, b.keys)
		if err != nil {
			return fmt.Errorf("apply the listing to the index: %w", err)
		}
		for i, c := range changed {
			if c {
				p.count(b.kinds[i])
			}
		}
	}
	for _, j := range b.heads {
		if err := p.heads.add(j); err != nil {
			return err
		}
	}
	return nil
}

// count adds a key's changes to the pass and the metrics.
func (p *pass) count(kinds kindCounts) {
	if kinds.total() == 0 {
		kinds.add(KindCorrected, 1)
	}
	for _, k := range kinds {
		p.ps.addChanges(k.n)
		p.m.met.changes.WithLabelValues(p.bucket, k.kind).Add(float64(k.n))
	}
}

// toVersions converts a key's listing to index versions, all with their
// headers still to read.
func toVersions(g keyGroup) []index.Version {
	out := make([]index.Version, len(g.versions))
	for i, o := range g.versions {
		out[i] = versionOf(g.key, o, false)
	}
	return out
}

// kindCounts counts a key's changes by kind.
type kindCounts []struct {
	kind string
	n    int
}

func (k *kindCounts) add(kind string, n int) {
	for i := range *k {
		if (*k)[i].kind == kind {
			(*k)[i].n += n
			return
		}
	}
	*k = append(*k, struct {
		kind string
		n    int
	}{kind, n})
}

func (k kindCounts) total() int {
	t := 0
	for _, c := range k {
		t += c.n
	}
	return t
}

// keyDiff is how a key's listing differs from the index.
type keyDiff struct {
	same  bool // the index holds these versions already, in this order
	kinds kindCounts
	head  []int // versions (indexes into want) whose headers must be read
}

// diffKey compares a key's listing (want) with the index's versions
// (have). Versions want shares with have take over their known headers.
// Index versions absent from want and indexed after listedAt are gateway
// writes the listing began too early to see: they stay.
func diffKey(want, have []index.Version, listedAt time.Time) keyDiff {
	if sameVersions(want, have) {
		// The common case of a pass, answered without allocating.
		d := keyDiff{same: true}
		for i := range have {
			if have[i].MetaPending && !have[i].IsDeleteMarker {
				d.head = append(d.head, i)
			}
		}
		return d
	}
	var d keyDiff
	if len(have) == 0 {
		// A key new to the index, every key of an initial sync.
		for i := range want {
			if want[i].IsDeleteMarker {
				d.kinds.add(KindDeleteMarker, 1)
			} else {
				d.kinds.add(KindNewVersion, 1)
				d.head = append(d.head, i)
			}
		}
		return d
	}
	byID := make(map[string]*index.Version, len(have))
	for i := range have {
		byID[have[i].VersionID] = &have[i]
	}
	for i := range want {
		w := &want[i]
		h := byID[w.VersionID]
		switch {
		case h == nil:
			if w.IsDeleteMarker {
				d.kinds.add(KindDeleteMarker, 1)
			} else {
				d.kinds.add(KindNewVersion, 1)
			}
		case contentChanged(*w, *h):
			d.kinds.add(KindVersionReplaced, 1)
		default:
			w.Metadata, w.MetaPending = h.Metadata, h.MetaPending
		}
		if w.MetaPending && !w.IsDeleteMarker {
			d.head = append(d.head, i)
		}
	}
	inWant := make(map[string]bool, len(want))
	for _, w := range want {
		inWant[w.VersionID] = true
	}
	removed := 0
	for _, h := range have {
		if !inWant[h.VersionID] && !h.IndexedAt.After(listedAt) {
			removed++
		}
	}
	if removed > 0 {
		if len(want) == 0 {
			d.kinds.add(KindKeyRemoved, 1)
		} else {
			d.kinds.add(KindVersionRemoved, removed)
		}
	}
	return d
}

// sameVersions reports whether the index holds the listed versions
// already, in the listed order.
func sameVersions(want, have []index.Version) bool {
	if len(want) != len(have) {
		return false
	}
	for i := range want {
		if !index.SameListing(want[i], have[i]) {
			return false
		}
	}
	return true
}

// contentChanged reports a known version ID whose content is not what the
// index holds. Only a null version can change in place; its ETag may even
// stay the same when it is copied onto itself with new metadata, but its
// time moves.
func contentChanged(w, h index.Version) bool {
	if w.IsDeleteMarker != h.IsDeleteMarker || w.Size != h.Size || w.ETag != h.ETag {
		return true
	}
	return w.VersionID == index.NullVersion && !index.SameTime(w.LastModified, h.LastModified)
}
