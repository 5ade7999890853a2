package gateway

import (
	"context"
	"errors"
	"fmt"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// find returns the version of key a request names (versionID if
// hasVersion, else the latest, which may be a delete marker) from the
// index. A key the index does not know at all is looked up on the backend
// by the ingester and, if it is there, indexed at once (a point read), so
// that an object written directly to the backend is served before the
// ingester's next pass.
func (g *Gateway) find(ctx context.Context, t target, key, versionID string, hasVersion bool) (index.Version, error) {
	if hasVersion {
		return g.findVersion(ctx, t, key, versionID)
	}
	v, err := g.db.Latest(t.bucket.Name, key)
	if errors.Is(err, index.ErrNotFound) {
		v, err = g.mirror.PointRead(ctx, t.bucket.Name, key)
		if errors.Is(err, index.ErrNotFound) {
			return index.Version{}, noSuchKey()
		}
		return v, err
	}
	if err != nil {
		return index.Version{}, fmt.Errorf("read the latest version of %s/%s: %w", t.bucket.Name, key, err)
	}
	return g.mirror.Complete(ctx, t.bucket.Name, v), nil
}

// findVersion returns one version of key. A version the index does not
// know is asked of the backend but not indexed.
func (g *Gateway) findVersion(ctx context.Context, t target, key, versionID string) (index.Version, error) {
	v, err := g.db.GetVersion(t.bucket.Name, key, versionID)
	if err == nil {
		return g.mirror.Complete(ctx, t.bucket.Name, v), nil
	}
	if !errors.Is(err, index.ErrNotFound) {
		return index.Version{}, fmt.Errorf("read version %s of %s/%s: %w", versionID, t.bucket.Name, key, err)
	}
	v, err = g.mirror.ReadVersion(ctx, t.bucket.Name, key, versionID)
	if errors.Is(err, index.ErrNotFound) {
		return index.Version{}, noSuchVersion()
	}
	return v, err
}

// refreshKey makes the index agree with the backend on every version of
// key, for a read that found the indexed version gone, and returns the new
// latest version, or NoSuchKey when the backend has none.
func (g *Gateway) refreshKey(ctx context.Context, t target, key string) (index.Version, error) {
	v, err := g.mirror.RefreshKey(ctx, t.bucket.Name, key)
	if errors.Is(err, index.ErrNotFound) {
		return index.Version{}, noSuchKey()
	}
	return v, err
}

// pin is the backend version ID to read v with: a bucket that never had
// versioning is read without one.
func (t target) pin(v index.Version) string {
	if v.VersionID == index.NullVersion && !t.versioned() {
		return ""
	}
	return v.VersionID
}

// isNotFound reports whether the backend said the object or version is not
// there.
func isNotFound(err error) bool { return backend.IsNotFound(err) }

// isNoSuch reports whether err is a refusal for a missing key or version.
func isNoSuch(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Code == "NoSuchKey" || e.Code == "NoSuchVersion")
}

func noSuchKey() *Error {
	return s3err.Get(s3err.NoSuchKey)
}

func noSuchVersion() *Error {
	return s3err.Get(s3err.NoSuchVersion)
}
