package feed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/ringside/ringside/internal/backoff"
)

// The S3 Connector's metadata log, read as Scality's Backbeat ingestion
// reads it (see docs/FEEDS.md for the sources), through the S3 Connector's
// endpoint, SigV4-signed:
//
//	GET /_/metadata/admin/buckets/{bucket}/id           the bucket's raft session
//	GET /_/metadata/default/informations/{bucket}       [{"cseq": N}]: the last sequence number
//	GET /_/metadata/admin/raft_sessions/{id}/log?begin=B&limit=L&targetLeader=false
//
// The log answer is {"info": {"start": S, "cseq": C, "prune": P},
// "log": [{"db": bucket, "method": M, "entries": [{"type": "put"|"del",
// "key": "key\x00versionId", "value": "<object metadata JSON>"}]}]}: record
// i has sequence number S+i, begin is inclusive, a missing type is "put",
// a "del" has no value. 416 means nothing at or after begin yet; 404 that
// the raft session does not exist. A raft session holds many buckets:
// records are filtered on db.

const (
	defaultRaftLimit = 1000
	defaultRaftPoll  = 500 * time.Millisecond
	// versionSep separates a key from its version in a metadata log key.
	versionSep = "\x00"
	// Metadata keys of the "v1" layout carry one of these prefixes; other
	// keys starting with \x7f are internal (replay keys).
	v1MasterPrefix  = "\x7fM"
	v1VersionPrefix = "\x7fV"
)

// RaftLogConfig configures a RaftLog.
type RaftLogConfig struct {
	Client Getter
	Bucket string
	Limit  int // records per read; default 1000
	// Poll is the wait before asking again once the log has nothing new;
	// default 500ms.
	Poll time.Duration
	// EncodeVersionID turns a version ID as the metadata stores it into
	// the one the S3 API shows. Default: hexadecimal, the S3 Connector's
	// default encoding (Arsenal's VersionID.encode for that format).
	EncodeVersionID        func(raw string) string
	MinBackoff, MaxBackoff time.Duration // between failed reads; default 200ms, 30s
	Logger                 *slog.Logger
}

// RaftLog follows the S3 Connector's metadata log of one bucket. Its
// Position is the raft session and the next sequence number to read, so a
// Run resumes where the last Checkpoint was; delivery is at least once.
// The S3 Connector user needs the metadata:admin permission (see
// docs/FEEDS.md).
type RaftLog struct {
	cfg RaftLogConfig
	log *slog.Logger
	tracker
}

// NewRaftLog makes a RaftLog; it does not contact the backend.
func NewRaftLog(cfg RaftLogConfig) (*RaftLog, error) {
	if cfg.Client == nil || cfg.Bucket == "" {
		return nil, errors.New("metadata log feed: a client and a bucket are needed")
	}
	if cfg.Limit <= 0 {
		cfg.Limit = defaultRaftLimit
	}
	if cfg.Poll <= 0 {
		cfg.Poll = defaultRaftPoll
	}
	if cfg.EncodeVersionID == nil {
		cfg.EncodeVersionID = hexVersionID
	}
	r := &RaftLog{cfg: cfg, log: cfg.Logger, tracker: newTracker("raftlog")}
	if r.log == nil {
		r.log = slog.Default()
	}
	return r, nil
}

// Kind is "raftlog".
func (r *RaftLog) Kind() string { return "raftlog" }

// raftPos is a decoded Position: "raft:<session>:<next sequence>".
type raftPos struct {
	session string
	next    int64
}

func (p raftPos) encode() Position {
	return Position("raft:" + p.session + ":" + strconv.FormatInt(p.next, 10))
}

