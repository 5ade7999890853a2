package mirror

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// The one-key paths: what a read through the gateway finds missing or
// stale in the index is read from the backend and indexed here, with the
// same conversion and the same index writes as a pass. A key or version
// the backend does not have is an error wrapping index.ErrNotFound.

// versionOf is the index record of backend object o at gateway key, the
// one conversion of what the backend says about a version. A listing
// (headers false) shows no headers: they are pending, except for a delete
// marker, which has none. A HEAD (headers true) shows them, and they are
// the version's metadata. Times are kept in UTC, as every other record.
func versionOf(key string, o backend.Object, headers bool) index.Version {
	v := index.Version{
		Key:            key,
		VersionID:      o.VersionID,
		IsDeleteMarker: o.IsDeleteMarker,
		Size:           o.Size,
		ETag:           o.ETag,
		LastModified:   o.LastModified.UTC(),
	}
	if headers {
		v.Metadata = metadataOf(o)
	} else {
		v.MetaPending = !o.IsDeleteMarker
	}
	return v
}

// metadataOf is the object metadata of a HEAD's answer: nil when there is
// none, as a write through the gateway stores it.
func metadataOf(o backend.Object) map[string]string {
	if len(o.Metadata) == 0 {
		return nil
	}
	return o.Metadata
}

// PointRead looks up a key the index does not know on the backend and, if
// it is there, indexes its latest version at once, so that an object
// written directly to the backend is served before the next pass. A
// failure to index is logged: the object is there all the same.
func (m *Manager) PointRead(ctx context.Context, bucket, key string) (index.Version, error) {
	t, err := m.resolve(bucket)
	if err != nil {
		return index.Version{}, err
	}
	// Writes through the gateway indexed after this instant are kept by
	// SetKeyVersions as newer than what this HEAD sees.
	listedAt := time.Now()
	o, err := t.Source.HeadObject(ctx, t.Prefix+key, "")
	if backend.IsNotFound(err) {
		return index.Version{}, fmt.Errorf("%s/%s on the backend: %w", bucket, key, index.ErrNotFound)
	}
	if err != nil {
		return index.Version{}, fmt.Errorf("read %s from the backend: %w", key, err)
	}
	v := versionOf(key, o, true)
	if _, err := m.db.SetKeyVersions(bucket, key, []index.Version{v}, listedAt); err != nil {
		m.log.Warn("mirror: index a point read", "bucket", bucket, "key", key, "err", err)
	}
	return v, nil
}

// ReadVersion reads one version of key from the backend without indexing
// it: recording a version the index does not know would make it the
// latest, which it may not be.
func (m *Manager) ReadVersion(ctx context.Context, bucket, key, versionID string) (index.Version, error) {
	t, err := m.resolve(bucket)
	if err != nil {
		return index.Version{}, err
	}
	o, err := t.Source.HeadObject(ctx, t.Prefix+key, versionID)
	if backend.IsNotFound(err) {
		return index.Version{}, fmt.Errorf("version %s of %s/%s on the backend: %w", versionID, bucket, key, index.ErrNotFound)
	}
	if err != nil {
		return index.Version{}, fmt.Errorf("read version %s of %s from the backend: %w", versionID, key, err)
	}
	v := versionOf(key, o, true)
	if v.VersionID != versionID {
		// A backend that ignores versionId on HEAD answered with
		// another version.
		return index.Version{}, fmt.Errorf("version %s of %s/%s on the backend: %w", versionID, bucket, key, index.ErrNotFound)
	}
	return v, nil
}

