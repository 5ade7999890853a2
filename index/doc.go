// Package index owns ringside's local metadata store: the locations (backend
// targets), the gateway buckets bound to them, every object version the
// gateway knows of, and each mirror bucket's ingest progress. It is a Badger
// database; HEAD and LIST are answered from it without a backend round trip.
//
// The backend is the source of truth for objects, so everything under a
// bucket here can be rebuilt from a version listing of the backend.
//
// Key layout (Badger compares raw bytes, which is S3's UTF-8 binary order;
// bucket names and object keys never contain NUL):
//
//	L<location>                      → Location
//	B<bucket>                        → Bucket
//	O<bucket>\x00<key>               → Version: the latest version, which may
//	                                   be a delete marker (then the entry's
//	                                   user meta byte is 1, so listings skip
//	                                   it without decoding the value)
//	V<bucket>\x00<key>\x00<^seq BE8> → Version: every version, newest first
//	S<bucket>                        → IngestState
//	G<bucket>                        → []Tag: the bucket's tag set, if any
//	T<bucket>\x00<key>\x00<version> → removal time of a version removed
//	                                   through the gateway (expires in minutes)
//	C                                → entry counters of a cleanly closed
//	                                   index (taken back and deleted at open)
//	R<bucket>\x00<key>               → a key whose index write failed after
//	                                   the backend stored the change
//	                                   (repair.go), until it is repaired
//
// Version values are binary records (record.go) whose first byte names
// their format; JSON values of earlier releases are still decoded.
//
// Every write first checks the free space of the index's filesystem
// against a reserve and fails with ErrNoSpace below it (space.go): Badger
// writes its logs and tables through memory maps, where a full disk is a
// SIGBUS rather than an error.
//
// Every call that changes a key's versions is one Badger transaction that
// reads the key's O entry, so concurrent changes to one key conflict and are
// retried rather than lost.
package index
