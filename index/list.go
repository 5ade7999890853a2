package index

import (
	"bytes"
	"fmt"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
)

// maxListKeys is S3's cap on one listing page.
const maxListKeys = 1000

// pastPrefix ends a seek key that sorts after every key under a common
// prefix: 0xFF never occurs in UTF-8.
const pastPrefix = 0xff

// stepsBeforeSeek is how many keys a listing steps over inside a common
// prefix before it seeks past the rest: a Seek rebuilds the iterator's
// merge of every table, which costs more than a few steps, and most common
// prefixes hold only a few keys.
const stepsBeforeSeek = 8

func pageSize(n int) int {
	if n <= 0 || n > maxListKeys {
		return maxListKeys
	}
	return n
}

// commonPrefix returns the common prefix key rolls up into, if any.
func commonPrefix(key, prefix, delimiter string) (string, bool) {
	if delimiter == "" || !strings.HasPrefix(key, prefix) {
		return "", false
	}
	i := strings.Index(key[len(prefix):], delimiter)
	if i < 0 {
		return "", false
	}
	return key[:len(prefix)+i+len(delimiter)], true
}

// commonPrefixLen is commonPrefix for a key read from the index, which
// is under prefix: the length of its common prefix, or 0. It leaves the
// key in Badger's memory rather than copying it into a string.
func commonPrefixLen(key []byte, prefix, delimiter string) int {
	if delimiter == "" {
		return 0
	}
	i := bytes.Index(key[len(prefix):], []byte(delimiter))
	if i < 0 {
		return 0
	}
	return len(prefix) + i + len(delimiter)
}

// pastCommonPrefix is the seek key just after every key under cp.
func pastCommonPrefix(base []byte, cp string) []byte {
	return concat(append(concat(base), cp...), pastPrefix)
}

// skipCommonPrefix moves it past every key under cp, the common prefix of
// the key it is at.
func skipCommonPrefix(it *badger.Iterator, base []byte, cp string) {
	under := append(concat(base), cp...)
	for range stepsBeforeSeek {
		it.Next()
		if !it.Valid() || !bytes.HasPrefix(it.Item().Key(), under) {
			return
		}
	}
	it.Seek(append(under, pastPrefix))
}

// listStart is where a listing resumes after marker, given after: the seek
// key just past marker's own entries. A marker that rolls up into a common
// prefix resumes past the whole prefix, which the previous page emitted.
func listStart(base []byte, p ListParams, marker string, after func(string) []byte) []byte {
	first := append(concat(base), p.Prefix...)
	if marker == "" {
		return first
	}
	start := after(marker)
	if cp, ok := commonPrefix(marker, p.Prefix, p.Delimiter); ok {
		start = pastCommonPrefix(base, cp)
	}
	if bytes.Compare(start, first) < 0 {
		return first
	}
	return start
}

// visitEntry decodes the listing fields of item, the entry of key, and
// hands them to visit without copying them out of Badger.
func visitEntry(item *badger.Item, key []byte, e *ListEntry, visit func(*ListEntry) error) error {
	return item.Value(func(val []byte) error {
		var l listing
		if _, err := l.decode(val); err != nil {
			return decodeErr(item.Key(), err)
		}
		e.Key, e.VersionID, e.ETag = key, l.versionID, l.etag
		e.Size, e.LastModified, e.IsDeleteMarker = l.size, l.lastModified, l.deleteMarker
		return visit(e)
	})
}

// VisitObjects passes a page of current objects to v, in key order, and
// returns the page's end: IsTruncated and NextMarker, with no Objects or
// CommonPrefixes. An error from v ends the visit and is returned.
func (d *DB) VisitObjects(bucket string, p ListParams, v ListVisitor) (ListResult, error) {
	var res ListResult
	err := d.view(func(txn *badger.Txn) error {
		base := objectBase(bucket)
		scope := append(concat(base), p.Prefix...)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: scope})
		defer it.Close()
		start := listStart(base, p, p.Marker, func(m string) []byte {
			return concat(append(concat(base), m...), 0)
		})
		limit, n := pageSize(p.MaxKeys), 0
		var last []byte // the key or common prefix NextMarker names
		e := ListEntry{IsLatest: true}
		for it.Seek(start); it.ValidForPrefix(scope); {
			item := it.Item()
			if isDeleteMarker(item) {
				it.Next()
				continue
			}
			if n == limit {
				res.IsTruncated, res.NextMarker = true, string(last)
				return nil
			}
			n++
			key := item.Key()[len(base):]
			if cpLen := commonPrefixLen(key, p.Prefix, p.Delimiter); cpLen > 0 {
				cp := string(key[:cpLen])
				if err := v.CommonPrefix(cp); err != nil {
					return err
				}
				last = append(last[:0], cp...)
				skipCommonPrefix(it, base, cp)
				continue
			}
			if err := visitEntry(item, key, &e, v.Entry); err != nil {
				return err
			}
			last = append(last[:0], key...)
			it.Next()
		}
		return nil
	})
	if err != nil {
		return ListResult{}, fmt.Errorf("list objects of %s: %w", bucket, err)
	}
	return res, nil
}

