package embedded

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rclone/gofakes3"
	"github.com/ringside/ringside/internal/s3time"
)

// The S3 Connector's metadata routes that Scality's Backbeat ingestion
// reads, served from the change journal (docs/FEEDS.md has the formats and
// their sources). Every bucket is in raft session 1; its log holds the
// newest changes of every bucket, each one record of the bucket's db:
//
//	GET /_/metadata/admin/buckets/{bucket}/id       1
//	GET /_/metadata/default/informations/{bucket}   [{"cseq": N}]
//	GET /_/metadata/admin/raft_sessions/1/bucket    ["bucket", ...]
//	GET /_/metadata/admin/raft_sessions/1/log?begin=B&limit=L
//
// A record's entries are a "put" of key\x00versionId with the version's
// metadata, and of the master key (key alone) when the version became the
// latest, or a "del" of key\x00versionId; a null version has only its
// master key. The log is answered 416 when nothing is held at or after
// begin; when the changes from begin are no longer held, it starts at the
// oldest held, which the reader sees as a start after its begin.

const (
	metadataPrefix = "/_/metadata/"
	raftSession    = "1"
	maxLogLimit    = 10000
)

// metadata answers the metadata routes.
func (f *front) metadata(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, r, gofakes3.ErrMethodNotAllowed)
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, metadataPrefix), "/")
	switch {
	case len(parts) == 4 && parts[0] == "admin" && parts[1] == "buckets" && parts[3] == "id":
		f.withBucket(w, r, parts[2], func() { writeJSON(w, 1) })
	case len(parts) == 3 && parts[0] == "default" && parts[1] == "informations":
		f.withBucket(w, r, parts[2], func() {
			writeJSON(w, []map[string]uint64{{"cseq": f.store.events.last()}})
		})
	case len(parts) == 4 && parts[0] == "admin" && parts[1] == "raft_sessions" && parts[2] == raftSession && parts[3] == "bucket":
		f.raftBuckets(w, r)
	case len(parts) == 4 && parts[0] == "admin" && parts[1] == "raft_sessions" && parts[2] == raftSession && parts[3] == "log":
		f.raftLog(w, r)
	case len(parts) == 4 && parts[0] == "admin" && parts[1] == "raft_sessions":
		writeErrorStatus(w, r, "NoSuchKey", "No such raft session.", http.StatusNotFound)
	default:
		writeErrorStatus(w, r, "NotImplemented", "This metadata route is not served.", http.StatusNotImplemented)
	}
}

// withBucket runs answer when the bucket exists, and answers 404 else.
func (f *front) withBucket(w http.ResponseWriter, r *http.Request, bucket string, answer func()) {
	if ok, _ := f.store.BucketExists(r.Context(), bucket); !ok {
		writeError(w, r, gofakes3.BucketNotFound(bucket))
		return
	}
	answer()
}

func (f *front) raftBuckets(w http.ResponseWriter, r *http.Request) {
	infos, _ := f.store.ListBuckets(r.Context())
	names := make([]string, 0, len(infos))
	for _, b := range infos {
		names = append(names, b.Name)
	}
	slices.Sort(names)
	writeJSON(w, names)
}

// raftLogAnswer is the answer of the log route.
type raftLogAnswer struct {
	Info struct {
		Start uint64 `json:"start"`
		Cseq  uint64 `json:"cseq"`
		Prune uint64 `json:"prune"`
	} `json:"info"`
	Log []raftRecord `json:"log"`
}

type raftRecord struct {
	DB      string      `json:"db"`
	Entries []raftEntry `json:"entries"`
}

type raftEntry struct {
	Type  string `json:"type,omitempty"`
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
}

func (f *front) raftLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	begin, limit := uint64(1), maxLogLimit
	if v := q.Get("begin"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeErrorStatus(w, r, "InvalidArgument", "begin is not a sequence number.", http.StatusBadRequest)
			return
		}
		begin = max(n, 1)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeErrorStatus(w, r, "InvalidArgument", "limit is not a positive number.", http.StatusBadRequest)
			return
		}
		limit = min(n, maxLogLimit)
	}
	first, changes, ok := f.store.events.read(begin, limit)
	if !ok {
		writeErrorStatus(w, r, "InvalidRange", "No log record at or after begin.", http.StatusRequestedRangeNotSatisfiable)
		return
	}
	var a raftLogAnswer
	a.Info.Start, a.Info.Cseq, a.Info.Prune = first, f.store.events.last(), first-1
	a.Log = make([]raftRecord, 0, len(changes))
	for _, c := range changes {
		a.Log = append(a.Log, raftRecord{DB: c.bucket, Entries: raftEntries(c)})
	}
	writeJSON(w, a)
}

// objectMD is the part of the S3 Connector's object metadata (Arsenal's
// ObjectMD) the log carries here.
type objectMD struct {
	Key           string `json:"key"`
	ContentLength int64  `json:"content-length"`
	ContentMD5    string `json:"content-md5"`
	LastModified  string `json:"last-modified"`
	VersionID     string `json:"versionId,omitempty"`
	DeleteMarker  bool   `json:"isDeleteMarker,omitempty"`
}

// raftEntries are the log entries of one change.
func raftEntries(c change) []raftEntry {
	versioned := c.key
	if c.versionID != nullVersion {
		versioned += "\x00" + c.versionID
	}
	if c.event == eventDelete {
		return []raftEntry{{Type: "del", Key: versioned}}
	}
	md := objectMD{
		Key:           c.key,
		ContentLength: c.size,
		ContentMD5:    strings.Trim(c.etag, `"`),
		LastModified:  s3time.ISO(c.modified),
		DeleteMarker:  c.event == eventDeleteMarker,
	}
	if c.versionID != nullVersion {
		md.VersionID = c.versionID
	}
	b, _ := json.Marshal(md) // of strings and numbers: cannot fail
	entries := []raftEntry{{Key: versioned, Value: string(b)}}
	if c.latest && versioned != c.key {
		entries = append(entries, raftEntry{Key: c.key, Value: string(b)})
	}
	return entries
}

// writeJSON answers 200 with v as JSON.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	// A failure here is the client going away: nothing more can be said.
	_ = json.NewEncoder(w).Encode(v)
}
