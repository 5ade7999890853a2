package index

import (
	badger "github.com/dgraph-io/badger/v4"
)

// SplitKeys returns up to parts-1 keys of bucket, after after, that cut
// the keys the index holds there into parts of about as many keys each,
// and no fewer than minPart keys: the boundaries of a listing of the
// backend split into ranges listed side by side. It also returns how many
// keys it found. It reads keys only, one per object key, and keeps at most
// a few keys per part in memory whatever the bucket's size, by sampling
// every stride-th key and doubling the stride when the sample fills.
func (d *DB) SplitKeys(bucket, after string, parts, minPart int) (splits []string, keys int, err error) {
	if parts < 2 {
		return nil, 0, nil
	}
	limit := 8 * parts
	var sample []string
	err = d.view(func(txn *badger.Txn) error {
		base := objectBase(bucket)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: base})
		defer it.Close()
		start := base
		if after != "" {
			// The smallest key after after is after+"\x00".
			start = concat(append(concat(base), after...), 0)
		}
		stride, n := 1, 0
		for it.Seek(start); it.Valid(); it.Next() {
			if n%stride == 0 {
				sample = append(sample, string(it.Item().Key()[len(base):]))
				if len(sample) == limit {
					sample = halve(sample)
					stride *= 2
				}
			}
			n++
		}
		keys = n
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if minPart > 0 {
		parts = min(parts, keys/minPart)
	}
	return quantiles(sample, parts), keys, nil
}

// halve keeps every other key of a sample.
func halve(s []string) []string {
	out := s[:0]
	for i := 0; i < len(s); i += 2 {
		out = append(out, s[i])
	}
	clear(s[len(out):])
	return out
}

// quantiles picks parts-1 distinct keys of an ascending sample, evenly
// spread; none when the sample is too small to cut.
func quantiles(s []string, parts int) []string {
	if parts < 2 || len(s) < parts {
		return nil
	}
	var out []string
	for i := 1; i < parts; i++ {
		k := s[i*len(s)/parts]
		if len(out) == 0 || k > out[len(out)-1] {
			out = append(out, k)
		}
	}
	return out
}
