package embedded

import (
	"sync"
	"time"
)

// The store's change journal: every change of an object's versions is one
// entry, numbered in the order the store made them. It serves the two
// change feeds the server emulates: MinIO's ListenBucketNotification
// stream (listen.go), which subscribers follow live and lose when they are
// slow, and the S3 Connector's metadata log (raftlog.go), which is read
// from a sequence number while the journal still holds it.

// Kinds of change, by the S3 event name they are reported with.
const (
	eventPut          = "s3:ObjectCreated:Put"
	eventPutTagging   = "s3:ObjectCreated:PutTagging"
	eventDelTagging   = "s3:ObjectCreated:DeleteTagging"
	eventDelete       = "s3:ObjectRemoved:Delete"
	eventDeleteMarker = "s3:ObjectRemoved:DeleteMarkerCreated"
)

// defaultRetention is how many changes the journal holds for the metadata
// log: enough for a reader that polls, small beside the objects' bodies.
const defaultRetention = 100_000

// change is one entry of the journal.
type change struct {
	seq       uint64 // from 1, without holes
	event     string
	bucket    string
	key       string
	versionID string // "null" for the null version
	// latest says the change made versionID the key's latest version (a
	// put or a delete marker): the metadata log then also writes the
	// key's master entry, as the S3 Connector does.
	latest   bool
	etag     string // quoted; "" for a delete marker or a removal
	size     int64
	modified time.Time
}

// subscriber is a live follower of the journal. Its channel is buffered;
// a change that does not fit is dropped, as MinIO drops events for a slow
// listener.
type subscriber struct {
	ch     chan change
	closed bool
}

// subscriberBuffer is how many changes a subscriber may fall behind.
const subscriberBuffer = 4096

type journal struct {
	mu  sync.Mutex
	seq uint64 // last sequence number given
	// buf[start:] are the changes held, the newest, at most retention of
	// them. The ones before start are dropped: buf is copied down only
	// once they are as many as retention, so that a record costs the
	// same however many changes are held.
	buf       []change
	start     int
	retention int
	subs      map[*subscriber]struct{}
	closed    bool
}

func newJournal() *journal {
	return &journal{retention: defaultRetention, subs: map[*subscriber]struct{}{}}
}

// record numbers c and keeps it. The store calls it under its own lock, so
// the journal's order is the store's.
func (j *journal) record(c change) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	c.seq = j.seq
	j.buf = append(j.buf, c)
	j.trim()
	for s := range j.subs {
		select {
		case s.ch <- c:
		default:
		}
	}
}

// setRetention changes how many changes are held, dropping the oldest.
func (j *journal) setRetention(n int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.retention = max(n, 1)
	j.trim()
}

// held is the changes held; j.mu held.
func (j *journal) held() []change { return j.buf[j.start:] }

// trim drops the changes beyond retention; j.mu held.
func (j *journal) trim() {
	if over := len(j.buf) - j.start - j.retention; over > 0 {
		j.start += over
	}
	if j.start >= j.retention {
		// Copied down rather than resliced, so that the array does not
		// grow without bound; cleared behind, so that the dropped
		// changes' strings are freed.
		n := copy(j.buf, j.buf[j.start:])
		clear(j.buf[n:])
		j.buf, j.start = j.buf[:n], 0
	}
}

// last is the sequence number of the newest change, 0 before any.
func (j *journal) last() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq
}

// read returns up to limit changes from sequence number begin, and the
// first sequence number held (begin itself, or later when the changes from
// begin were dropped). ok is false when nothing is held at or after begin.
func (j *journal) read(begin uint64, limit int) (first uint64, out []change, ok bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	held := j.held()
	if len(held) == 0 || begin > j.seq {
		return 0, nil, false
	}
	oldest := held[0].seq
	first = max(begin, oldest)
	i := int(first - oldest)
	end := min(len(held), i+limit)
	return first, append([]change(nil), held[i:end]...), true
}

// subscribe starts following the journal live; nil once it is closed.
func (j *journal) subscribe() *subscriber {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	s := &subscriber{ch: make(chan change, subscriberBuffer)}
	j.subs[s] = struct{}{}
	return s
}

// unsubscribe stops s; its channel is closed.
func (j *journal) unsubscribe(s *subscriber) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.drop(s)
}

func (j *journal) drop(s *subscriber) {
	if !s.closed {
		s.closed = true
		close(s.ch)
		delete(j.subs, s)
	}
}

// close ends every subscription, so that streams end when the server
// stops.
func (j *journal) close() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closed = true
	for s := range j.subs {
		j.drop(s)
	}
}
