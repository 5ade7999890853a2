package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// scanChunkKeys and scanChunkVersions bound what ScanKeys holds at once:
// each chunk is read in its own short transaction, so neither memory nor a
// Badger snapshot grows with the bucket or with the time fn takes.
const (
	scanChunkKeys     = 256
	scanChunkVersions = 1024
)

// SetKeyVersions makes key's versions exactly versions (newest first, as the
// backend lists them), keeping the known Metadata of versions that stay.
// Versions indexed after listedAt and absent from versions are kept, as the
// newest: they are gateway writes the listing began too early to see. It
// writes nothing when nothing differs and reports whether it changed
// anything. An empty versions removes the key, subject to the same rule.
//
// A listed version whose VersionID is stored with other listing fields
// (ETag, size, last-modified, delete marker) replaces the stored one, and its
// stored Metadata is dropped, unless the stored one was indexed after
// listedAt: then the stored one is the newer write and is kept as above.
func (d *DB) SetKeyVersions(bucket, key string, versions []Version, listedAt time.Time) (bool, error) {
	changed := false
	err := d.update(func(txn *badger.Txn, c *delta) error {
		var err error
		changed, err = setKey(txn, c, bucket, key, versions, listedAt, time.Now())
		return err
	})
	if errors.Is(err, badger.ErrTxnTooBig) {
		changed, err = d.setKeyInSteps(bucket, KeyListing{Key: key, Versions: versions, ListedAt: listedAt})
	}
	if err != nil {
		return false, fmt.Errorf("set versions of %s/%s: %w", bucket, key, err)
	}
	return changed, nil
}

// KeyListing is one key's versions as a backend listing shows them, newest
// first, and when the listing page that covers the key was asked for.
type KeyListing struct {
	Key      string
	Versions []Version
	ListedAt time.Time
}

// SetKeysVersions is SetKeyVersions for several keys at once: a listing
// page costs one commit instead of one per key, which is what bounds the
// rate of an initial sync. changed[i] reports whether keys[i] changed. The
// keys are written together, or, when they are too many for one
// transaction, in smaller groups that each succeed or fail whole.
func (d *DB) SetKeysVersions(bucket string, keys []KeyListing) (changed []bool, err error) {
	if len(keys) == 0 {
		return nil, nil
	}
	changed = make([]bool, len(keys))
	if err := d.setKeys(bucket, keys, changed); err != nil {
		return nil, fmt.Errorf("set versions of %d keys of %s from %q: %w", len(keys), bucket, keys[0].Key, err)
	}
	return changed, nil
}

func (d *DB) setKeys(bucket string, keys []KeyListing, changed []bool) error {
	if !ascending(keys) {
		// Reading every key before writing any needs distinct keys; a
		// caller that repeats one gets each applied on its own.
		for i := range keys {
			if err := d.setKeys(bucket, keys[i:i+1], changed[i:i+1]); err != nil {
				return err
			}
		}
		return nil
	}
	err := d.update(func(txn *badger.Txn, c *delta) error {
		// Every key is read before any is written: an iterator of a
		// read-write transaction sorts the transaction's pending writes
		// when it is made, so iterators made between writes would cost a
		// batch the square of its size.
		states, err := readKeys(txn, bucket, keys)
		if err != nil {
			return err
		}
		now := time.Now()
		for i, k := range keys {
			if changed[i], err = applyListing(txn, c, bucket, k, states[i], now); err != nil {
				return fmt.Errorf("%s: %w", k.Key, err)
			}
		}
		return nil
	})
	if errors.Is(err, badger.ErrTxnTooBig) && len(keys) == 1 {
		changed[0], err = d.setKeyInSteps(bucket, keys[0])
	}
	if errors.Is(err, badger.ErrTxnTooBig) && len(keys) > 1 {
		half := len(keys) / 2
		if err := d.setKeys(bucket, keys[:half], changed[:half]); err != nil {
			return err
		}
		return d.setKeys(bucket, keys[half:], changed[half:])
	}
	return err
}

func ascending(keys []KeyListing) bool {
	for i := 1; i < len(keys); i++ {
		if keys[i-1].Key >= keys[i].Key {
			return false
		}
	}
	return true
}

