// Package feed owns the change feeds: the sources that tell ringside which
// keys of a backend bucket changed, so that a mirror reads those keys
// instead of listing the whole bucket. A Source delivers to a Sink hints
// ("key K, maybe version V, changed") and gaps ("events may have been
// missed": a reconnection, an overflow, a position the backend no longer
// holds), and checkpoints of a resumable Position where it has one. Hints
// are only hints: the receiver reads the key's versions from the backend,
// so duplicates, reordering and stale hints are harmless, and a Gap is
// repaired by a full pass.
//
// Sources:
//   - Webhook: an http.Handler taking the S3 event notifications a backend
//     pushes (AWS's event JSON, as MinIO's webhook target, Ceph RGW's HTTP
//     push endpoint and forwarders of AWS events send it).
//   - Listen: a client of MinIO's ListenBucketNotification stream.
//   - RaftLog: a reader of the S3 Connector's metadata (raft) log, the way
//     Scality's Backbeat ingestion reads it.
//
// The Debouncer coalesces hints per key over a short window, in bounded
// memory, and holds checkpoints back until the hints before them are passed
// on; Metrics count hints, merges and gaps by source kind and bucket.
//
// Where the webhook is served: on the admin listener, at
// /feed/v1/{location} (PathPrefix), never on the S3 listener, so that no
// bucket or key name can collide with it and S3 clients never reach it. It
// is authenticated by a bearer token of its own per location, compared in
// constant time: the backend, which is configured with that token, never
// holds the admin token. A missing token is answered 401, a wrong one 403,
// a malformed body 400, a body over the size bound 413, and a notification
// arriving while no Run is in progress 503 with Retry-After, so that the
// backend retries or queues it; no answer carries detail. The admin
// listener must be reachable from the backend for this source; when it is
// not, use Listen (MinIO) or RaftLog (S3 Connector), which dial out.
//
// docs/FEEDS.md says how to set each source up on the backend side and
// where the metadata log's formats come from.
package feed
