package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
)

// find returns the version of key a request names (versionID if
// hasVersion, else the latest, which may be a delete marker) from the
// index. A key the index does not know at all is looked up on the backend
// and, if it is there, indexed at once (a point read), so that an object
// written directly to the backend is served before the ingester's next pass.
func (g *Gateway) find(ctx context.Context, t target, key, versionID string, hasVersion bool) (index.Version, error) {
	if hasVersion {
		return g.findVersion(ctx, t, key, versionID)
	}
	v, err := g.db.Latest(t.bucket.Name, key)
	if errors.Is(err, index.ErrNotFound) {
		return g.pointRead(ctx, t, key)
	}
	if err != nil {
		return index.Version{}, fmt.Errorf("read the latest version of %s/%s: %w", t.bucket.Name, key, err)
	}
	return g.complete(ctx, t, v), nil
}

// findVersion returns one version of key. A version the index does not
// know is asked of the backend but not indexed: recording it would make it
// the latest version, which it may not be.
func (g *Gateway) findVersion(ctx context.Context, t target, key, versionID string) (index.Version, error) {
	v, err := g.db.GetVersion(t.bucket.Name, key, versionID)
	if err == nil {
		return g.complete(ctx, t, v), nil
	}
	if !errors.Is(err, index.ErrNotFound) {
		return index.Version{}, fmt.Errorf("read version %s of %s/%s: %w", versionID, t.bucket.Name, key, err)
	}
	o, err := t.client.HeadObject(ctx, t.key(key), versionID)
	if isNotFound(err) {
		return index.Version{}, noSuchVersion()
	}
	if err != nil {
		return index.Version{}, fmt.Errorf("read version %s of %s from the backend: %w", versionID, key, err)
	}
	v = versionOf(key, o)
	if v.VersionID != versionID {
		// A backend that ignores versionId on HEAD answered with
		// another version.
		return index.Version{}, noSuchVersion()
	}
	return v, nil
}

// pointRead looks up a key the index does not know on the backend.
func (g *Gateway) pointRead(ctx context.Context, t target, key string) (index.Version, error) {
	// Writes through the gateway indexed after this instant are kept by
	// SetKeyVersions as newer than what this HEAD sees.
	listedAt := time.Now()
	o, err := t.client.HeadObject(ctx, t.key(key), "")
	if isNotFound(err) {
		return index.Version{}, noSuchKey()
	}
	if err != nil {
		return index.Version{}, fmt.Errorf("read %s from the backend: %w", key, err)
	}
	v := versionOf(key, o)
	if _, err := g.db.SetKeyVersions(t.bucket.Name, key, []index.Version{v}, listedAt); err != nil {
		// The object is there all the same; the ingester or the next
		// read indexes it.
		g.log.Warn("index a point read", "bucket", t.bucket.Name, "key", key, "err", err)
	}
	return v, nil
}

// complete fills in the headers of a version the ingester has listed but
// not yet read, so that a HEAD answers with them.
func (g *Gateway) complete(ctx context.Context, t target, v index.Version) index.Version {
	if !v.MetaPending || v.IsDeleteMarker {
		return v
	}
	o, err := t.client.HeadObject(ctx, t.key(v.Key), v.VersionID)
	if err != nil {
		g.log.Warn("read the headers of a listed version", "bucket", t.bucket.Name, "key", v.Key, "err", err)
		return v
	}
	meta := keptMetadata(o.Metadata)
	if err := g.db.CompleteMetadata(t.bucket.Name, v.Key, v.VersionID, meta); err != nil {
		g.log.Warn("index the headers of a listed version", "bucket", t.bucket.Name, "key", v.Key, "err", err)
	}
	v.Metadata, v.MetaPending = meta, false
	return v
}

// versionOf is the index record of a backend object at key.
func versionOf(key string, o backend.Object) index.Version {
	id := o.VersionID
	if id == "" {
		id = index.NullVersion
	}
	return index.Version{
		Key:            key,
		VersionID:      id,
		IsDeleteMarker: o.IsDeleteMarker,
		Size:           o.Size,
		ETag:           o.ETag,
		LastModified:   o.LastModified.UTC(),
		Metadata:       keptMetadata(o.Metadata),
	}
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
func isNotFound(err error) bool {
	var be *backend.Error
	if !errors.As(err, &be) {
		return false
	}
	switch be.Code {
	case "NoSuchKey", "NoSuchVersion", "NotFound":
		return true
	case "NoSuchBucket":
		return false
	}
	return be.Status == http.StatusNotFound
}

// isNoSuch reports whether err is a refusal for a missing key or version.
func isNoSuch(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Code == "NoSuchKey" || e.Code == "NoSuchVersion")
}

func noSuchKey() *Error {
	return s3Err("NoSuchKey", http.StatusNotFound, "The specified key does not exist.")
}

func noSuchVersion() *Error {
	return s3Err("NoSuchVersion", http.StatusNotFound, "The specified version does not exist.")
}
