package gateway

import (
	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/index"
)

// target is where a gateway bucket's objects live, as the catalog
// resolves it.
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
func (g *Gateway) target(bucket string) (target, error) {
	t, err := g.cat.Resolve(bucket)
	if err != nil {
		return target{}, err
	}
	return target{bucket: t.Bucket, loc: t.Location, client: t.Client, prefix: t.Prefix}, nil
}

func noSuchBucket(bucket string) *Error { return catalog.NoSuchBucket(bucket) }
