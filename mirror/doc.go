// Package mirror owns the ingester: for each mirror bucket it brings the
// backend's out-of-band changes into the index by diffing the backend's
// version listing against the index's versions (initial sync, then passes),
// and it keeps the status, pause/resume/rescan controls and metrics of that
// work. It also rebuilds any bucket's index from the backend (resync), and
// it owns every other path from what the backend says to an index record:
// the one conversion of a backend object to an index version (keys.go),
// the point read of a key the index does not know, the refresh of a key
// found stale and the completion of a version's headers, which the gateway
// reaches through its Mirror interface. A mirror bucket whose location names
// a change feed follows it (feed.go): each hint re-reads its key through
// the path a stale read takes, a gap forces a full pass, the feed's
// position is recorded once what precedes it is in the index, and while
// the feed is healthy full passes are a safety net, FeedInterval apart.
//
// A pass is a streaming merge: the backend's listing (keys ascending, newest
// version first) is read page by page, each key's versions are gathered until
// the next key starts, and the index's keys over the same range are read
// beside it. Each key that differs is set to the backend's versions; an
// index key inside a fully listed range that the backend no longer has is
// removed. A page's changes are written in one transaction, before the
// position after them is recorded. Nothing is removed beyond the last page
// received, so a listing that fails or is cut short never loses an entry.
//
// A pass cuts the key space into ranges (ranges.go), cut where the index
// has as many keys in each, or, for an initial sync, where probes of the
// backend guess so (sample.go), and lists ListConcurrency of them side by
// side, each a streaming merge of its own that ends at its range's end and
// removes nothing outside it. An initial sync persists each range's
// position, and resumes each after a restart.
//
// New versions are indexed with their headers pending, and HEADs read them
// with bounded concurrency. An initial sync reads none until its listing is
// done, so that every version is listable as fast as the backend lists; the
// pending flag in the index, not a queue in memory, remembers what is left,
// and a sweep of the index reads it. Memory holds one page, the page being
// fetched ahead, a bounded queue of header reads and one key's versions
// per range listed at once, whatever the bucket's size.
package mirror
