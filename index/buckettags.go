package index

import (
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// A gateway bucket's tag set (Put/Get/DeleteBucketTagging) is ringside's
// own, kept beside the bucket record under G<bucket>: a prefix location
// shares one backend bucket between many gateway buckets, whose tags
// cannot be the backend bucket's. Unlike objects, it cannot be rebuilt
// from the backend. DeleteBucket removes it with the bucket record.

const prefixBucketTags = 'G'

func bucketTagsKey(name string) []byte { return nameKey(prefixBucketTags, name) }

// Tag is one tag of a bucket's tag set.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// SetBucketTags replaces a bucket's tag set; an empty one removes it.
// ErrNotFound if the bucket does not exist. The bucket record is read in
// the same transaction, so a concurrent DeleteBucket and this conflict
// rather than leave tags behind a deleted bucket.
func (d *DB) SetBucketTags(name string, tags []Tag) error {
	err := d.update(func(txn *badger.Txn, _ *delta) error {
		var b Bucket
		found, err := getJSON(txn, bucketKey(name), &b)
		if err != nil {
			return err
		}
		if !found {
			return ErrNotFound
		}
		if len(tags) == 0 {
			return txn.Delete(bucketTagsKey(name))
		}
		return putJSON(txn, bucketTagsKey(name), tags)
	})
	if err != nil {
		return fmt.Errorf("set the tags of bucket %s: %w", name, err)
	}
	return nil
}

// BucketTags returns a bucket's tag set in the order it was given, nil
// when it has none; ErrNotFound if the bucket does not exist.
func (d *DB) BucketTags(name string) ([]Tag, error) {
	var tags []Tag
	err := d.view(func(txn *badger.Txn) error {
		var b Bucket
		found, err := getJSON(txn, bucketKey(name), &b)
		if err != nil {
			return err
		}
		if !found {
			return ErrNotFound
		}
		_, err = getJSON(txn, bucketTagsKey(name), &tags)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read the tags of bucket %s: %w", name, err)
	}
	return tags, nil
}