// ListObjects returns a page of current objects. The objects carry the
// fields a listing shows: their Metadata, MetaPending and IndexedAt are
// not filled in.
func (d *DB) ListObjects(bucket string, p ListParams) (ListResult, error) {
	var objects []Version
	var cps []string
	res, err := d.VisitObjects(bucket, p, collect(&objects, &cps))
	res.Objects, res.CommonPrefixes = objects, cps
	return res, err
}

// collect is a visitor that copies a page into vs and cps.
func collect(vs *[]Version, cps *[]string) ListVisitor {
	return ListVisitor{
		Entry: func(e *ListEntry) error {
			*vs = append(*vs, Version{
				Key: string(e.Key), VersionID: string(e.VersionID), ETag: string(e.ETag),
				Size: e.Size, LastModified: e.LastModified,
				IsDeleteMarker: e.IsDeleteMarker, IsLatest: e.IsLatest,
			})
			return nil
		},
		CommonPrefix: func(cp string) error {
			*cps = append(*cps, cp)
			return nil
		},
	}
}

// VisitVersions passes a page of versions and delete markers to v, in key
// order and newest first within a key, and returns the page's end:
// IsTruncated, NextKeyMarker and NextVersionIDMarker, with no Versions or
// CommonPrefixes. An error from v ends the visit and is returned.
func (d *DB) VisitVersions(bucket string, p VersionListParams, v ListVisitor) (VersionListResult, error) {
	var res VersionListResult
	err := d.view(func(txn *badger.Txn) error {
		base := versionBase(bucket)
		scope := append(concat(base), p.Prefix...)
		start, midKey, err := versionStart(txn, bucket, p)
		if err != nil {
			return err
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: scope})
		defer it.Close()
		limit, n := pageSize(p.MaxKeys), 0
		// The key and version ID of the last entry, the next markers;
		// a common prefix has no version ID.
		lastKey, lastID := []byte(midKey), []byte(nil)
		var e ListEntry
		for it.Seek(start); it.ValidForPrefix(scope); {
			item := it.Item()
			k := item.Key()
			key := k[len(base) : len(k)-seqLen-1]
			if n == limit {
				res.IsTruncated = true
				res.NextKeyMarker, res.NextVersionIDMarker = string(lastKey), string(lastID)
				return nil
			}
			n++
			if cpLen := commonPrefixLen(key, p.Prefix, p.Delimiter); cpLen > 0 {
				cp := string(key[:cpLen])
				if err := v.CommonPrefix(cp); err != nil {
					return err
				}
				lastKey, lastID = append(lastKey[:0], cp...), lastID[:0]
				skipCommonPrefix(it, base, cp)
				continue
			}
			// Versions sort newest first within a key: the first of a
			// key is its latest, unless the page resumes inside the key.
			e.IsLatest = !bytes.Equal(key, lastKey)
			err := visitEntry(item, key, &e, func(e *ListEntry) error {
				lastID = append(lastID[:0], e.VersionID...)
				return v.Entry(e)
			})
			if err != nil {
				return err
			}
			lastKey = append(lastKey[:0], key...)
			it.Next()
		}
		return nil
	})
	if err != nil {
		return VersionListResult{}, fmt.Errorf("list versions of %s: %w", bucket, err)
	}
	return res, nil
}

// ListVersions returns a page of versions and delete markers. The
// versions carry the fields a listing shows: their Metadata, MetaPending
// and IndexedAt are not filled in.
func (d *DB) ListVersions(bucket string, p VersionListParams) (VersionListResult, error) {
	var versions []Version
	var cps []string
	res, err := d.VisitVersions(bucket, p, collect(&versions, &cps))
	res.Versions, res.CommonPrefixes = versions, cps
	return res, err
}

// versionStart is where a version listing begins. With a version-id
// marker it resumes inside the key marker's versions, and midKey names
// that key, whose remaining versions are not its latest. An unknown
// version-id marker resumes after the whole key.
func versionStart(txn *badger.Txn, bucket string, p VersionListParams) (start []byte, midKey string, err error) {
	base := versionBase(bucket)
	lp := ListParams{Prefix: p.Prefix, Delimiter: p.Delimiter}
	var seq uint64
	found := false
	_, inPrefix := commonPrefix(p.KeyMarker, p.Prefix, p.Delimiter)
	if p.KeyMarker != "" && p.VersionIDMarker != "" && !inPrefix {
		vs, err := readVersions(txn, bucket, p.KeyMarker)
		if err != nil {
			return nil, "", err
		}
		if i := indexOf(vs, p.VersionIDMarker); i >= 0 {
			seq, found, midKey = vs[i].seq, true, p.KeyMarker
		}
	}
	start = listStart(base, lp, p.KeyMarker, func(m string) []byte {
		if found {
			return concat(versionKey(bucket, m, seq), 0)
		}
		// Past every "m\x00<seq>" entry and before any longer key.
		return concat(append(concat(base), m...), 1)
	})
	return start, midKey, nil
}
