package mirror

import (
	"context"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/catalog"
)

// Source is what the ingester reads from a backend. *backend.Client
// satisfies it; fault tests wrap it.
type Source interface {
	// ListVersions lists one page of versions and delete markers, keys
	// ascending, newest first within a key.
	ListVersions(ctx context.Context, prefix, keyMarker, versionIDMarker string, maxKeys int) (backend.VersionPage, error)
	// HeadObject reads one version's headers.
	HeadObject(ctx context.Context, key, versionID string) (backend.Object, error)
}

// Target is where a gateway bucket's objects live: the source and the key
// prefix ("" for a no-prefix location, "<bucket>/" otherwise) that is
// stripped from backend keys.
type Target struct {
	Source Source
	Prefix string
}

// Resolver finds the Target of a gateway bucket.
type Resolver func(bucket string) (Target, error)

// FromCatalog is the Resolver of the catalog's Resolve.
func FromCatalog(resolve func(bucket string) (catalog.Target, error)) Resolver {
	return func(bucket string) (Target, error) {
		t, err := resolve(bucket)
		if err != nil {
			return Target{}, err
		}
		return Target{Source: t.Client, Prefix: t.Prefix}, nil
	}
}
