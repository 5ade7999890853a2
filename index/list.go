package index

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
)

// maxListKeys is S3's cap on one listing page.
const maxListKeys = 1000

// pastPrefix ends a seek key that sorts after every key under a common
// prefix: 0xFF never occurs in UTF-8.
const pastPrefix = 0xff

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

// pastCommonPrefix is the seek key just after every key under cp.
func pastCommonPrefix(base []byte, cp string) []byte {
	return concat(append(concat(base), cp...), pastPrefix)
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

// ListObjects returns a page of current objects.
func (d *DB) ListObjects(bucket string, p ListParams) (ListResult, error) {
	var res ListResult
	err := d.db.View(func(txn *badger.Txn) error {
		base := objectBase(bucket)
		scope := append(concat(base), p.Prefix...)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: scope})
		defer it.Close()
		start := listStart(base, p, p.Marker, func(m string) []byte {
			return concat(append(concat(base), m...), 0)
		})
		limit, last := pageSize(p.MaxKeys), ""
		for it.Seek(start); it.ValidForPrefix(scope); {
			item := it.Item()
			if isDeleteMarker(item) {
				it.Next()
				continue
			}
			if len(res.Objects)+len(res.CommonPrefixes) == limit {
				res.IsTruncated, res.NextMarker = true, last
				return nil
			}
			key := string(item.Key()[len(base):])
			if cp, ok := commonPrefix(key, p.Prefix, p.Delimiter); ok {
				res.CommonPrefixes = append(res.CommonPrefixes, cp)
				last = cp
				it.Seek(pastCommonPrefix(base, cp))
				continue
			}
			var v Version
			if err := item.Value(func(val []byte) error { return json.Unmarshal(val, &v) }); err != nil {
				return fmt.Errorf("decode %q: %w", key, err)
			}
			v.IsLatest = true
			res.Objects = append(res.Objects, v)
			last = key
			it.Next()
		}
		return nil
	})
	if err != nil {
		return ListResult{}, fmt.Errorf("list objects of %s: %w", bucket, err)
	}
	return res, nil
}

// ListVersions returns a page of versions and delete markers.
func (d *DB) ListVersions(bucket string, p VersionListParams) (VersionListResult, error) {
	var res VersionListResult
	err := d.db.View(func(txn *badger.Txn) error {
		base := versionBase(bucket)
		scope := append(concat(base), p.Prefix...)
		start, midKey, err := versionStart(txn, bucket, p)
		if err != nil {
			return err
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: scope})
		defer it.Close()
		limit, prevKey := pageSize(p.MaxKeys), midKey
		for it.Seek(start); it.ValidForPrefix(scope); {
			item := it.Item()
			key, _ := parseVersionKey(base, item.Key())
			if len(res.Versions)+len(res.CommonPrefixes) == limit {
				res.IsTruncated = true
				return nil
			}
			if cp, ok := commonPrefix(key, p.Prefix, p.Delimiter); ok {
				res.CommonPrefixes = append(res.CommonPrefixes, cp)
				res.NextKeyMarker, res.NextVersionIDMarker = cp, ""
				it.Seek(pastCommonPrefix(base, cp))
				continue
			}
			s, err := decodeStored(base, item)
			if err != nil {
				return err
			}
			s.v.IsLatest = key != prevKey
			prevKey = key
			res.Versions = append(res.Versions, s.v)
			res.NextKeyMarker, res.NextVersionIDMarker = key, s.v.VersionID
			it.Next()
		}
		return nil
	})
	if err != nil {
		return VersionListResult{}, fmt.Errorf("list versions of %s: %w", bucket, err)
	}
	if !res.IsTruncated {
		res.NextKeyMarker, res.NextVersionIDMarker = "", ""
	}
	return res, nil
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
