package gateway

import (
	"context"
	"fmt"
	"time"

	"github.com/ringside/ringside/index"
)

// refreshKey reads every version of key from the backend and makes the
// index agree, for a read that found the indexed version gone: the object
// was changed out of band and the ingester has not caught up yet. It
// returns the new latest version, or NoSuchKey when the backend has none.
func (g *Gateway) refreshKey(ctx context.Context, t target, key string) (index.Version, error) {
	listedAt := time.Now()
	full := t.key(key)
	var versions []index.Version
	keyMarker, idMarker := "", ""
	for {
		page, err := t.client.ListVersions(ctx, full, keyMarker, idMarker, 1000)
		if err != nil {
			return index.Version{}, fmt.Errorf("list the versions of %s/%s on the backend: %w", t.bucket.Name, key, err)
		}
		done := !page.IsTruncated
		for _, o := range page.Versions {
			if o.Key != full {
				// Keys that merely start with this one sort after
				// it: this key's versions are all read.
				done = true
				break
			}
			v := versionOf(key, o)
			v.MetaPending = !v.IsDeleteMarker
			versions = append(versions, v)
		}
		if done {
			break
		}
		keyMarker, idMarker = page.NextKeyMarker, page.NextVersionIDMarker
	}
	if _, err := g.db.SetKeyVersions(t.bucket.Name, key, versions, listedAt); err != nil {
		return index.Version{}, fmt.Errorf("index the versions of %s/%s: %w", t.bucket.Name, key, err)
	}
	latest, err := g.db.Latest(t.bucket.Name, key)
	if err != nil {
		return index.Version{}, noSuchKey()
	}
	return g.complete(ctx, t, latest), nil
}