// Complete fills in the headers of a version listed but not yet read, so
// that a HEAD answers with them, and stores them as a pass's header reads
// do. A failure is logged and v returned as it was; so is v when the
// backend's version has other content by now (a null version replaced in
// place).
func (m *Manager) Complete(ctx context.Context, bucket string, v index.Version) index.Version {
	if !v.MetaPending || v.IsDeleteMarker {
		return v
	}
	t, err := m.resolve(bucket)
	if err != nil {
		m.log.Warn("mirror: read the headers of a listed version", "bucket", bucket, "key", v.Key, "err", err)
		return v
	}
	o, err := t.Source.HeadObject(ctx, t.Prefix+v.Key, v.VersionID)
	if err != nil {
		m.log.Warn("mirror: read the headers of a listed version", "bucket", bucket, "key", v.Key, "err", err)
		return v
	}
	if o.ETag != "" && v.ETag != "" && o.ETag != v.ETag {
		// The version changed in place since it was listed (a null
		// version): these headers are another content's, and the next
		// pass lists the new content and reads them again.
		return v
	}
	meta := metadataOf(o)
	read := index.MetadataRead{Key: v.Key, VersionID: v.VersionID, ETag: v.ETag, Metadata: meta}
	if _, err := m.db.StoreMetadata(bucket, []index.MetadataRead{read}); err != nil {
		m.log.Warn("mirror: index the headers of a listed version", "bucket", bucket, "key", v.Key, "err", err)
	}
	v.Metadata, v.MetaPending = meta, false
	return v
}

// RefreshKey reads every version of key from the backend and makes the
// index agree, for a read that found the indexed version gone: the object
// was changed out of band and no pass has caught up yet. It returns the
// new latest version, its headers read.
func (m *Manager) RefreshKey(ctx context.Context, bucket, key string) (index.Version, error) {
	t, err := m.resolve(bucket)
	if err != nil {
		return index.Version{}, err
	}
	if err := m.refreshTarget(ctx, t, bucket, key); err != nil {
		return index.Version{}, err
	}
	latest, err := m.db.Latest(bucket, key)
	if err != nil {
		return index.Version{}, fmt.Errorf("latest version of %s/%s after a refresh: %w", bucket, key, err)
	}
	return m.Complete(ctx, bucket, latest), nil
}

// refresh makes the index's versions of key agree with the backend's: the
// one path of a change feed's hint, and of a read that found a key stale.
func (m *Manager) refresh(ctx context.Context, bucket, key string) error {
	t, err := m.resolve(bucket)
	if err != nil {
		return err
	}
	return m.refreshTarget(ctx, t, bucket, key)
}

func (m *Manager) refreshTarget(ctx context.Context, t Target, bucket, key string) error {
	// Writes through the gateway indexed after this instant are kept by
	// SetKeyVersions as newer than what this listing sees.
	listedAt := time.Now()
	versions, err := listKey(ctx, t, key)
	if err != nil {
		return fmt.Errorf("list the versions of %s/%s on the backend: %w", bucket, key, err)
	}
	if _, err := m.db.SetKeyVersions(bucket, key, versions, listedAt); err != nil {
		return fmt.Errorf("index the versions of %s/%s: %w", bucket, key, err)
	}
	return nil
}

// listKey lists every version of one key.
func listKey(ctx context.Context, t Target, key string) ([]index.Version, error) {
	full := t.Prefix + key
	var versions []index.Version
	keyMarker, idMarker := "", ""
	for {
		page, err := t.Source.ListVersions(ctx, full, keyMarker, idMarker, 1000)
		if err != nil {
			return nil, err
		}
		done := !page.IsTruncated
		for _, o := range page.Versions {
			if o.Key != full {
				// Keys that merely start with this one sort after
				// it: this key's versions are all read.
				done = true
				break
			}
			versions = append(versions, versionOf(key, o, false))
		}
		if done {
			return versions, nil
		}
		keyMarker, idMarker = page.NextKeyMarker, page.NextVersionIDMarker
	}
}

var _ index.KeyRefresher = (*Manager)(nil)

// RepairKey re-reads one key whose index write failed after the backend
// stored the change (index.KeyRefresher). A bucket deleted since, or a key
// with no version left, needs no repair.
func (m *Manager) RepairKey(ctx context.Context, bucket, key string) error {
	_, err := m.RefreshKey(ctx, bucket, key)
	var e *s3err.Error
	if err == nil || errors.Is(err, index.ErrNotFound) || (errors.As(err, &e) && e.Code == string(s3err.NoSuchBucket)) {
		return nil
	}
	return err
}
