package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
)

// target is where a gateway bucket's objects live.
type target struct {
	bucket index.Bucket
	loc    index.Location
	client *backend.Client
	// prefix is prepended to object keys: "" on a no-prefix location,
	// "<bucket>/" otherwise.
	prefix string
}

// key is the backend key of an object key.
func (t target) key(k string) string { return t.prefix + k }

// versioned reports whether the bucket has ever had versioning, so its
// writes return version IDs.
func (t target) versioned() bool { return t.bucket.Versioning != "" }

// target looks up a gateway bucket with its location and backend client.
// Every request needs one, so resolutions are cached until the index's
// catalog generation says a bucket or location record was written.
func (g *Gateway) target(bucket string) (target, error) {
	gen := g.db.CatalogGeneration()
	if t, ok := g.clients.cachedTarget(bucket, gen); ok {
		return t, nil
	}
	t, err := g.resolve(bucket)
	if err != nil {
		// The cache holds only buckets that exist; the generation has
		// already made this entry, if any, unusable.
		g.clients.targets.Delete(bucket)
		return t, err
	}
	// The generation was read before the records: a write that finished
	// since has moved it, and the entry is already stale, never wrong.
	g.clients.targets.Store(bucket, &cachedTarget{gen: gen, t: t})
	return t, nil
}

// resolve reads a gateway bucket, its location and the location's client.
func (g *Gateway) resolve(bucket string) (target, error) {
	b, err := g.db.GetBucket(bucket)
	if errors.Is(err, index.ErrNotFound) {
		return target{}, noSuchBucket(bucket)
	}
	if err != nil {
		return target{}, fmt.Errorf("read bucket %s: %w", bucket, err)
	}
	loc, err := g.db.GetLocation(b.Location)
	if err != nil {
		return target{}, fmt.Errorf("read location %s of bucket %s: %w", b.Location, bucket, err)
	}
	c, err := g.clients.get(loc)
	if err != nil {
		return target{}, err
	}
	t := target{bucket: b, loc: loc, client: c}
	if !loc.NoPrefix {
		t.prefix = bucket + "/"
	}
	return t, nil
}

func noSuchBucket(bucket string) *Error {
	return &Error{Code: "NoSuchBucket", Status: http.StatusNotFound,
		Message: fmt.Sprintf("The specified bucket %q does not exist.", bucket)}
}

// clientCache keeps one backend client per location, rebuilt when the
// location's stored target changes, and the targets of the buckets
// resolved with them.
type clientCache struct {
	observe func(op string, status int, d time.Duration)
	opts    backend.Options
	mu      sync.Mutex
	byName  map[string]cachedClient
	// targets maps a bucket name to its *cachedTarget. Reads vastly
	// outnumber writes, and sync.Map reads them without a lock that 16
	// concurrent HEADs would queue on.
	targets sync.Map
}

type cachedClient struct {
	loc    index.Location
	client *backend.Client
}

// cachedTarget is a bucket's target as resolved at catalog generation gen.
type cachedTarget struct {
	gen uint64
	t   target
}

// cachedTarget returns the target of bucket if it was resolved at
// generation gen.
func (c *clientCache) cachedTarget(bucket string, gen uint64) (target, bool) {
	e, ok := c.targets.Load(bucket)
	if !ok {
		return target{}, false
	}
	ct := e.(*cachedTarget)
	if ct.gen != gen {
		return target{}, false
	}
	return ct.t, true
}

func newClientCache(observe func(op string, status int, d time.Duration), opts backend.Options) *clientCache {
	return &clientCache{observe: observe, opts: opts, byName: map[string]cachedClient{}}
}

// get returns the client of loc.
func (c *clientCache) get(loc index.Location) (*backend.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cc, ok := c.byName[loc.Name]
	if ok && sameTarget(cc.loc, loc) {
		return cc.client, nil
	}
	client, err := c.newClient(loc)
	if err != nil {
		return nil, err
	}
	if ok {
		cc.client.Close()
	}
	if loc.Insecure {
		// Said every time the client is built, so it cannot be missed
		// in the logs of a deployment that kept a test rig's setting.
		slog.Warn("TLS certificate verification is OFF for this location: anyone on the path can read and change its data",
			"location", loc.Name, "endpoint", loc.Endpoint)
	}
	c.byName[loc.Name] = cachedClient{loc: loc, client: client}
	return client, nil
}

// forget drops the client of a removed location. The bucket targets
// holding it need no purge: the location's removal moved the catalog
// generation.
func (c *clientCache) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cc, ok := c.byName[name]; ok {
		cc.client.Close()
	}
	delete(c.byName, name)
}

// newClient builds the backend client of a location.
func (c *clientCache) newClient(loc index.Location) (*backend.Client, error) {
	client, err := backend.New(backend.Config{
		Endpoint:           loc.Endpoint,
		Region:             loc.Region,
		AccessKey:          loc.AccessKey,
		SecretKey:          loc.SecretKey,
		Bucket:             loc.TargetBucket,
		CAFile:             loc.CAFile,
		InsecureSkipVerify: loc.Insecure,
		Observe:            c.observe,
		Location:           loc.Name,
		Options:            c.opts,
	})
	if err != nil {
		return nil, fmt.Errorf("build the backend client of location %s: %w", loc.Name, err)
	}
	return client, nil
}

// sameTarget reports whether two versions of a location reach the same
// backend bucket the same way.
func sameTarget(a, b index.Location) bool {
	return a.Endpoint == b.Endpoint && a.Region == b.Region &&
		a.AccessKey == b.AccessKey && a.SecretKey == b.SecretKey &&
		a.TargetBucket == b.TargetBucket && a.CAFile == b.CAFile &&
		a.Insecure == b.Insecure
}
