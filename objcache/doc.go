// Package objcache owns ringside's cache of object versions, in two
// tiers. Cache, in memory, holds small versions: the bytes of whole
// versions read or written through the gateway, with what the backend
// said about them that the index does not keep (the tag count), so that
// a GET of a hot small object is answered without a backend round trip.
//
// An entry of either tier is keyed by bucket, key, version ID, Last-Modified, and the
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
//
// Disk holds larger versions on local disk, one file each, for a GET of
// a hot large object to be sent from a file (sendfile) instead of passed
// through from the backend. It is never filled on the request path: a
// version missed twice within a window is fetched by a background fill
// (one backend GET), written to a temporary file, and named only once
// its length and MD5 ETag match the version's. It is bounded in bytes,
// fills in progress included, evicts the least recently used, and is
// wiped at start: nothing of an earlier run is trusted.
package objcache
