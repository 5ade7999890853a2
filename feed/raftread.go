package feed

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxRaftAnswer bounds one answer of the metadata routes: a batch of the
// default 1000 records of a few KiB each is far below it.
const maxRaftAnswer = 256 << 20

// get sends a GET of a metadata route, returning the answer of any
// status, its body bounded.
func (r *RaftLog) get(ctx context.Context, op, path string, q url.Values) (*http.Response, error) {
	resp, err := r.cfg.Client.SignedGet(ctx, op, path, q)
	if err != nil {
		return nil, err
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.LimitReader(resp.Body, maxRaftAnswer), resp.Body}
	return resp, nil
}

// session finds the raft session of the bucket. The answer is the
// session's number, which Backbeat's clients have read as a bare number,
// a string or a one-element list: each is accepted.
func (r *RaftLog) session(ctx context.Context) (string, error) {
	resp, err := r.get(ctx, "GetRaftId", "/_/metadata/admin/buckets/"+url.PathEscape(r.cfg.Bucket)+"/id", nil)
	if err != nil {
		return "", fmt.Errorf("find the raft session of %s: %w", r.cfg.Bucket, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return "", fmt.Errorf("find the raft session of %s: %w", r.cfg.Bucket, errNoSession)
	default:
		return "", fmt.Errorf("find the raft session of %s: %w", r.cfg.Bucket, statusError(resp))
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("read the raft session of %s: %w", r.cfg.Bucket, err)
	}
	id := sessionID(body)
	if id == "" {
		return "", fmt.Errorf("find the raft session of %s: unreadable answer %.40q", r.cfg.Bucket, body)
	}
	return id, nil
}

// sessionID reads a raft session number from 3, "3" or [3].
func sessionID(body []byte) string {
	s := strings.TrimSpace(string(body))
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	s = strings.Trim(strings.TrimSpace(s), `"`)
	if _, err := strconv.ParseUint(s, 10, 32); err != nil {
		return ""
	}
	return s
}

// cseq reads the bucket's last sequence number: [{"cseq": N}], one
// element per metadata node, of which the first is taken, as Backbeat does.
func (r *RaftLog) cseq(ctx context.Context) (int64, error) {
	resp, err := r.get(ctx, "GetBucketCseq", "/_/metadata/default/informations/"+url.PathEscape(r.cfg.Bucket), nil)
	if err != nil {
		return 0, fmt.Errorf("read the log sequence of %s: %w", r.cfg.Bucket, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("read the log sequence of %s: %w", r.cfg.Bucket, statusError(resp))
	}
	var infos []struct {
		Cseq *int64 `json:"cseq"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&infos); err != nil {
		return 0, fmt.Errorf("read the log sequence of %s: %w", r.cfg.Bucket, err)
	}
	if len(infos) == 0 || infos[0].Cseq == nil {
		return 0, fmt.Errorf("read the log sequence of %s: no cseq in the answer", r.cfg.Bucket)
	}
	return *infos[0].Cseq, nil
}

// raftAnswer is one answer of the log route.
type raftAnswer struct {
	Info struct {
		Start *int64 `json:"start"`
		Cseq  *int64 `json:"cseq"`
		Prune *int64 `json:"prune"`
	} `json:"info"`
	Log []struct {
		DB      string `json:"db"`
		Entries []struct {
			Type  string          `json:"type"`
			Key   string          `json:"key"`
			Value json.RawMessage `json:"value"`
		} `json:"entries"`
	} `json:"log"`
}

// batch reads one batch from pos, delivers the bucket's entries and a
// Checkpoint after them, and returns the position after it and whether
// the log holds more already.
func (r *RaftLog) batch(ctx context.Context, pos raftPos, sink Sink) (raftPos, bool, error) {
	q := url.Values{
		"begin":        {strconv.FormatInt(pos.next, 10)},
		"limit":        {strconv.Itoa(r.cfg.Limit)},
		"targetLeader": {"false"},
	}
	resp, err := r.get(ctx, "GetRaftLog", "/_/metadata/admin/raft_sessions/"+pos.session+"/log", q)
	if err != nil {
		return pos, false, fmt.Errorf("read the metadata log of %s from %d: %w", r.cfg.Bucket, pos.next, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusRequestedRangeNotSatisfiable:
		r.setLag(0)
		return pos, false, nil
	case http.StatusNotFound:
		return pos, false, fmt.Errorf("read the metadata log of %s: raft session %s: %w", r.cfg.Bucket, pos.session, errSessionGone)
	default:
		return pos, false, fmt.Errorf("read the metadata log of %s from %d: %w", r.cfg.Bucket, pos.next, statusError(resp))
	}
	var a raftAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return pos, false, fmt.Errorf("read the metadata log of %s from %d: %w", r.cfg.Bucket, pos.next, err)
	}
	if a.Info.Start == nil {
		return pos, false, nil
	}
	start := *a.Info.Start
	// Sequence numbers start at 1: a position of 0 lost nothing.
	if start > max(pos.next, 1) {
		why := fmt.Sprintf("the log starts at %d, after the saved position %d", start, pos.next)
		r.log.Warn("feed: metadata log position lost", "bucket", r.cfg.Bucket, "why", why)
		sink.Gap(Gap{Bucket: r.cfg.Bucket, Reason: GapLostPosition, Detail: why})
	}
	for i, rec := range a.Log {
		if start+int64(i) < pos.next || rec.DB != r.cfg.Bucket {
			continue
		}
		for _, e := range rec.Entries {
			if h, ok := r.hint(rec.DB, e.Type, e.Key, e.Value); ok {
				sink.Hint(h)
			}
		}
	}
	next := raftPos{session: pos.session, next: max(pos.next, start+int64(len(a.Log)))}
	sink.Checkpoint(next.encode())
	if a.Info.Cseq != nil {
		r.setLag(max(0, *a.Info.Cseq+1-next.next))
	}
	more := len(a.Log) >= r.cfg.Limit || (a.Info.Cseq != nil && next.next <= *a.Info.Cseq)
	return next, more && len(a.Log) > 0, nil
}

// objectMD holds the fields of the S3 Connector's object metadata a hint
// uses (Arsenal's ObjectMD).
type objectMD struct {
	ContentLength *int64 `json:"content-length"`
	ContentMD5    string `json:"content-md5"`
	LastModified  string `json:"last-modified"`
	VersionID     string `json:"versionId"`
	DeleteMarker  bool   `json:"isDeleteMarker"`
	// A bucket's own metadata has a model version instead of a key's.
	BucketModel *int `json:"mdBucketModelVersion"`
}

// hint converts one log entry; ok is false for an entry that is not an
// object's (a bucket's metadata, an internal key). A value that cannot be
// read still gives a hint of its key: the backend is read for the truth.
func (r *RaftLog) hint(db, typ, key string, value json.RawMessage) (Hint, bool) {
	if typ == "" {
		typ = "put"
	}
	if typ != "put" && typ != "del" {
		return Hint{}, false
	}
	key, ok := objectKey(key)
	if !ok {
		return Hint{}, false
	}
	name, rawVID, _ := strings.Cut(key, versionSep)
	h := Hint{Bucket: db, Key: name, Size: -1, Event: EventPut}
	if typ == "del" {
		h.Event = EventDelete
	} else if md, ok := readObjectMD(value); ok {
		if md.BucketModel != nil {
			return Hint{}, false
		}
		if md.DeleteMarker {
			h.Event = EventDeleteMarker
		}
		if md.ContentLength != nil {
			h.Size = *md.ContentLength
		}
		if md.ContentMD5 != "" {
			h.ETag = `"` + md.ContentMD5 + `"`
		}
		if t, err := time.Parse(time.RFC3339Nano, md.LastModified); err == nil {
			h.Time = t
		}
		if rawVID == "" {
			rawVID = md.VersionID
		}
	}
	if rawVID != "" {
		h.VersionID = r.cfg.EncodeVersionID(rawVID)
	}
	return h, true
}

// objectKey strips the prefix of the v1 metadata layout; ok is false for
// an internal key.
func objectKey(key string) (string, bool) {
	if k, ok := strings.CutPrefix(key, v1MasterPrefix); ok {
		return k, k != ""
	}
	if k, ok := strings.CutPrefix(key, v1VersionPrefix); ok {
		return k, k != ""
	}
	return key, key != "" && !strings.HasPrefix(key, "\x7f")
}

// readObjectMD reads an entry's value: a JSON string holding the
// metadata's JSON, or that JSON itself.
func readObjectMD(value json.RawMessage) (objectMD, bool) {
	value = bytes.TrimSpace(value)
	if len(value) > 0 && value[0] == '"' {
		var s string
		if json.Unmarshal(value, &s) != nil {
			return objectMD{}, false
		}
		value = []byte(s)
	}
	var md objectMD
	if len(value) == 0 || json.Unmarshal(value, &md) != nil {
		return objectMD{}, false
	}
	return md, true
}

// hexVersionID encodes a stored version ID as the S3 Connector shows it
// by default: its bytes in lower-case hexadecimal, as Node's Buffer
// writes them.
func hexVersionID(raw string) string {
	return hex.EncodeToString([]byte(raw))
}
