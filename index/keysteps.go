package index

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// A key can have more versions than one Badger transaction holds (some
// 5,000 with the index's memtables). Its listing is then written in steps,
// each its own transaction, instead of failing, which would stop every pass
// at that key and keep the keys after it out of the index for good.

// firstStepOps is how many entries a step writes at first; a step that is
// still too big for a transaction is halved.
const firstStepOps = 1024

// errKeyMoved is what a step returns when the key no longer holds what the
// plan and the steps before it left: something else wrote it in between.
var errKeyMoved = errors.New("key changed between two steps of its write")

// stepHook, when set by a test, runs before each step after the first.
var stepHook func()

// keyPlan is one key's rewrite, planned from one snapshot of it.
type keyPlan struct {
	ops     []entryOp
	entries map[string][]byte // what the key's entries hold now, by entry key
	objects int64             // change to the objects counter, made by the O entry's op
}

// setKeyInSteps is SetKeyVersions for a key whose rewrite does not fit in
// one transaction. Each step first checks that the key holds what the plan
// and the steps before it left, so that a write through the gateway in
// between is never overwritten: the plan is made again from what the key
// holds then. The steps already written hold the listing's own versions,
// which a new plan keeps, so that the write converges. Readers may see
// the key half written meanwhile: some listed versions there, its latest
// version still the old one, as a listing taken during the write would.
func (d *DB) setKeyInSteps(bucket string, k KeyListing) (bool, error) {
	for attempt := 1; ; attempt++ {
		p, err := d.planKey(bucket, k)
		if err != nil || p == nil {
			return false, err
		}
		err = d.writeSteps(bucket, k.Key, p)
		if err == nil {
			slog.Info("index: wrote a key too big for one transaction in steps",
				"bucket", bucket, "key", k.Key, "versions", len(k.Versions), "entries", len(p.ops), "attempts", attempt)
			return true, nil
		}
		if !errors.Is(err, errKeyMoved) || attempt == maxAttempts {
			return false, fmt.Errorf("write %d versions of %s in steps: %w", len(k.Versions), k.Key, err)
		}
	}
}

// planKey plans k's rewrite; nil means the key already holds the listing.
func (d *DB) planKey(bucket string, k KeyListing) (*keyPlan, error) {
	var p *keyPlan
	err := d.view(func(txn *badger.Txn) error {
		states, err := readKeys(txn, bucket, []KeyListing{k})
		if err != nil {
			return err
		}
		st := states[0]
		final := merge(k.Key, st.vs, withoutRemoved(k.Versions, st.removed), k.ListedAt, time.Now())
		if sameVersions(final, st.vs) {
			return nil
		}
		ops, err := rewriteOps(bucket, k.Key, st.cur, st.vs, final)
		if err != nil {
			return err
		}
		p = &keyPlan{ops: ops, entries: make(map[string][]byte, len(st.vs)+1), objects: -st.cur.live()}
		if len(final) > 0 {
			p.objects += liveVersion(final[0])
		}
		if st.cur.found {
			p.entries[string(objectKey(bucket, k.Key))] = st.cur.raw
		}
		for _, s := range st.vs {
			p.entries[string(versionKey(bucket, k.Key, s.seq))] = s.raw
		}
		return nil
	})
	return p, err
}

// writeSteps writes p's ops a step at a time, the O entry's op last.
func (d *DB) writeSteps(bucket, key string, p *keyPlan) error {
	n := firstStepOps
	for done := 0; done < len(p.ops); {
		if done > 0 && stepHook != nil {
			stepHook()
		}
		step := p.ops[done:min(done+n, len(p.ops))]
		last := done+len(step) == len(p.ops)
		err := d.update(func(txn *badger.Txn, c *delta) error {
			if err := p.check(txn, bucket, key); err != nil {
				return err
			}
			*c = p.count(step, last)
			return applyOps(txn, step)
		})
		if errors.Is(err, badger.ErrTxnTooBig) && n > 1 {
			n /= 2
			continue
		}
		if err != nil {
			return err
		}
		p.apply(step)
		done += len(step)
	}
	return nil
}

// check returns errKeyMoved unless the key's entries are p.entries. Every
// entry is read, which also makes a concurrent write of any of them
// conflict with the step in Badger.
func (p *keyPlan) check(txn *badger.Txn, bucket, key string) error {
	seen := 0
	same := func(k, v []byte) bool {
		want, ok := p.entries[string(k)]
		seen++
		return ok && bytes.Equal(want, v)
	}
	cur, err := readCurrent(txn, bucket, key)
	if err != nil {
		return err
	}
	if cur.found && !same(objectKey(bucket, key), cur.raw) {
		return errKeyMoved
	}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: keyVersionsPrefix(bucket, key)})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		ok := false
		err := it.Item().Value(func(v []byte) error { ok = same(it.Item().Key(), v); return nil })
		if err != nil {
			return err
		}
		if !ok {
			return errKeyMoved
		}
	}
	if seen != len(p.entries) {
		return errKeyMoved
	}
	return nil
}

// count is what writing step changes in the counters; the objects counter
// changes with the last step, which writes the O entry.
func (p *keyPlan) count(step []entryOp, last bool) delta {
	var c delta
	for _, o := range step {
		_, had := p.entries[string(o.key)]
		switch {
		case o.object:
		case o.del && had:
			c.versions--
		case !o.del && !had:
			c.versions++
		}
	}
	if last {
		c.objects = p.objects
	}
	return c
}

// apply records that step was written.
func (p *keyPlan) apply(step []entryOp) {
	for _, o := range step {
		if o.del {
			delete(p.entries, string(o.key))
		} else {
			p.entries[string(o.key)] = o.raw
		}
	}
}
