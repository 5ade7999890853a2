package mirror

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
)

// TestConvergence mixes writes through the gateway (backend write, then
// the index), writes made directly on the backend, index damage and
// interrupted passes, then runs one pass: the index must hold exactly the
// backend's versions, key by key and version by version, with their
// headers.
func TestConvergence(t *testing.T) {
	seeds := 40
	if testing.Short() {
		seeds = 10
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(seed), 7))
			opts := testOptions()
			opts.PageSize = 1 + rng.IntN(5)
			h := newHarness(t, opts)
			bucket, prefix := "mb", ""
			if seed%4 == 3 {
				bucket, prefix = "pb", "pb/"
				h.be.put("other/x", "x", nil) // another bucket's object
			}
			h.createBucket(bucket, prefix == "")
			h.prefixes[bucket] = prefix
			c := &chaos{h: h, rng: rng, bucket: bucket, prefix: prefix}
			for range 80 {
				c.step()
			}
			h.be.setHooks(nil, nil)
			h.pass(bucket)
			h.converged(bucket)
		})
	}
}

// chaos makes random changes to a bucket's backend and index.
type chaos struct {
	h      *harness
	rng    *rand.Rand
	bucket string
	prefix string
	n      int
}

func (c *chaos) key() string {
	return fmt.Sprintf("k%d", c.rng.IntN(10))
}

// version picks an existing version of key on the backend, or nil.
func (c *chaos) version(key string) *fakeVersion {
	c.h.be.mu.Lock()
	defer c.h.be.mu.Unlock()
	vs := c.h.be.keys[c.prefix+key]
	if len(vs) == 0 {
		return nil
	}
	return vs[c.rng.IntN(len(vs))]
}

func (c *chaos) record(key string, v *fakeVersion) {
	rec := index.Version{Key: key, VersionID: v.id, IsDeleteMarker: v.dm, Size: v.size, ETag: v.etag, LastModified: v.mod, Metadata: v.meta}
	if err := c.h.db.RecordVersion(c.bucket, rec); err != nil {
		c.h.t.Fatal(err)
	}
}

func (c *chaos) step() {
	be, k := c.h.be, c.key()
	bk := c.prefix + k
	c.n++
	body := fmt.Sprint("body ", c.n)
	m := meta("X-Amz-Meta-N", fmt.Sprint(c.n))
	switch op := c.rng.IntN(14); op {
	case 0, 1: // out of band: a new version
		be.put(bk, body, m)
	case 2: // out of band: a delete marker
		be.deleteKey(bk)
	case 3: // out of band: a version (or delete marker) removed
		if v := c.version(k); v != nil {
			be.deleteVersion(bk, v.id)
		}
	case 4: // out of band: metadata-only copy in place
		if v := c.version(k); v != nil && !v.dm && be.latest(bk) == v {
			be.copyInPlace(bk, m)
		}
	case 5: // out of band: multipart upload
		be.multipart(bk, 2+c.rng.IntN(3), 1<<20, m)
	case 6: // out of band: null version written (versioning suspended)
		be.putNull(bk, body, m)
	case 7, 8: // through the gateway: a new version
		c.record(k, be.put(bk, body, m))
	case 9: // through the gateway: a delete marker
		c.record(k, be.deleteKey(bk))
	case 10: // through the gateway: a version removed
		if v := c.version(k); v != nil {
			be.deleteVersion(bk, v.id)
			if err := c.h.db.RemoveVersion(c.bucket, k, v.id); err != nil {
				c.h.t.Fatal(err)
			}
		}
	case 11: // index damage: a version the backend never had
		v := &fakeVersion{id: fmt.Sprint("phantom", c.n), size: 1, etag: `"phantom"`, mod: be.clock}
		c.record(k, v)
	case 12: // index damage: a version lost from the index
		if v := c.version(k); v != nil {
			if err := c.h.db.RemoveVersion(c.bucket, k, v.id); err != nil {
				c.h.t.Fatal(err)
			}
		}
	case 13: // a pass, which the backend may cut short
		c.pass()
	}
}

// pass runs a pass whose listing fails at a random page half the time, and
// checks that it lost nothing the backend still has.
func (c *chaos) pass() {
	errCut := errors.New("connection reset")
	failAt := -1
	if c.rng.IntN(2) == 0 {
		failAt = len(c.h.be.calls()) + c.rng.IntN(4)
	}
	c.h.be.setHooks(nil, func(call int, _ *backend.VersionPage) error {
		if call == failAt {
			return errCut
		}
		return nil
	})
	before := c.h.snapshot(c.bucket)
	_, err := c.h.tryPass(c.bucket)
	c.h.be.setHooks(nil, nil)
	switch {
	case errors.Is(err, errCut):
		// Every entry the backend still has, or that was indexed before the
		// pass, is still there or was replaced by the backend's.
		after := c.h.snapshot(c.bucket)
		backendNow := c.h.be.snapshot(c.prefix)
		for _, line := range before {
			if slices.Contains(backendNow, line) && !slices.Contains(after, line) {
				c.h.t.Fatalf("an interrupted pass removed %s", line)
			}
		}
	case err != nil:
		c.h.t.Fatal(err)
	default:
		c.h.converged(c.bucket)
	}
}
