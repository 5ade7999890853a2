package catalog

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
)

// clientCache keeps one backend client per location, rebuilt when the
// location's stored target changes, and the targets of the buckets
// resolved with them.
type clientCache struct {
	observe func(location, op string, status int, d time.Duration)
	opts    backend.Options
	log     *slog.Logger
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
	t   Target
}

func newClientCache(observe func(location, op string, status int, d time.Duration), opts backend.Options, log *slog.Logger) *clientCache {
	return &clientCache{observe: observe, opts: opts, log: log, byName: map[string]cachedClient{}}
}

// cachedTarget returns the target of bucket if it was resolved at
// generation gen.
func (c *clientCache) cachedTarget(bucket string, gen uint64) (Target, bool) {
	e, ok := c.targets.Load(bucket)
	if !ok {
		return Target{}, false
	}
	ct := e.(*cachedTarget)
	if ct.gen != gen {
		return Target{}, false
	}
	return ct.t, true
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
		// Requests still holding the old client finish with it.
		cc.client.Close()
	}
	if loc.Insecure {
		// Said every time the client is built, so it cannot be missed
		// in the logs of a deployment that kept a test rig's setting.
		c.log.Warn("TLS certificate verification is OFF for this location: anyone on the path can read and change its data",
			"location", loc.Name, "endpoint", loc.Endpoint)
	}
	c.byName[loc.Name] = cachedClient{loc: loc, client: client}
	return client, nil
}

// health is the breaker state of location's backend client, if one was
// built since the start.
func (c *clientCache) health(location string) (backend.Health, bool) {
	c.mu.Lock()
	cc, ok := c.byName[location]
	c.mu.Unlock()
	if !ok {
		return backend.Health{}, false
	}
	return cc.client.Health(), true
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
	var observe func(op string, status int, d time.Duration)
	if c.observe != nil {
		observe = func(op string, status int, d time.Duration) { c.observe(loc.Name, op, status, d) }
	}
	opts := c.opts
	opts.Timeouts = locationTimeouts(opts.Timeouts, loc)
	client, err := backend.New(backend.Config{
		Endpoint:           loc.Endpoint,
		Region:             loc.Region,
		AccessKey:          loc.AccessKey,
		SecretKey:          loc.SecretKey,
		Bucket:             loc.TargetBucket,
		CAFile:             loc.CAFile,
		InsecureSkipVerify: loc.Insecure,
		Observe:            observe,
		Location:           loc.Name,
		Options:            opts,
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
		a.Insecure == b.Insecure && a.ConnectTimeout == b.ConnectTimeout &&
		a.ResponseTimeout == b.ResponseTimeout && a.StallTimeout == b.StallTimeout
}