// keyState is what the index holds of one key before a listing is applied.
type keyState struct {
	cur     current
	vs      []stored
	removed map[string]bool // versions removed through the gateway since the listing
}

// setKey is SetKeyVersions inside txn; records it writes are indexed at now.
func setKey(txn *badger.Txn, c *delta, bucket, key string, versions []Version, listedAt, now time.Time) (bool, error) {
	k := []KeyListing{{Key: key, Versions: versions, ListedAt: listedAt}}
	states, err := readKeys(txn, bucket, k)
	if err != nil {
		return false, err
	}
	return applyListing(txn, c, bucket, k[0], states[0], now)
}

// readKeys reads the state of keys, which are ascending, with one iterator
// over the bucket's versions and one over its tombstones for them all.
func readKeys(txn *badger.Txn, bucket string, keys []KeyListing) ([]keyState, error) {
	out := make([]keyState, len(keys))
	base := versionBase(bucket)
	vit := txn.NewIterator(badger.IteratorOptions{Prefix: base})
	defer vit.Close()
	tit := txn.NewIterator(badger.IteratorOptions{Prefix: tombstoneBase(bucket)})
	defer tit.Close()
	for i, k := range keys {
		st := &out[i]
		var err error
		if st.cur, err = readCurrent(txn, bucket, k.Key); err != nil {
			return nil, err
		}
		prefix := keyVersionsPrefix(bucket, k.Key)
		for seekForward(vit, prefix, i > 0); vit.ValidForPrefix(prefix); vit.Next() {
			s, err := decodeStored(base, vit.Item())
			if err != nil {
				return nil, err
			}
			st.vs = append(st.vs, s)
		}
		tp := tombstonePrefix(bucket, k.Key)
		seekForward(tit, tp, i > 0)
		if st.removed, err = removedAfter(tit, tp, k.ListedAt); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// seekForward moves it to the first entry at or after prefix, the prefixes
// of one key's entries it is given being ascending: once positioned
// (started), it seeks only while it stands before prefix, so that a key
// with no entries, every key of a range new to the index, costs no seek.
// Keys hold no NUL, so the entries of a smaller key sort before prefix.
func seekForward(it *badger.Iterator, prefix []byte, started bool) {
	if started && (!it.Valid() || bytes.Compare(it.Item().Key(), prefix) >= 0) {
		return
	}
	it.Seek(prefix)
}

// applyListing writes what k's listing makes of the key in state st, and
// reports whether anything changed.
func applyListing(txn *badger.Txn, c *delta, bucket string, k KeyListing, st keyState, now time.Time) (bool, error) {
	final := merge(k.Key, st.vs, withoutRemoved(k.Versions, st.removed), k.ListedAt, now)
	if sameVersions(final, st.vs) {
		return false, nil
	}
	c.versions += int64(len(final) - len(st.vs))
	c.objects -= st.cur.live()
	if len(final) > 0 {
		c.objects += liveVersion(final[0])
	}
	return true, rewrite(txn, bucket, k.Key, st.cur, st.vs, final)
}

// merge returns what key's versions become, newest first: stored versions
// indexed after listedAt that the listing lacks or shows otherwise, then
// the listed versions, each keeping the stored record when it is the same.
func merge(key string, vs []stored, listed []Version, listedAt, now time.Time) []Version {
	if len(vs) == 0 && len(listed) == 1 {
		// A new key with one version, most of an initial sync: nothing to
		// look up, so no maps.
		return []Version{fromListing(key, listed[0], nil, now)}
	}
	byID := make(map[string]Version, len(vs))
	for _, s := range vs {
		byID[s.v.VersionID] = s.v
	}
	listedByID := make(map[string]Version, len(listed))
	for _, l := range listed {
		if _, dup := listedByID[l.VersionID]; !dup {
			listedByID[l.VersionID] = l
		}
	}
	var final []Version
	keep := make(map[string]bool)
	for _, s := range vs {
		l, ok := listedByID[s.v.VersionID]
		if s.v.IndexedAt.After(listedAt) && (!ok || !SameListing(l, s.v)) {
			final = append(final, s.v)
			keep[s.v.VersionID] = true
		}
	}
	for _, l := range listed {
		if keep[l.VersionID] {
			continue
		}
		keep[l.VersionID] = true
		final = append(final, fromListing(key, l, byID, now))
	}
	return final
}

// fromListing is the record of a listed version, given what is stored.
func fromListing(key string, l Version, byID map[string]Version, now time.Time) Version {
	l.Key, l.IsLatest = key, false
	old, ok := byID[l.VersionID]
	if !ok || !SameListing(l, old) {
		l.IndexedAt = now
		return l
	}
	if l.MetaPending {
		l.Metadata, l.MetaPending = old.Metadata, old.MetaPending
	}
	if l.Parts == nil {
		l.Parts = old.Parts
	}
	l.IndexedAt = old.IndexedAt
	return l
}

// TimeSlack is how far apart two last-modified times of one version may
// be and still be the same time. The backend tells a version's time in two
// precisions: a listing in milliseconds, a response header (the answer to
// a write, a HEAD) in seconds. A version the gateway wrote, or a point read
// indexed, then listed by a pass, must not be taken for a new one: that
// would drop its headers and read them again. The price is that a null
// version replaced in place within the same second by one of the same
// size and ETag goes unseen until its time moves further.
const TimeSlack = time.Second

// SameTime reports whether two last-modified times of one version agree,
// within TimeSlack.
func SameTime(a, b time.Time) bool {
	d := a.Sub(b)
	return d < TimeSlack && d > -TimeSlack
}

// SameListing reports whether two records of a version agree on every
// field a version listing shows: the one comparison the index and the
// ingester make.
func SameListing(a, b Version) bool {
	return a.VersionID == b.VersionID &&
		a.IsDeleteMarker == b.IsDeleteMarker &&
		a.Size == b.Size &&
		a.ETag == b.ETag &&
		SameTime(a.LastModified, b.LastModified)
}

func sameVersions(final []Version, vs []stored) bool {
	if len(final) != len(vs) {
		return false
	}
	for i, f := range final {
		s := vs[i].v
		if !SameListing(f, s) || f.MetaPending != s.MetaPending || !maps.Equal(f.Metadata, s.Metadata) || !slices.Equal(f.Parts, s.Parts) {
			return false
		}
	}
	return true
}

// rewrite stores final as key's versions, touching only the entries that
// differ.
func rewrite(txn *badger.Txn, bucket, key string, cur current, vs []stored, final []Version) error {
	ops, err := rewriteOps(bucket, key, cur, vs, final)
	if err != nil {
		return err
	}
	return applyOps(txn, ops)
}

// entryOp is one entry a rewrite writes, or deletes when del; object
// marks the key's O entry, the others being version entries.
type entryOp struct {
	key    []byte
	raw    []byte
	meta   byte
	del    bool
	object bool
}

// rewriteOps is what storing final as key's versions writes: the version
// entries that differ, oldest first, then the ones to delete, then the
// key's O entry. Sequence numbers are given oldest first and a version
// keeps its own when the order allows, so that a new version on top
// rewrites nothing below it.
func rewriteOps(bucket, key string, cur current, vs []stored, final []Version) ([]entryOp, error) {
	oldSeq := make(map[string]uint64, len(vs))
	oldRaw := make(map[uint64][]byte, len(vs))
	for _, s := range vs {
		oldSeq[s.v.VersionID] = s.seq
		oldRaw[s.seq] = s.raw
	}
	var ops []entryOp
	var latest *entryOp
	var prev uint64
	for i := len(final) - 1; i >= 0; i-- {
		seq := prev + 1
		if s, ok := oldSeq[final[i].VersionID]; ok && s > prev {
			seq = s
		}
		prev = seq
		raw, meta, err := encodeVersion(final[i])
		if err != nil {
			return nil, err
		}
		if old, ok := oldRaw[seq]; !ok || !bytes.Equal(old, raw) {
			ops = append(ops, entryOp{key: versionKey(bucket, key, seq), raw: raw, meta: meta})
		}
		delete(oldRaw, seq)
		if i == 0 && !bytes.Equal(cur.raw, raw) {
			latest = &entryOp{key: objectKey(bucket, key), raw: raw, meta: meta, object: true}
		}
	}
	for _, seq := range slices.Sorted(maps.Keys(oldRaw)) {
		ops = append(ops, entryOp{key: versionKey(bucket, key, seq), del: true})
	}
	if len(final) == 0 && cur.found {
		latest = &entryOp{key: objectKey(bucket, key), del: true, object: true}
	}
	if latest != nil {
		ops = append(ops, *latest)
	}
	return ops, nil
}

func applyOps(txn *badger.Txn, ops []entryOp) error {
	for _, o := range ops {
		var err error
		if o.del {
			err = txn.Delete(o.key)
		} else {
			err = setRaw(txn, o.key, o.raw, o.meta)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ScanKeys calls fn for each key with versions, in key order, with
// after < key <= through (an empty through means to the end), versions
// newest first. fn runs outside any transaction, so it may write to the
// index; keys are read a chunk at a time, so a key changed during the scan
// is seen as it is when its chunk is read.
func (d *DB) ScanKeys(bucket, after, through string, fn func(key string, versions []Version) error) error {
	for {
		chunk, more, err := d.scanChunk(bucket, after, through)
		if err != nil {
			return fmt.Errorf("scan keys of %s after %q: %w", bucket, after, err)
		}
		for _, kv := range chunk {
			if err := fn(kv.key, kv.versions); err != nil {
				return err
			}
		}
		if !more {
			return nil
		}
		after = chunk[len(chunk)-1].key
	}
}

type keyVersions struct {
	key      string
	versions []Version
}

// scanChunk reads the keys after after, up to through, until a chunk bound;
// more reports that keys remain.
func (d *DB) scanChunk(bucket, after, through string) (chunk []keyVersions, more bool, err error) {
	err = d.view(func(txn *badger.Txn) error {
		base := versionBase(bucket)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: base})
		defer it.Close()
		var vs []stored
		var n int
		flush := func(key string) {
			chunk = append(chunk, keyVersions{key, versionsOf(vs)})
			n += len(vs)
			vs = nil
		}
		// A key's V entries end in NUL and a sequence number, and no key
		// holds a NUL, so after+"\x01" is past after's own entries and at
		// or before those of every longer key.
		start := base
		if after != "" {
			start = concat(append(concat(base), after...), 1)
		}
		cur := ""
		for it.Seek(start); it.Valid(); it.Next() {
			key, _ := parseVersionKey(base, it.Item().Key())
			if through != "" && key > through {
				break
			}
			if key != cur && vs != nil {
				flush(cur)
				if len(chunk) >= scanChunkKeys || n >= scanChunkVersions {
					more = true
					return nil
				}
			}
			cur = key
			s, err := decodeStored(base, it.Item())
			if err != nil {
				return err
			}
			vs = append(vs, s)
		}
		if vs != nil {
			flush(cur)
		}
		return nil
	})
	return chunk, more, err
}

// tombstoneBase is the prefix of every tombstone of a bucket.
func tombstoneBase(bucket string) []byte {
	return underBucket(prefixTombstone, bucket, "", 0)
}

// removedAfter returns the versions whose tombstones under prefix (one
// key's) were written after t, reading them from it, an iterator over the
// bucket's tombstones that stands at the first of them, if any.
func removedAfter(it *badger.Iterator, prefix []byte, t time.Time) (map[string]bool, error) {
	var out map[string]bool
	for ; it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		var at int64
		if err := item.Value(func(v []byte) error {
			if len(v) == 8 {
				at = int64(binary.BigEndian.Uint64(v))
			}
			return nil
		}); err != nil {
			return nil, err
		}
		if time.Unix(0, at).After(t) {
			if out == nil {
				out = map[string]bool{}
			}
			out[string(item.Key()[len(prefix):])] = true
		}
	}
	return out, nil
}

// MetadataRead is the headers read from the backend for one version.
type MetadataRead struct {
	Key       string
	VersionID string
	// ETag is the content the headers belong to: a version the index holds
	// with another ETag (a null version replaced since) stays pending.
	ETag     string
	Metadata map[string]string
}

// stepLimit is how many entries stepTo steps over before it seeks: a
// step costs a fraction of a seek in an index of any size, and the gaps
// in a batch of the sweep are the few keys other readers still hold.
const stepLimit = 32

// stepTo moves it forward to the first entry at or after k, stepping over
// a few entries rather than seeking. The entries stepped over count as
// read by the transaction.
func stepTo(it *badger.Iterator, k []byte) {
	for range stepLimit {
		if !it.Valid() {
			break
		}
		if bytes.Compare(it.Item().Key(), k) >= 0 {
			return
		}
		it.Next()
	}
	it.Seek(k)
}

// touchNext reads k, at or after where it stands, for the transaction's
// conflict check alone, as readCurrent would without copying and
// decoding the record. A k it does not find is read by a seek, which
// counts as a read of k, found or not.
func touchNext(it *badger.Iterator, k []byte) {
	stepTo(it, k)
	if !it.Valid() || !bytes.Equal(it.Item().Key(), k) {
		it.Seek(k)
	}
}

// StoreMetadata is CompleteMetadata for several versions in one
// transaction: reading the headers of a bucket's new versions would
// otherwise cost a commit each. stored[i] is false for a version the index
// no longer holds, or holds with other content.
func (d *DB) StoreMetadata(bucket string, reads []MetadataRead) (done []bool, err error) {
	// Versions of one key are read and written together, keys ascending.
	order := make([]int, len(reads))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return reads[order[a]].Key < reads[order[b]].Key })
	done = make([]bool, len(reads))
	if err := d.storeMetadata(bucket, reads, order, done); err != nil {
		return nil, fmt.Errorf("store metadata of %d versions of %s: %w", len(reads), bucket, err)
	}
	return done, nil
}

