// Package backend owns ringside's conversation with the S3 server that
// really stores the data (an S3 Connector on a RING, MinIO, or the embedded
// fake): one Client per location, streaming bodies, the backend's own
// VersionIds and ETags passed back, and version listings read in the order
// the server sends them.
package backend

// Stubs: the backend API as the rest of ringside codes against it. Each stub
// is replaced by its implementation; this file disappears when all are done.

import (
	"context"
	"io"
	"time"
)

// Config says how to reach one backend bucket.
type Config struct {
	Endpoint           string // scheme://host[:port]
	Region             string // default us-east-1
	AccessKey          string
	SecretKey          string
	Bucket             string
	CAFile             string // extra trusted CA (PEM); AWS_CA_BUNDLE is honoured too
	InsecureSkipVerify bool
	// Observe, if set, is told of every backend request: the operation
	// name (e.g. "PutObject"), the HTTP status (0 when none) and latency.
	Observe func(op string, status int, d time.Duration)
}

// Object describes one object version (or delete marker) on the backend.
type Object struct {
	Key            string
	VersionID      string // "null" when the backend is unversioned
	IsDeleteMarker bool
	IsLatest       bool // from listings
	Size           int64
	ETag           string // quoted
	LastModified   time.Time
	// Metadata: Content-Type, Cache-Control, Content-Disposition,
	// Content-Encoding, Content-Language, Expires, X-Amz-Meta-*, with
	// canonical header names. Filled by HeadObject and GetObject only.
	Metadata  map[string]string
	TagCount  int
	PartCount int // from HeadObject when the backend says
}

// Reader is an object body being streamed from the backend.
type Reader struct {
	Object
	Body          io.ReadCloser
	ContentLength int64
	ContentRange  string // set for ranged reads: "bytes a-b/size"
}

// PutResult is what the backend acknowledged for a write.
type PutResult struct {
	VersionID    string
	ETag         string
	LastModified time.Time
}

// DeleteResult is what the backend answered to a delete.
type DeleteResult struct {
	VersionID      string // of the delete marker made, or of the version removed
	IsDeleteMarker bool
}

// VersionPage is one page of a version listing, in the server's order:
// keys ascending and, within a key, newest first, delete markers
// interleaved where they stand.
type VersionPage struct {
	Versions            []Object
	IsTruncated         bool
	NextKeyMarker       string
	NextVersionIDMarker string
}

// PutOptions are the optional parts of a write.
type PutOptions struct {
	ContentMD5 string // base64, passed to the backend to check
	Tagging    string // URL-encoded tag set, as in x-amz-tagging
}

// Conditions are preconditions on a read or copy source (If-Match and
// friends); empty fields are not sent.
type Conditions struct {
	IfMatch           string
	IfNoneMatch       string
	IfModifiedSince   *time.Time
	IfUnmodifiedSince *time.Time
}

// Part is one completed part of a multipart upload.
type Part struct {
	Number int
	ETag   string
}

// Tag is an object tag.
type Tag struct{ Key, Value string }

// Error is a failure the backend reported, with its S3 code and status so
// the gateway can relay it. It never contains credentials.
type Error struct {
	Op      string
	Code    string // e.g. NoSuchKey, NoSuchVersion, PreconditionFailed
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Op + ": " + e.Code + ": " + e.Message }

// Client talks to one backend bucket. It is safe for concurrent use.
type Client struct{}

// New builds a client; it does not contact the backend.
func New(cfg Config) (*Client, error) { panic("todo") }

// Bucket is the backend bucket this client targets.
func (c *Client) Bucket() string { panic("todo") }

// Versioning checks that the bucket answers with these credentials and
// returns its versioning state: "Enabled", "Suspended" or "".
func (c *Client) Versioning(ctx context.Context) (string, error) { panic("todo") }

// PutObject streams size bytes of body to key (size must be known).
func (c *Client) PutObject(ctx context.Context, key string, body io.Reader, size int64, meta map[string]string, opts PutOptions) (PutResult, error) {
	panic("todo")
}

// GetObject streams key (a given version, or the latest when versionID is
// empty); rng is a raw HTTP Range header value or "".
func (c *Client) GetObject(ctx context.Context, key, versionID, rng string, cond Conditions) (*Reader, error) {
	panic("todo")
}

// HeadObject reads one version's headers.
func (c *Client) HeadObject(ctx context.Context, key, versionID string) (Object, error) {
	panic("todo")
}

// DeleteObject deletes key (making a delete marker on a versioned bucket) or,
// with versionID, removes that version for good.
func (c *Client) DeleteObject(ctx context.Context, key, versionID string) (DeleteResult, error) {
	panic("todo")
}

// CopyObject copies srcKey (at srcVersionID, if set) to dstKey inside the
// bucket, on the server. meta nil keeps the source's metadata; otherwise it
// replaces it.
func (c *Client) CopyObject(ctx context.Context, srcKey, srcVersionID, dstKey string, meta map[string]string, cond Conditions) (PutResult, error) {
	panic("todo")
}

// ListVersions lists one page of versions and delete markers.
func (c *Client) ListVersions(ctx context.Context, prefix, keyMarker, versionIDMarker string, maxKeys int) (VersionPage, error) {
	panic("todo")
}

// CreateMultipartUpload starts a multipart upload on the backend.
func (c *Client) CreateMultipartUpload(ctx context.Context, key string, meta map[string]string, opts PutOptions) (string, error) {
	panic("todo")
}

// UploadPart streams one part.
func (c *Client) UploadPart(ctx context.Context, key, uploadID string, part int, body io.Reader, size int64, contentMD5 string) (string, error) {
	panic("todo")
}

// UploadPartCopy copies a range (rng "bytes=a-b" or "") of srcKey into a part.
func (c *Client) UploadPartCopy(ctx context.Context, key, uploadID string, part int, srcKey, srcVersionID, rng string, cond Conditions) (etag string, lastModified time.Time, err error) {
	panic("todo")
}

// CompleteMultipartUpload assembles the parts.
func (c *Client) CompleteMultipartUpload(ctx context.Context, key, uploadID string, parts []Part) (PutResult, error) {
	panic("todo")
}

// AbortMultipartUpload discards an upload and its parts.
func (c *Client) AbortMultipartUpload(ctx context.Context, key, uploadID string) error {
	panic("todo")
}

// GetTagging reads a version's tags.
func (c *Client) GetTagging(ctx context.Context, key, versionID string) ([]Tag, error) {
	panic("todo")
}

// PutTagging replaces a version's tags.
func (c *Client) PutTagging(ctx context.Context, key, versionID string, tags []Tag) error {
	panic("todo")
}

// DeleteTagging removes a version's tags.
func (c *Client) DeleteTagging(ctx context.Context, key, versionID string) error {
	panic("todo")
}