func decodeRaftPos(p Position) (raftPos, bool) {
	rest, ok := strings.CutPrefix(string(p), "raft:")
	if !ok {
		return raftPos{}, false
	}
	session, seq, ok := strings.Cut(rest, ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || session == "" || n < 0 {
		return raftPos{}, false
	}
	return raftPos{session: session, next: n}, true
}

// Head is the Position of the end of the log now: record it before an
// initial listing and give it to Run after, and nothing written in between
// is missed.
func (r *RaftLog) Head(ctx context.Context) (Position, error) {
	session, err := r.session(ctx)
	if err != nil {
		return "", err
	}
	cseq, err := r.cseq(ctx)
	if err != nil {
		return "", err
	}
	return headOf(session, cseq).encode(), nil
}

// headOf is the position of the end of a log whose last record is cseq.
// Backbeat resumes at cseq itself: one record read twice is harmless, one
// missed is not. Sequence numbers start at 1.
func headOf(session string, cseq int64) raftPos {
	return raftPos{session: session, next: max(cseq, 1)}
}

// Run reads the log from `from` (the empty Position: from Head) until ctx
// ends. It returns early only when the bucket has no raft session.
func (r *RaftLog) Run(ctx context.Context, from Position, sink Sink) error {
	sink = r.tracker.wrap(sink)
	r.set(StateConnecting, nil)
	defer r.set(StateStopped, nil)
	for {
		pos, err := r.begin(ctx, from, sink)
		if err != nil {
			return err
		}
		r.set(StateRunning, nil)
		r.log.Info("feed: metadata log started", "bucket", r.cfg.Bucket, "raft_session", pos.session, "from", pos.next)
		pos, err = r.follow(ctx, pos, sink)
		if !errors.Is(err, errSessionGone) {
			return err
		}
		// The bucket may have moved to another raft session: start again
		// from where this one was left, which start reports as lost.
		r.log.Warn("feed: metadata log session gone", "bucket", r.cfg.Bucket, "raft_session", pos.session)
		from = pos.encode()
	}
}

// begin runs start until it succeeds, with backoff.
func (r *RaftLog) begin(ctx context.Context, from Position, sink Sink) (raftPos, error) {
	bo := newBackoff(r.cfg.MinBackoff, r.cfg.MaxBackoff)
	for {
		pos, err := r.start(ctx, from, sink)
		switch {
		case err == nil:
			return pos, nil
		case ctx.Err() != nil:
			return raftPos{}, ctx.Err()
		case errors.Is(err, errNoSession):
			return raftPos{}, err
		}
		wait := bo.Next()
		r.set(StateFailing, err)
		r.log.Warn("feed: metadata log start failed", "bucket", r.cfg.Bucket, "err", err, "retry_in", wait)
		if !backoff.Sleep(ctx, wait) {
			return raftPos{}, ctx.Err()
		}
	}
}

var (
	// errNoSession: the backend knows no raft session for the bucket.
	errNoSession = errors.New("no raft session holds the bucket")
	// errSessionGone: the raft session read so far no longer exists.
	errSessionGone = errors.New("the raft session is gone")
)

// start finds where to begin: at from when the backend still holds it,
// else at the head of the log, after a Gap.
func (r *RaftLog) start(ctx context.Context, from Position, sink Sink) (raftPos, error) {
	session, err := r.session(ctx)
	if err != nil {
		return raftPos{}, err
	}
	cseq, err := r.cseq(ctx)
	if err != nil {
		return raftPos{}, err
	}
	head := headOf(session, cseq)
	if from == "" {
		return head, nil
	}
	p, ok := decodeRaftPos(from)
	switch {
	case !ok:
		return r.lost(sink, head, "the saved position is not a metadata log position")
	case p.session != session:
		return r.lost(sink, head, "the bucket moved to raft session "+session)
	case p.next > cseq+1:
		return r.lost(sink, head, fmt.Sprintf("the saved position %d is past the end of the log (%d)", p.next, cseq))
	}
	return p, nil
}

func (r *RaftLog) lost(sink Sink, head raftPos, why string) (raftPos, error) {
	r.log.Warn("feed: metadata log position lost", "bucket", r.cfg.Bucket, "why", why)
	sink.Gap(Gap{Bucket: r.cfg.Bucket, Reason: GapLostPosition, Detail: why})
	return head, nil
}

// follow reads batches until ctx ends: at once while the log is ahead,
// Poll apart once it is read to its end, with backoff after failures. It
// returns the position reached with errSessionGone when the session
// disappears.
func (r *RaftLog) follow(ctx context.Context, pos raftPos, sink Sink) (raftPos, error) {
	bo := newBackoff(r.cfg.MinBackoff, r.cfg.MaxBackoff)
	failing := false
	for {
		next, more, err := r.batch(ctx, pos, sink)
		if ctx.Err() != nil {
			return pos, ctx.Err()
		}
		if errors.Is(err, errSessionGone) {
			return pos, err
		}
		wait := r.cfg.Poll
		switch {
		case err != nil:
			wait = bo.Next()
			r.set(StateFailing, err)
			if !failing {
				r.log.Warn("feed: metadata log read failed", "bucket", r.cfg.Bucket, "err", err, "retry_in", wait)
			}
			failing = true
		case failing:
			r.set(StateRunning, nil)
			r.log.Info("feed: metadata log recovered", "bucket", r.cfg.Bucket, "at", next.next)
			failing = false
			bo.Reset()
		}
		pos = next
		if err == nil && more {
			continue
		}
		if !backoff.Sleep(ctx, wait) {
			return pos, ctx.Err()
		}
	}
}
