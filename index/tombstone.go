package index

import (
	"encoding/binary"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// tombstoneTTL is how long the index remembers a version removed through
// the gateway. A pass whose listing began before the removal may still list
// the version; the tombstone keeps it from coming back. Passes take seconds,
// so minutes of memory is ample, and Badger drops the entry by itself.
const tombstoneTTL = 10 * time.Minute

// tombstonePrefix is the prefix of every tombstone of one object key.
func tombstonePrefix(bucket, key string) []byte {
	return append(underBucket(prefixTombstone, bucket, key, 1), 0)
}

// putTombstone records that versionID of key was removed at removedAt.
func putTombstone(txn *badger.Txn, bucket, key, versionID string, removedAt time.Time) error {
	k := append(tombstonePrefix(bucket, key), versionID...)
	v := binary.BigEndian.AppendUint64(nil, uint64(removedAt.UnixNano()))
	return txn.SetEntry(badger.NewEntry(k, v).WithTTL(tombstoneTTL))
}

// withoutRemoved drops from listed the versions in removed.
func withoutRemoved(listed []Version, removed map[string]bool) []Version {
	if len(removed) == 0 {
		return listed
	}
	out := make([]Version, 0, len(listed))
	for _, v := range listed {
		if !removed[v.VersionID] {
			out = append(out, v)
		}
	}
	return out
}
