package index

import (
	"bytes"
	"fmt"
	"maps"
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
		changed = false
		cur, err := readCurrent(txn, bucket, key)
		if err != nil {
			return err
		}
		vs, err := readVersions(txn, bucket, key)
		if err != nil {
			return err
		}
		removed, err := removedSince(txn, bucket, key, listedAt)
		if err != nil {
			return err
		}
		final := merge(key, vs, withoutRemoved(versions, removed), listedAt, time.Now())
		if sameVersions(final, vs) {
			return nil
		}
		changed = true
		c.versions += int64(len(final) - len(vs))
		c.objects -= cur.live()
		if len(final) > 0 {
			c.objects += liveVersion(final[0])
		}
		return rewrite(txn, bucket, key, cur, vs, final)
	})
	if err != nil {
		return false, fmt.Errorf("set versions of %s/%s: %w", bucket, key, err)
	}
	return changed, nil
}

// merge returns what key's versions become, newest first: stored versions
// indexed after listedAt that the listing lacks or shows otherwise, then
// the listed versions, each keeping the stored record when it is the same.
func merge(key string, vs []stored, listed []Version, listedAt, now time.Time) []Version {
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
		if s.v.IndexedAt.After(listedAt) && (!ok || !sameListing(l, s.v)) {
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
	if !ok || !sameListing(l, old) {
		l.IndexedAt = now
		return l
	}
	if l.MetaPending {
		l.Metadata, l.MetaPending = old.Metadata, old.MetaPending
	}
	l.IndexedAt = old.IndexedAt
	return l
}

// sameListing compares the fields a version listing shows.
func sameListing(a, b Version) bool {
	return a.VersionID == b.VersionID &&
		a.IsDeleteMarker == b.IsDeleteMarker &&
		a.Size == b.Size &&
		a.ETag == b.ETag &&
		a.LastModified.Equal(b.LastModified)
}

func sameVersions(final []Version, vs []stored) bool {
	if len(final) != len(vs) {
		return false
	}
	for i, f := range final {
		s := vs[i].v
		if !sameListing(f, s) || f.MetaPending != s.MetaPending || !maps.Equal(f.Metadata, s.Metadata) {
			return false
		}
	}
	return true
}

// rewrite stores final as key's versions, touching only the entries that
// differ. Sequence numbers are given oldest first and a version keeps its
// own when the order allows, so that a new version on top rewrites nothing
// below it.
func rewrite(txn *badger.Txn, bucket, key string, cur current, vs []stored, final []Version) error {
	oldSeq := make(map[string]uint64, len(vs))
	oldRaw := make(map[uint64][]byte, len(vs))
	for _, s := range vs {
		oldSeq[s.v.VersionID] = s.seq
		oldRaw[s.seq] = s.raw
	}
	var prev uint64
	for i := len(final) - 1; i >= 0; i-- {
		seq := prev + 1
		if s, ok := oldSeq[final[i].VersionID]; ok && s > prev {
			seq = s
		}
		prev = seq
		raw, meta, err := encodeVersion(final[i])
		if err != nil {
			return err
		}
		if old, ok := oldRaw[seq]; !ok || !bytes.Equal(old, raw) {
			if err := setRaw(txn, versionKey(bucket, key, seq), raw, meta); err != nil {
				return err
			}
		}
		delete(oldRaw, seq)
		if i == 0 && !bytes.Equal(cur.raw, raw) {
			if err := setRaw(txn, objectKey(bucket, key), raw, meta); err != nil {
				return err
			}
		}
	}
	for seq := range oldRaw {
		if err := txn.Delete(versionKey(bucket, key, seq)); err != nil {
			return err
		}
	}
	if len(final) == 0 && cur.found {
		return txn.Delete(objectKey(bucket, key))
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
	err = d.db.View(func(txn *badger.Txn) error {
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
