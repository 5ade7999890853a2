package catalog

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// Config assembles a catalog.
type Config struct {
	DB *index.DB
	// DefaultLocation binds buckets created with no location.
	DefaultLocation string
	// Observe, if set, is told of every backend request (for metrics),
	// with the name of the location whose client made it.
	Observe func(location, op string, status int, d time.Duration)
	// Backend bounds the calls to every location's backend and sets
	// their breakers; its Monitor publishes their health.
	Backend backend.Options
	// Logger receives lifecycle events; nil means slog.Default().
	Logger *slog.Logger
}

// Ingester starts and stops the mirroring of mirror buckets;
// *mirror.Manager satisfies it. The catalog calls it while it holds its
// lock, so that a bucket's record and its ingester come and go together.
type Ingester interface {
	// Add starts mirroring a mirror bucket whose record is stored; on an
	// error the catalog removes the record again.
	Add(bucket string) error
	// Remove stops mirroring a bucket, before its record is deleted.
	Remove(bucket string)
}

// FeedSwitcher makes a running mirror bucket follow its location's
// feed as stored now; *mirror.Manager satisfies it.
type FeedSwitcher interface {
	SwitchFeed(bucket string) error
}

// Catalog is the store of locations and buckets with their rules.
type Catalog struct {
	db              *index.DB
	log             *slog.Logger
	defaultLocation string
	clients         *clientCache
	// manage serialises location and bucket changes, so that the checks
	// of one (a no-prefix location's single bucket, a location in use)
	// still hold when it writes.
	manage sync.Mutex

	feedsMu sync.Mutex
	feeds   FeedSwitcher // nil until FollowFeeds
}

// FollowFeeds has every later change of a location's feed or webhook
// token switch the feeds of its running mirror buckets. The ingester is
// built after the catalog, hence a setter.
func (c *Catalog) FollowFeeds(s FeedSwitcher) {
	c.feedsMu.Lock()
	defer c.feedsMu.Unlock()
	c.feeds = s
}

// New builds a catalog over an open index.
func New(cfg Config) (*Catalog, error) {
	if cfg.DB == nil {
		return nil, errors.New("catalog: no index")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Catalog{
		db:              cfg.DB,
		log:             log,
		defaultLocation: cfg.DefaultLocation,
		clients:         newClientCache(cfg.Observe, cfg.Backend, log),
	}, nil
}

// DefaultLocation is the location of buckets created without one.
func (c *Catalog) DefaultLocation() string { return c.defaultLocation }

// Target is where a gateway bucket's objects live.
type Target struct {
	Bucket   index.Bucket
	Location index.Location
	Client   *backend.Client
	// Prefix is prepended to object keys: "" on a no-prefix location,
	// "<bucket>/" otherwise.
	Prefix string
}

// Key is the backend key of an object key.
func (t Target) Key(k string) string { return t.Prefix + k }

// Resolve looks up a gateway bucket with its location and backend client;
// an unknown bucket is NoSuchBucket. Every request needs one, so
// resolutions are cached until the index's catalog generation says a
// bucket or location record was written.
func (c *Catalog) Resolve(bucket string) (Target, error) {
	gen := c.db.CatalogGeneration()
	if t, ok := c.clients.cachedTarget(bucket, gen); ok {
		return t, nil
	}
	t, err := c.resolve(bucket)
	if err != nil {
		// The cache holds only buckets that exist; the generation has
		// already made this entry, if any, unusable.
		c.clients.targets.Delete(bucket)
		return t, err
	}
	// The generation was read before the records: a write that finished
	// since has moved it, and the entry is already stale, never wrong.
	c.clients.targets.Store(bucket, &cachedTarget{gen: gen, t: t})
	return t, nil
}

// resolve reads a gateway bucket, its location and the location's client.
func (c *Catalog) resolve(bucket string) (Target, error) {
	b, err := c.db.GetBucket(bucket)
	if errors.Is(err, index.ErrNotFound) {
		return Target{}, NoSuchBucket(bucket)
	}
	if err != nil {
		return Target{}, fmt.Errorf("read bucket %s: %w", bucket, err)
	}
	loc, err := c.db.GetLocation(b.Location)
	if err != nil {
		return Target{}, fmt.Errorf("read location %s of bucket %s: %w", b.Location, bucket, err)
	}
	cl, err := c.clients.get(loc)
	if err != nil {
		return Target{}, err
	}
	t := Target{Bucket: b, Location: loc, Client: cl}
	if !loc.NoPrefix {
		t.Prefix = bucket + "/"
	}
	return t, nil
}

// NoSuchBucket is the refusal for a gateway bucket that does not exist.
func NoSuchBucket(bucket string) *s3err.Error {
	// S3's own words, which SDKs and suites compare; the request names
	// the bucket.
	return s3err.Get(s3err.NoSuchBucket)
}
