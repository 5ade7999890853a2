package backend

import (
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
	// Each HTTP attempt counts, so a retried call is told of more than
	// once; the latency runs until the response headers arrive.
	Observe func(op string, status int, d time.Duration)
	// Location names the client in metrics, logs and Monitor; empty for
	// a client no location owns (as when a new location is checked).
	Location string
	// Options bound the client's calls and set its breaker.
	Options
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

// PartInfo is one part of an object, as a HEAD with partNumber tells it.
type PartInfo struct {
	Object            // Size is the part's
	First, Last int64 // the part's bytes in the object
}

// Reader is an object body being streamed from the backend; the caller
// closes Body. From a plain-HTTP backend, a body of known length is read
// straight off its connection and is an io.WriterTo: copied with io.Copy
// to a writer whose ReadFrom reaches a net/http server's response, it is
// spliced from socket to socket.
type Reader struct {
	Object
	Body          io.ReadCloser
	ContentLength int64
	ContentRange  string // set for ranged reads: "bytes a-b/size"
}

// PutResult is what the backend acknowledged for a write.
type PutResult struct {
	VersionID    string // "null" when the backend is unversioned
	ETag         string
	LastModified time.Time
	// Checksum is the object's checksum the backend answered with, if
	// any, and ChecksumType its type (COMPOSITE or FULL_OBJECT).
	Checksum     Checksum
	ChecksumType string
}

// Checksum is an x-amz-checksum-<algorithm> value: Algorithm in lower case
// ("crc32", "crc32c", "crc64nvme", "sha1", "sha256"), Value in base64.
type Checksum struct{ Algorithm, Value string }

// DeleteResult is what the backend answered to a delete.
type DeleteResult struct {
	VersionID      string // of the delete marker made ("null" when unversioned), or of the version removed
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
	// Lock are the object lock headers of the write (LockHeaders), sent
	// as they are: the backend decides whether its bucket allows them.
	Lock map[string]string
	// IfMatch and IfNoneMatch are the write's conditions, which the
	// backend checks as it writes (PutObject).
	IfMatch, IfNoneMatch string
	// Checksum is the body's checksum, passed to the backend to check
	// and keep (PutObject, UploadPart).
	Checksum Checksum
	// ChecksumAlgorithm and ChecksumType are those of a multipart upload
	// (CreateMultipartUpload), as in x-amz-checksum-algorithm and
	// x-amz-checksum-type.
	ChecksumAlgorithm, ChecksumType string
}

// CompleteOptions are the optional parts of a CompleteMultipartUpload.
type CompleteOptions struct {
	IfMatch, IfNoneMatch string
	// Checksum is the whole object's checksum the client expects, and
	// ChecksumType the upload's.
	Checksum     Checksum
	ChecksumType string
}

// Conditions are preconditions on a read or copy source (If-Match and
// friends); empty fields are not sent.
type Conditions struct {
	IfMatch           string
	IfNoneMatch       string
	IfModifiedSince   *time.Time
	IfUnmodifiedSince *time.Time
}

// Part is one completed part of a multipart upload, with the checksum the
// client gives for it, if any.
type Part struct {
	Number   int
	ETag     string
	Checksum Checksum
}

// UploadListing asks for one page of the multipart uploads in progress.
// Empty fields are not sent.
type UploadListing struct {
	Prefix, Delimiter         string
	KeyMarker, UploadIDMarker string
	MaxUploads                int // 0 for the server's default
}

// UploadPage is one page of the multipart uploads in progress, in the
// server's order: keys ascending and, within a key, oldest first.
type UploadPage struct {
	Uploads            []Upload
	CommonPrefixes     []string
	IsTruncated        bool
	NextKeyMarker      string
	NextUploadIDMarker string
}

// Upload is a multipart upload in progress.
type Upload struct {
	Key          string
	UploadID     string
	Initiated    time.Time
	StorageClass string
}

// PartPage is one page of the parts stored for an upload in progress.
type PartPage struct {
	Parts                []StoredPart
	IsTruncated          bool
	NextPartNumberMarker int
	StorageClass         string
}

// StoredPart is a part stored for an upload in progress.
type StoredPart struct {
	Number       int
	ETag         string // quoted
	Size         int64
	LastModified time.Time
}

// Tag is an object tag.
type Tag struct{ Key, Value string }
