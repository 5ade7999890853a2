package index

import (
	"errors"
	"fmt"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// stored is a version as read from its V entry.
type stored struct {
	seq uint64
	raw []byte
	v   Version
}

// current is a key's O entry; found is false when the key has no versions.
type current struct {
	found bool
	raw   []byte
	v     Version
}

// live counts 1 for a key whose latest version is an object.
func (c current) live() int64 {
	if c.found && !c.v.IsDeleteMarker {
		return 1
	}
	return 0
}

// readCurrent reads a key's O entry. Every change to a key reads it first,
// which makes concurrent changes to one key conflict in Badger.
func readCurrent(txn *badger.Txn, bucket, key string) (current, error) {
	item, err := txn.Get(objectKey(bucket, key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return current{}, nil
	}
	if err != nil {
		return current{}, err
	}
	raw, err := item.ValueCopy(nil)
	if err != nil {
		return current{}, err
	}
	v, err := decodeVersion(raw)
	if err != nil {
		return current{}, fmt.Errorf("decode latest version of %s: %w", key, err)
	}
	return current{found: true, raw: raw, v: v}, nil
}

// readVersions reads every version of key, newest first.
func readVersions(txn *badger.Txn, bucket, key string) ([]stored, error) {
	base := versionBase(bucket)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: keyVersionsPrefix(bucket, key)})
	defer it.Close()
	var vs []stored
	for it.Rewind(); it.Valid(); it.Next() {
		s, err := decodeStored(base, it.Item())
		if err != nil {
			return nil, err
		}
		vs = append(vs, s)
	}
	return vs, nil
}

func decodeStored(base []byte, item *badger.Item) (stored, error) {
	_, seq := parseVersionKey(base, item.Key())
	raw, err := item.ValueCopy(nil)
	if err != nil {
		return stored{}, err
	}
	v, err := decodeVersion(raw)
	if err != nil {
		return stored{}, decodeErr(item.Key(), err)
	}
	return stored{seq: seq, raw: raw, v: v}, nil
}

func indexOf(vs []stored, versionID string) int {
	for i, s := range vs {
		if s.v.VersionID == versionID {
			return i
		}
	}
	return -1
}

// putVersion writes v under seq, and as the key's latest when latest.
func putVersion(txn *badger.Txn, bucket string, seq uint64, v Version, latest bool) error {
	raw, meta, err := encodeVersion(v)
	if err != nil {
		return err
	}
	if err := setRaw(txn, versionKey(bucket, v.Key, seq), raw, meta); err != nil {
		return err
	}
	if !latest {
		return nil
	}
	return setRaw(txn, objectKey(bucket, v.Key), raw, meta)
}

// RecordVersion records a write made through the gateway: v becomes the
// latest version of its key. A version with the same VersionID is updated in
// place without reordering; a NullVersion replaces the previous null version.
// IndexedAt is set to now.
func (d *DB) RecordVersion(bucket string, v Version) error {
	v.IndexedAt = time.Now()
	err := d.update(func(txn *badger.Txn, c *delta) error {
		cur, err := readCurrent(txn, bucket, v.Key)
		if err != nil {
			return err
		}
		vs, err := readVersions(txn, bucket, v.Key)
		if err != nil {
			return err
		}
		var top uint64
		if len(vs) > 0 {
			top = vs[0].seq
		}
		seq, latest := top+1, true
		switch i := indexOf(vs, v.VersionID); {
		case i < 0:
			c.versions++
		case i == 0:
			seq = top
		case v.VersionID == NullVersion:
			// The new null version is a new write: it moves to the top.
			if err := txn.Delete(versionKey(bucket, v.Key, vs[i].seq)); err != nil {
				return err
			}
		default:
			seq, latest = vs[i].seq, false
		}
		if latest {
			c.objects += liveVersion(v) - cur.live()
		}
		return putVersion(txn, bucket, seq, v, latest)
	})
	if err != nil {
		return fmt.Errorf("record version %s of %s/%s: %w", v.VersionID, bucket, v.Key, err)
	}
	return nil
}

func liveVersion(v Version) int64 {
	if v.IsDeleteMarker {
		return 0
	}
	return 1
}

