package index

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// Key prefixes; see the package comment for the layout.
const (
	prefixLocation  = 'L'
	prefixBucket    = 'B'
	prefixObject    = 'O'
	prefixVersion   = 'V'
	prefixIngest    = 'S'
	prefixTombstone = 'T'
)

// metaDeleteMarker is the user meta byte of an O or V entry holding a
// delete marker, so that listings can skip it without reading the value.
const metaDeleteMarker byte = 1

// seqLen is the length of the inverted sequence number ending a V key.
const seqLen = 8

func nameKey(prefix byte, name string) []byte {
	k := make([]byte, 0, 1+len(name))
	return append(append(k, prefix), name...)
}

func locationKey(name string) []byte { return nameKey(prefixLocation, name) }
func bucketKey(name string) []byte   { return nameKey(prefixBucket, name) }
func ingestKey(name string) []byte   { return nameKey(prefixIngest, name) }

// underBucket is prefix, bucket, a NUL, then key, with room for extra
// more bytes: the keys of a bucket's entries, built in one allocation, as
// every read and write of a version builds several.
func underBucket(prefix byte, bucket, key string, extra int) []byte {
	k := make([]byte, 0, 2+len(bucket)+len(key)+extra)
	k = append(k, prefix)
	k = append(k, bucket...)
	k = append(k, 0)
	return append(k, key...)
}

// objectBase is the prefix of every O key of a bucket.
func objectBase(bucket string) []byte {
	return underBucket(prefixObject, bucket, "", 0)
}

// versionBase is the prefix of every V key of a bucket.
func versionBase(bucket string) []byte {
	return underBucket(prefixVersion, bucket, "", 0)
}

func objectKey(bucket, key string) []byte {
	return underBucket(prefixObject, bucket, key, 0)
}

// keyVersionsPrefix is the prefix of every V key of one object key.
func keyVersionsPrefix(bucket, key string) []byte {
	return append(underBucket(prefixVersion, bucket, key, 1), 0)
}

// versionKey inverts seq so that the newest version sorts first.
func versionKey(bucket, key string, seq uint64) []byte {
	k := append(underBucket(prefixVersion, bucket, key, 1+seqLen), 0)
	return binary.BigEndian.AppendUint64(k, ^seq)
}

// parseVersionKey splits a V key of the bucket whose versionBase is base.
func parseVersionKey(base, k []byte) (key string, seq uint64) {
	end := len(k) - seqLen
	return string(k[len(base) : end-1]), ^binary.BigEndian.Uint64(k[end:])
}

// concat returns a new slice holding a followed by b, so callers never write
// into a shared backing array.
func concat(a []byte, b ...byte) []byte {
	out := make([]byte, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}

func isDeleteMarker(item *badger.Item) bool {
	return item.UserMeta()&metaDeleteMarker != 0
}

func setRaw(txn *badger.Txn, k, raw []byte, meta byte) error {
	return txn.SetEntry(badger.NewEntry(k, raw).WithMeta(meta))
}

// getJSON decodes the value at k into out; found is false when k is absent.
func getJSON(txn *badger.Txn, k []byte, out any) (found bool, err error) {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, item.Value(func(val []byte) error { return json.Unmarshal(val, out) })
}

func putJSON(txn *badger.Txn, k []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return txn.Set(k, raw)
}

// listJSON decodes every value under prefix, in key order.
func listJSON[T any](db *badger.DB, prefix byte) ([]T, error) {
	var out []T
	err := db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefix}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var v T
			if err := it.Item().Value(func(val []byte) error { return json.Unmarshal(val, &v) }); err != nil {
				return fmt.Errorf("decode %q: %w", it.Item().Key(), err)
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}
