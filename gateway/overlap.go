package gateway

import (
	"context"
	"sync"
)

// Writes of one key through ringside are not serialised: two PUTs of a
// key may reach the backend in one order and the index in the other, and
// the index would then name as latest a version the backend does not.
// Each write that changes a key's versions registers while it runs; one
// that ran alongside another write of the same key reads the key's
// versions again from the backend once it has recorded its own, so that
// the last of them leaves the index in the backend's order.

// overlaps tracks the writes in flight per key.
type overlaps struct {
	mu   sync.Mutex
	busy map[string]*busyKey
}

// busyKey is one stretch of time during which a key had writes in
// flight; overlapped is set once two ran at the same time.
type busyKey struct {
	inFlight   int
	overlapped bool
}

// begin registers a write of bucket/key; end, called when it is recorded,
// reports whether another write of the key ran meanwhile.
func (o *overlaps) begin(bucket, key string) (end func() (overlapped bool)) {
	k := bucket + "/" + key
	o.mu.Lock()
	if o.busy == nil {
		o.busy = map[string]*busyKey{}
	}
	b := o.busy[k]
	if b == nil {
		b = &busyKey{}
		o.busy[k] = b
	}
	b.inFlight++
	if b.inFlight > 1 {
		b.overlapped = true
	}
	o.mu.Unlock()
	return func() bool {
		o.mu.Lock()
		defer o.mu.Unlock()
		b.inFlight--
		if b.inFlight == 0 && o.busy[k] == b {
			delete(o.busy, k)
		}
		return b.overlapped
	}
}

// writing registers a write of key in t; the function it returns ends it,
// reading the key's versions again from the backend when another write of
// the key overlapped it.
func (g *Gateway) writing(ctx context.Context, t target, key string) func() {
	end := g.overlaps.begin(t.bucket.Name, key)
	return func() {
		if !end() {
			return
		}
		if _, err := g.refreshKey(context.WithoutCancel(ctx), t, key); err != nil && !isNoSuch(err) {
			g.log.Warn("read again a key written concurrently", "bucket", t.bucket.Name, "key", key, "err", err)
		}
	}
}
