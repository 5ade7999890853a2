package feed

import (
	"cmp"
	"context"
	"strings"
	"time"
)

// Event is the kind of change a hint reports, as far as the source says.
type Event string

const (
	// EventPut: a version was written (put, copy, completed multipart
	// upload, or a null version replaced).
	EventPut Event = "put"
	// EventDeleteMarker: a delete marker was written.
	EventDeleteMarker Event = "delete-marker"
	// EventDelete: a version (or an unversioned object) was removed.
	EventDelete Event = "delete"
	// EventMetadata: a version's tags, ACL or metadata changed; no new
	// version.
	EventMetadata Event = "metadata"
	// EventOther: a change the source names but this package does not
	// know; the key is still worth reading again.
	EventOther Event = "other"
)

// Hint says that a key of a backend bucket changed. It is a hint, not the
// truth: hints may be duplicated, reordered, late, or about a key that has
// changed again since. The receiver reads the key's versions from the
// backend; the fields besides Bucket and Key only help it decide what to
// read, and are zero (Size -1) when the source does not know them.
type Hint struct {
	Bucket    string // the backend bucket
	Key       string // the backend key, decoded
	VersionID string // the version written or removed, as S3 names it
	ETag      string // quoted, when the source gives one
	Size      int64  // -1 when unknown
	// Sequencer orders the events of one key where the source gives one
	// (S3 and MinIO event notifications): see CompareSequencers. It does
	// not order events of different keys.
	Sequencer string
	Event     Event
	Time      time.Time // when the change happened, per the source
}

// GapReason says why a source may have missed events.
type GapReason string

const (
	// GapReconnect: the source lost its connection and connected again;
	// what happened in between was not delivered.
	GapReconnect GapReason = "reconnect"
	// GapOverflow: events came faster than they were consumed, and some
	// were dropped.
	GapOverflow GapReason = "overflow"
	// GapLostPosition: the position to resume from is no longer held by
	// the backend (its log was pruned past it), or cannot be read.
	GapLostPosition GapReason = "lost-position"
)

// Gap says that a source may have missed events of Bucket ("" for every
// bucket the source serves). The receiver repairs it with a full pass.
type Gap struct {
	Bucket string
	Reason GapReason
	Detail string // for the log; never holds a secret
}

// Position is where a source that has one (the metadata log) can resume:
// opaque to the caller, who persists it and gives it back to Run. The
// empty Position means "from now".
type Position string

// Sink receives what a source delivers. Its methods are called from one
// goroutine at a time, in the order the source learnt of things, and must
// not block for long: a sink that cannot keep up drops hints and reports
// a Gap itself (the Debouncer does).
type Sink interface {
	// Hint is told of one change.
	Hint(h Hint)
	// Gap is told that events may have been missed. A Checkpoint that
	// follows a Gap covers the events missed too: the caller persists it
	// only once the repair of the Gap (a full pass begun after it) is done.
	Gap(g Gap)
	// Checkpoint says that every hint the source knows of up to pos has
	// been given to Hint: a Run resumed from pos misses nothing. The
	// caller persists pos only once those hints are applied.
	Checkpoint(pos Position)
}

// Source is one change feed. Like a ReplicaClient, each method's contract
// is in its comment; implementations: *Webhook, *Listen, *RaftLog.
type Source interface {
	// Kind names the source in metrics and logs: "webhook", "listen" or
	// "raftlog".
	Kind() string
	// Run delivers to sink until ctx ends, then returns ctx's error. It
	// starts at from (the empty Position: from now); a source without
	// positions ignores from. A position the backend no longer holds (or
	// never held) is reported as a Gap with GapLostPosition, and Run goes
	// on from what the backend holds. Failures to reach the backend are
	// retried with backoff: a source with positions resumes where it was
	// and reports nothing; one without reports each reconnection after its
	// first successful connection as a Gap with GapReconnect. Run returns
	// early only for a configuration that can never work (such as a bucket
	// with no raft session), with an error saying so. Run is called at
	// most once at a time on a source.
	Run(ctx context.Context, from Position, sink Sink) error
	// Status says what the source is doing now, and what it has
	// delivered; safe to call at any time.
	Status() Status
}

// CompareSequencers orders two sequencers of the same key as S3 defines
// them: hexadecimal strings compared once the shorter is padded with zeros
// on the left, that is, as numbers. It returns -1, 0 or +1; an empty
// sequencer (unknown) sorts first.
func CompareSequencers(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return cmp.Compare(len(a), len(b))
	}
	return cmp.Compare(strings.ToUpper(a), strings.ToUpper(b))
}