// RemoveVersion forgets a version that is gone from the backend; the next
// one becomes latest. Removing an unknown version is not an error.
func (d *DB) RemoveVersion(bucket, key, versionID string) error {
	err := d.update(func(txn *badger.Txn, c *delta) error {
		cur, err := readCurrent(txn, bucket, key)
		if err != nil {
			return err
		}
		vs, err := readVersions(txn, bucket, key)
		if err != nil {
			return err
		}
		if err := putTombstone(txn, bucket, key, versionID, time.Now()); err != nil {
			return err
		}
		i := indexOf(vs, versionID)
		if i < 0 {
			return nil
		}
		c.versions--
		if err := txn.Delete(versionKey(bucket, key, vs[i].seq)); err != nil {
			return err
		}
		if i > 0 {
			return nil
		}
		c.objects -= cur.live()
		if len(vs) == 1 {
			return txn.Delete(objectKey(bucket, key))
		}
		next := vs[1]
		c.objects += liveVersion(next.v)
		return setRaw(txn, objectKey(bucket, key), next.raw, userMeta(next.v))
	})
	if err != nil {
		return fmt.Errorf("remove version %s of %s/%s: %w", versionID, bucket, key, err)
	}
	return nil
}

func userMeta(v Version) byte {
	if v.IsDeleteMarker {
		return metaDeleteMarker
	}
	return 0
}

// Latest returns the newest version of key, which may be a delete marker,
// or ErrNotFound when the key has no versions.
func (d *DB) Latest(bucket, key string) (Version, error) {
	var cur current
	err := d.view(func(txn *badger.Txn) error {
		var err error
		cur, err = readCurrent(txn, bucket, key)
		if err == nil && !cur.found {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return Version{}, fmt.Errorf("latest version of %s/%s: %w", bucket, key, err)
	}
	cur.v.IsLatest = true
	return cur.v, nil
}

// GetVersion returns one version of key or ErrNotFound.
func (d *DB) GetVersion(bucket, key, versionID string) (Version, error) {
	var v Version
	found := false
	err := d.view(func(txn *badger.Txn) error {
		// Most reads by version ID name the latest: one point read.
		cur, err := readCurrent(txn, bucket, key)
		if err != nil || !cur.found {
			return err
		}
		if cur.v.VersionID == versionID {
			v, found = cur.v, true
			v.IsLatest = true
			return nil
		}
		vs, err := readVersions(txn, bucket, key)
		if err != nil {
			return err
		}
		if i := indexOf(vs, versionID); i >= 0 {
			v, found = vs[i].v, true
			v.IsLatest = i == 0
		}
		return nil
	})
	if err == nil && !found {
		err = ErrNotFound
	}
	if err != nil {
		return Version{}, fmt.Errorf("version %s of %s/%s: %w", versionID, bucket, key, err)
	}
	return v, nil
}

// KeyVersions returns every version of key, newest first; none (and no
// error) for an unknown key.
func (d *DB) KeyVersions(bucket, key string) ([]Version, error) {
	var vs []stored
	err := d.view(func(txn *badger.Txn) error {
		var err error
		vs, err = readVersions(txn, bucket, key)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("versions of %s/%s: %w", bucket, key, err)
	}
	return versionsOf(vs), nil
}

// versionsOf returns the versions of one key with IsLatest set.
func versionsOf(vs []stored) []Version {
	out := make([]Version, len(vs))
	for i, s := range vs {
		out[i] = s.v
		out[i].IsLatest = i == 0
	}
	return out
}

// CompleteMetadata fills in the headers read by a HEAD of one version and
// clears MetaPending. It returns ErrNotFound when the version is unknown.
func (d *DB) CompleteMetadata(bucket, key, versionID string, meta map[string]string) error {
	err := d.update(func(txn *badger.Txn, _ *delta) error {
		if _, err := readCurrent(txn, bucket, key); err != nil {
			return err
		}
		vs, err := readVersions(txn, bucket, key)
		if err != nil {
			return err
		}
		i := indexOf(vs, versionID)
		if i < 0 {
			return ErrNotFound
		}
		v := vs[i].v
		v.Metadata, v.MetaPending = meta, false
		return putVersion(txn, bucket, vs[i].seq, v, i == 0)
	})
	if err != nil {
		return fmt.Errorf("complete metadata of %s/%s version %s: %w", bucket, key, versionID, err)
	}
	return nil
}

// SetParts records the part sizes learned for one version, when the index
// still holds it with the same ETag: parts read from the backend while the
// version was replaced belong to the content read, not to the new one.
// stored is false when the version is gone or changed.
func (d *DB) SetParts(bucket, key, versionID, etag string, parts []int64) (stored bool, err error) {
	err = d.update(func(txn *badger.Txn, _ *delta) error {
		stored = false
		if _, err := readCurrent(txn, bucket, key); err != nil {
			return err
		}
		vs, err := readVersions(txn, bucket, key)
		if err != nil {
			return err
		}
		i := indexOf(vs, versionID)
		if i < 0 || vs[i].v.ETag != etag {
			return nil
		}
		v := vs[i].v
		v.Parts = parts
		stored = true
		return putVersion(txn, bucket, vs[i].seq, v, i == 0)
	})
	if err != nil {
		return false, fmt.Errorf("set the parts of %s/%s version %s: %w", bucket, key, versionID, err)
	}
	return stored, nil
}
