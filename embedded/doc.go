// Package embedded owns the in-process S3 server that `ringside demo` runs as
// its backend and that the tests use as a fast fake: versioned buckets held
// in memory, SigV4-checked keys, on a real TCP listener so that users and
// tools can write to it directly. Every change of an object's versions is
// journaled, and served as the change feeds of the backends ringside
// follows: MinIO's ListenBucketNotification stream and the S3 Connector's
// metadata (raft) log. Server.Preload fills a bucket with millions of
// objects at once, for tests and benchmarks; listings cost their page, not
// the bucket's size.
package embedded
