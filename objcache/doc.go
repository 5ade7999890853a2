// Package objcache owns ringside's in-memory cache of small object
// versions: the bytes of whole versions read or written through the
// gateway, with what the backend said about them that the index does not
// keep (the tag count), so that a GET of a hot small object is answered
// without a backend round trip.
//
// An entry is keyed by bucket, key, version ID, Last-Modified, and the
// ETag and size of the bytes it holds; Get returns it only for exactly the
// version the caller names. The caller names the version the index
// resolved, so the cache cannot serve a version the index has moved past,
// and needs no invalidation: an entry nobody asks for any more is evicted
// in time. The ETag and Last-Modified guard the one version ID that is
// reused, "null", which an unversioned bucket overwrites in place.
//
// Its size is bounded in bytes (the bodies plus their identities) and
// in the size of one object; eviction is ristretto's: a TinyLFU admission
// filter over sampled LFU eviction, so a one-off read does not push out a
// hot set.
package objcache