// storeMetadata stores reads[i] for each i in order, which sorts them by
// key, in one transaction, or in halves when they are too many for one.
func (d *DB) storeMetadata(bucket string, reads []MetadataRead, order []int, done []bool) error {
	err := d.update(func(txn *badger.Txn, _ *delta) error {
		for _, i := range order {
			done[i] = false
		}
		type keyRead struct {
			vs      []stored
			changed []int // indexes into vs
		}
		// Every key is read before any is written, as in setKeys.
		var keys []keyRead
		// The sweep's batches are runs of nearly consecutive keys: both
		// iterators step from one key to the next instead of seeking it,
		// which cost more than the rest of the write.
		base := versionBase(bucket)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: base})
		defer it.Close()
		latest := txn.NewIterator(badger.IteratorOptions{Prefix: objectBase(bucket)})
		defer latest.Close()
		for n := 0; n < len(order); {
			key := reads[order[n]].Key
			// The latest version is read first, as every change to a key
			// does, so that this write conflicts with a concurrent one.
			touchNext(latest, objectKey(bucket, key))
			var kr keyRead
			prefix := keyVersionsPrefix(bucket, key)
			for stepTo(it, prefix); it.ValidForPrefix(prefix); it.Next() {
				s, err := decodeStored(base, it.Item())
				if err != nil {
					return err
				}
				kr.vs = append(kr.vs, s)
			}
			for ; n < len(order) && reads[order[n]].Key == key; n++ {
				r := reads[order[n]]
				i := indexOf(kr.vs, r.VersionID)
				if i < 0 || r.ETag != "" && kr.vs[i].v.ETag != "" && r.ETag != kr.vs[i].v.ETag {
					continue
				}
				kr.vs[i].v.Metadata, kr.vs[i].v.MetaPending = r.Metadata, false
				if !slices.Contains(kr.changed, i) {
					kr.changed = append(kr.changed, i)
				}
				done[order[n]] = true
			}
			keys = append(keys, kr)
		}
		for _, kr := range keys {
			for _, i := range kr.changed {
				if err := putVersion(txn, bucket, kr.vs[i].seq, kr.vs[i].v, i == 0); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if errors.Is(err, badger.ErrTxnTooBig) && len(order) > 1 {
		half := len(order) / 2
		if err := d.storeMetadata(bucket, reads, order[:half], done); err != nil {
			return err
		}
		return d.storeMetadata(bucket, reads, order[half:], done)
	}
	return err
}
