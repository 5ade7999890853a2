// Package gateway owns ringside's S3 front end: the chain of request checks
// in front of the gofakes3 router (authentication and body decoding, which
// gateway/s3auth owns; subresources, CreateBucket's location constraint),
// the write-through and read paths that speak only to the backend and the
// index. Buckets resolve to their backend targets through the catalog
// package, which also keeps the rules that bind buckets to locations.
//
// A request passes metrics, then authentication, then the route table
// (routes.go), which names each S3 operation once: its metrics label, and
// either ringside's own handler (reads with exact ETags and versions,
// writes, copies, listings from the index, multi-deletes, CreateBucket with
// its location constraint, object tags, unsupported subresources, and every
// multipart upload operation, passed through to the backend, which alone
// holds the uploads in progress) or the hand-over to gofakes3, which
// answers the rest over an implementation of its Backend interfaces
// (fallback.go and the files it names).
package gateway
