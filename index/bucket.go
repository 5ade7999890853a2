package index

import (
	"fmt"
	"sync/atomic"

	badger "github.com/dgraph-io/badger/v4"
)

// purgeBatch is how many entries one purge transaction deletes: far below
// Badger's transaction limit, so a bucket of any size can be cleared.
const purgeBatch = 1000

// catalogGeneration counts the writes of bucket and location records.
// It is one counter for the process rather than a field of DB so that a
// cache of those records can be told of every writer without DB's layout
// changing; with several DBs in one process (tests), a write to one costs
// the caches of the others no more than a miss.
var catalogGeneration atomic.Uint64

// CatalogGeneration changes after every write of a bucket or location
// record, committed or not. A cache of those records stays valid while the
// generation it read before reading the records is the current one: the
// count moves only once a write has finished, so a read that started after
// the move sees the write.
func (d *DB) CatalogGeneration() uint64 { return catalogGeneration.Load() }

// catalogChanged is deferred by every writer of bucket and location
// records, so that it runs once the transaction is over, whatever its
// outcome (a failed commit may still have applied).
func (d *DB) catalogChanged() { catalogGeneration.Add(1) }

// CreateBucket creates a bucket; ErrExists if the name is taken.
func (d *DB) CreateBucket(b Bucket) error {
	defer d.catalogChanged()
	err := d.update(func(txn *badger.Txn, c *delta) error {
		var old Bucket
		found, err := getJSON(txn, bucketKey(b.Name), &old)
		if err != nil {
			return err
		}
		if found {
			return ErrExists
		}
		c.buckets++
		return putJSON(txn, bucketKey(b.Name), b)
	})
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", b.Name, err)
	}
	return nil
}

// PutBucket creates or replaces a bucket record (its objects are untouched).
func (d *DB) PutBucket(b Bucket) error {
	defer d.catalogChanged()
	err := d.update(func(txn *badger.Txn, c *delta) error {
		var old Bucket
		found, err := getJSON(txn, bucketKey(b.Name), &old)
		if err != nil {
			return err
		}
		if !found {
			c.buckets++
		}
		return putJSON(txn, bucketKey(b.Name), b)
	})
	if err != nil {
		return fmt.Errorf("put bucket %s: %w", b.Name, err)
	}
	return nil
}

// GetBucket returns a bucket or ErrNotFound.
func (d *DB) GetBucket(name string) (Bucket, error) {
	var b Bucket
	err := d.view(func(txn *badger.Txn) error {
		found, err := getJSON(txn, bucketKey(name), &b)
		if err == nil && !found {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return Bucket{}, fmt.Errorf("get bucket %s: %w", name, err)
	}
	return b, nil
}

// ListBuckets returns every bucket sorted by name.
func (d *DB) ListBuckets() ([]Bucket, error) {
	bs, err := listJSON[Bucket](d.db, prefixBucket)
	if err != nil {
		return nil, fmt.Errorf("list buckets: %w", err)
	}
	return bs, nil
}

// DeleteBucket removes a bucket with its versions and ingest state.
//
// The versions go first, in batches, and the bucket record last: a crash
// part way leaves the bucket in place for the delete to be retried, never
// orphaned versions that a new bucket of the same name would inherit.
func (d *DB) DeleteBucket(name string) error {
	defer d.catalogChanged()
	if _, err := d.GetBucket(name); err != nil {
		return fmt.Errorf("delete bucket: %w", err)
	}
	if err := d.clearObjects(name); err != nil {
		return fmt.Errorf("delete bucket %s: %w", name, err)
	}
	err := d.update(func(txn *badger.Txn, c *delta) error {
		var old Bucket
		found, err := getJSON(txn, bucketKey(name), &old)
		if err != nil {
			return err
		}
		if found {
			c.buckets--
		}
		if err := txn.Delete(bucketKey(name)); err != nil {
			return err
		}
		if err := txn.Delete(bucketTagsKey(name)); err != nil {
			return err
		}
		return txn.Delete(ingestKey(name))
	})
	if err != nil {
		return fmt.Errorf("delete bucket %s: %w", name, err)
	}
	return nil
}

// BucketIsEmpty reports whether the bucket has no version and no delete
// marker at all: S3 refuses to delete a versioned bucket that still holds
// noncurrent versions or delete markers, and so does the gateway, or they
// would be out of its clients' reach.
func (d *DB) BucketIsEmpty(name string) (bool, error) {
	empty := true
	err := d.view(func(txn *badger.Txn) error {
		base := versionBase(name)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: base, PrefetchValues: false})
		defer it.Close()
		it.Rewind()
		empty = !it.Valid()
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("check bucket %s is empty: %w", name, err)
	}
	return empty, nil
}

// ClearBucketObjects drops every version of a bucket, for a resync.
func (d *DB) ClearBucketObjects(bucket string) error {
	if err := d.clearObjects(bucket); err != nil {
		return fmt.Errorf("clear objects of %s: %w", bucket, err)
	}
	return nil
}

func (d *DB) clearObjects(bucket string) error {
	if err := d.purge(objectBase(bucket)); err != nil {
		return fmt.Errorf("purge current versions: %w", err)
	}
	if err := d.purge(versionBase(bucket)); err != nil {
		return fmt.Errorf("purge versions: %w", err)
	}
	return nil
}

// purge deletes every entry under prefix, purgeBatch per transaction. Each
// batch seeks past the previous one rather than rewinding, which would walk
// every tombstone already written.
func (d *DB) purge(prefix []byte) error {
	from := prefix
	for {
		var keys [][]byte
		err := d.update(func(txn *badger.Txn, c *delta) error {
			keys = purgeKeys(txn, prefix, from, c)
			for _, k := range keys {
				if err := txn.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(keys) < purgeBatch {
			return nil
		}
		from = concat(keys[len(keys)-1], 0)
	}
}

// purgeKeys collects up to purgeBatch keys under prefix from from on, and
// counts in c what deleting them removes.
func purgeKeys(txn *badger.Txn, prefix, from []byte, c *delta) [][]byte {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var keys [][]byte
	for it.Seek(from); it.Valid() && len(keys) < purgeBatch; it.Next() {
		item := it.Item()
		switch {
		case prefix[0] == prefixVersion:
			c.versions--
		case !isDeleteMarker(item):
			c.objects--
		}
		keys = append(keys, item.KeyCopy(nil))
	}
	return keys
}
