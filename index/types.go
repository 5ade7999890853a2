package index

import (
	"errors"
	"time"
)

// ErrNotFound is returned when a location, bucket, key or version is unknown.
var ErrNotFound = errors.New("not found")

// ErrExists is returned when creating a location or bucket that already exists.
var ErrExists = errors.New("already exists")

// NullVersion is the version ID S3 gives objects written while a bucket's
// versioning is not enabled.
const NullVersion = "null"

// Location is a named backend target.
type Location struct {
	Name         string    `json:"name"`
	Endpoint     string    `json:"endpoint"` // normalised URL: scheme://host:port
	Region       string    `json:"region"`
	AccessKey    string    `json:"accessKey"`
	SecretKey    string    `json:"secretKey"`
	TargetBucket string    `json:"targetBucket"`
	NoPrefix     bool      `json:"noPrefix"`
	CAFile       string    `json:"caFile,omitempty"`
	Insecure     bool      `json:"insecureSkipVerify,omitempty"`
	Created      time.Time `json:"created"`
	// Feed is the change feed a mirror bucket on this location follows:
	// "" or "none", "webhook", "listen" or "raftlog" (see feed/).
	Feed string `json:"feed,omitempty"`
	// FeedToken is the bearer token the backend sends to the location's
	// webhook receiver; a secret, as SecretKey is.
	FeedToken string `json:"feedToken,omitempty"`
	// ConnectTimeout, ResponseTimeout and StallTimeout override, for this
	// location's backend, serve's --backend-*-timeout flags; zero keeps
	// the flag's value.
	ConnectTimeout  time.Duration `json:"connectTimeout,omitempty"`
	ResponseTimeout time.Duration `json:"responseTimeout,omitempty"`
	StallTimeout    time.Duration `json:"stallTimeout,omitempty"`
}

// Bucket is a gateway bucket as S3 clients of ringside see it.
type Bucket struct {
	Name       string    `json:"name"`
	Location   string    `json:"location"`
	Mirror     bool      `json:"mirror"`
	Versioning string    `json:"versioning"` // "", "Enabled" or "Suspended"
	Created    time.Time `json:"created"`
}

// Version is one version of an object, or a delete marker.
type Version struct {
	Key            string    `json:"k"`
	VersionID      string    `json:"v"` // the backend's VersionId; NullVersion when unversioned
	IsDeleteMarker bool      `json:"dm,omitempty"`
	Size           int64     `json:"s"`
	ETag           string    `json:"e"` // quoted, as S3 sends it
	LastModified   time.Time `json:"t"`
	// Metadata holds the object's standard headers (Content-Type,
	// Cache-Control, Content-Disposition, Content-Encoding,
	// Content-Language, Expires) and X-Amz-Meta-* user metadata, with
	// canonical header names.
	Metadata map[string]string `json:"m,omitempty"`
	// MetaPending is true while only the listing's fields are known: the
	// ingester has not yet read this version's headers from the backend.
	MetaPending bool `json:"p,omitempty"`
	// IndexedAt is when this record was written, by the local clock. The
	// ingester never removes a version indexed after its listing began.
	IndexedAt time.Time `json:"i"`
	// Parts are the sizes of the parts of a multipart object, in part
	// order; nil when not known (a single-part object, or one whose parts
	// were not learned yet).
	Parts []int64 `json:"pa,omitempty"`
	// IsLatest is filled in on reads; it is not stored.
	IsLatest bool `json:"-"`
}

// ListParams selects a page of current objects (ListObjects v1/v2).
type ListParams struct {
	Prefix    string
	Delimiter string
	// Marker: the page starts strictly after this key or common prefix.
	Marker  string
	MaxKeys int // <= 0 means 1000
}

// ListResult is a page of current objects.
type ListResult struct {
	Objects        []Version
	CommonPrefixes []string
	IsTruncated    bool
	// NextMarker is the last key or common prefix in the page, set when
	// IsTruncated.
	NextMarker string
}

// ListEntry is one object or version of a listing page, as a ListVisitor
// sees it. Its byte slices are the index's own memory, valid only during
// the call: a visitor that keeps one copies it.
type ListEntry struct {
	Key, VersionID, ETag []byte
	Size                 int64
	LastModified         time.Time
	IsDeleteMarker       bool
	IsLatest             bool
}

// ListVisitor receives the entries and common prefixes of a listing page,
// in key order.
type ListVisitor struct {
	Entry        func(e *ListEntry) error
	CommonPrefix func(prefix string) error
}

// VersionListParams selects a page of versions (ListObjectVersions).
type VersionListParams struct {
	Prefix          string
	Delimiter       string
	KeyMarker       string
	VersionIDMarker string
	MaxKeys         int // <= 0 means 1000
}

// VersionListResult is a page of versions, newest first within each key.
type VersionListResult struct {
	Versions            []Version // with IsLatest set
	CommonPrefixes      []string
	IsTruncated         bool
	NextKeyMarker       string
	NextVersionIDMarker string
}

// IngestState is a mirror bucket's ingest progress, persisted so that an
// initial sync resumes where it stopped.
type IngestState struct {
	InitialSyncDone bool      `json:"initialSyncDone"`
	KeyMarker       string    `json:"keyMarker,omitempty"`
	VersionIDMarker string    `json:"versionIdMarker,omitempty"`
	SyncStarted     time.Time `json:"syncStarted,omitempty"`
	VersionsSynced  int64     `json:"versionsSynced"`
	LastFullPass    time.Time `json:"lastFullPass,omitempty"`
	Paused          bool      `json:"paused,omitempty"`
	// FeedPosition is where the bucket's change feed resumes (feed.Position),
	// recorded only once every change before it is in the index.
	FeedPosition string `json:"feedPosition,omitempty"`
	// SyncRanges is an initial sync listed in key ranges side by side:
	// how far each range got, so that a restart resumes every one of
	// them. KeyMarker is then unused.
	SyncRanges []SyncRange `json:"syncRanges,omitempty"`
}

// SyncRange is one key range of an initial sync, in gateway keys: the
// keys in (After, Through] (Through "" means to the end of the bucket) are
// still to list, Done once none is.
type SyncRange struct {
	After   string `json:"after,omitempty"`
	Through string `json:"through,omitempty"`
	Done    bool   `json:"done,omitempty"`
}

// Stats counts what the index holds.
type Stats struct {
	Buckets  int   `json:"buckets"`
	Objects  int64 `json:"objects"`  // keys whose latest version is not a delete marker
	Versions int64 `json:"versions"` // versions, delete markers included
}
