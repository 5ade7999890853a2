package index

// Stubs: the index API as the rest of ringside codes against it. Each stub is
// replaced by its implementation; this file disappears when all are done.

import (
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// DB is the metadata index.
type DB struct {
	db *badger.DB
}

// Open opens (creating if needed) the index under dir, with memory settings
// fit for a sidecar.
func Open(dir string) (*DB, error) { panic("todo") }

// OpenInMemory opens an index that lives in memory only, for tests.
func OpenInMemory() (*DB, error) { panic("todo") }

// Close flushes and closes the index.
func (d *DB) Close() error { panic("todo") }

// Stats counts buckets, current objects and versions.
func (d *DB) Stats() (Stats, error) { panic("todo") }

// PutLocation creates or replaces a location.
func (d *DB) PutLocation(l Location) error { panic("todo") }

// CreateLocation creates a location; ErrExists if the name is taken.
func (d *DB) CreateLocation(l Location) error { panic("todo") }

// GetLocation returns a location or ErrNotFound.
func (d *DB) GetLocation(name string) (Location, error) { panic("todo") }

// ListLocations returns every location sorted by name.
func (d *DB) ListLocations() ([]Location, error) { panic("todo") }

// DeleteLocation removes a location or returns ErrNotFound.
func (d *DB) DeleteLocation(name string) error { panic("todo") }

// CreateBucket creates a bucket; ErrExists if the name is taken.
func (d *DB) CreateBucket(b Bucket) error { panic("todo") }

// PutBucket creates or replaces a bucket record (its objects are untouched).
func (d *DB) PutBucket(b Bucket) error { panic("todo") }

// GetBucket returns a bucket or ErrNotFound.
func (d *DB) GetBucket(name string) (Bucket, error) { panic("todo") }

// ListBuckets returns every bucket sorted by name.
func (d *DB) ListBuckets() ([]Bucket, error) { panic("todo") }

// DeleteBucket removes a bucket with its versions and ingest state.
func (d *DB) DeleteBucket(name string) error { panic("todo") }

// BucketIsEmpty reports whether the bucket has no current object.
func (d *DB) BucketIsEmpty(name string) (bool, error) { panic("todo") }

// RecordVersion records a write made through the gateway: v becomes the
// latest version of its key. A version with the same VersionID is updated in
// place without reordering; a NullVersion replaces the previous null version.
// IndexedAt is set to now.
func (d *DB) RecordVersion(bucket string, v Version) error { panic("todo") }

// RemoveVersion forgets a version that is gone from the backend; the next
// one becomes latest. Removing an unknown version is not an error.
func (d *DB) RemoveVersion(bucket, key, versionID string) error { panic("todo") }

// Latest returns the newest version of key, which may be a delete marker,
// or ErrNotFound when the key has no versions.
func (d *DB) Latest(bucket, key string) (Version, error) { panic("todo") }

// GetVersion returns one version of key or ErrNotFound.
func (d *DB) GetVersion(bucket, key, versionID string) (Version, error) { panic("todo") }

// KeyVersions returns every version of key, newest first.
func (d *DB) KeyVersions(bucket, key string) ([]Version, error) { panic("todo") }

// SetKeyVersions makes key's versions exactly versions (newest first, as the
// backend lists them), keeping the known Metadata of versions that stay.
// Versions indexed after listedAt and absent from versions are kept, as the
// newest: they are gateway writes the listing began too early to see. It
// writes nothing when nothing differs and reports whether it changed
// anything. An empty versions removes the key, subject to the same rule.
func (d *DB) SetKeyVersions(bucket, key string, versions []Version, listedAt time.Time) (bool, error) {
	panic("todo")
}

// CompleteMetadata fills in the headers read by a HEAD of one version and
// clears MetaPending.
func (d *DB) CompleteMetadata(bucket, key, versionID string, meta map[string]string) error {
	panic("todo")
}

// ScanKeys calls fn for each key with versions, in key order, with
// after < key <= through (an empty through means to the end), versions
// newest first.
func (d *DB) ScanKeys(bucket, after, through string, fn func(key string, versions []Version) error) error {
	panic("todo")
}

// ListObjects returns a page of current objects.
func (d *DB) ListObjects(bucket string, p ListParams) (ListResult, error) { panic("todo") }

// ListVersions returns a page of versions and delete markers.
func (d *DB) ListVersions(bucket string, p VersionListParams) (VersionListResult, error) {
	panic("todo")
}

// ClearBucketObjects drops every version of a bucket, for a resync.
func (d *DB) ClearBucketObjects(bucket string) error { panic("todo") }

// GetIngestState returns a bucket's ingest progress (zero value if none).
func (d *DB) GetIngestState(bucket string) (IngestState, error) { panic("todo") }

// PutIngestState stores a bucket's ingest progress.
func (d *DB) PutIngestState(bucket string, s IngestState) error { panic("todo") }
