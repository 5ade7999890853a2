// Package gateway owns ringside's S3 front end: the chain of request checks
// in front of the gofakes3 router (authentication, body decoding,
// subresources, CreateBucket's location constraint), the write-through and
// read paths that speak only to the backend and the index. Buckets resolve
// to their backend targets through the catalog package, which also keeps
// the rules that bind buckets to locations.
//
// A request passes metrics, then authentication, then ringside's own
// handlers (front.go), which answer what gofakes3 v0.0.12 gets wrong for a
// gateway (reads with exact ETags and versions, copies, multi-deletes,
// CreateBucket with its location constraint, unsupported subresources, and
// every multipart upload operation, passed through to the backend, which
// alone holds the uploads in progress), and hand the rest to gofakes3 over
// an implementation of its Backend interfaces (objects.go and the files it
// names).
package gateway
