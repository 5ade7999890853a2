package feed

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestSessionID(t *testing.T) {
	tests := map[string]string{
		`1`: "1", `"12"`: "12", `[3]`: "3", `["4"]`: "4", " 5\n": "5",
		`[]`: "", `"x"`: "", `-1`: "", ``: "",
	}
	for body, want := range tests {
		if got := sessionID([]byte(body)); got != want {
			t.Errorf("sessionID(%q) = %q, want %q", body, got, want)
		}
	}
}

func TestRaftEntryHint(t *testing.T) {
	r, err := NewRaftLog(RaftLogConfig{Client: plainGetter{}, Bucket: "b"})
	if err != nil {
		t.Fatal(err)
	}
	md := func(v string) json.RawMessage { b, _ := json.Marshal(v); return b }
	put := md(`{"key":"k","content-length":5,"content-md5":"abc","last-modified":"2026-12-06T00:00:01.000Z","versionId":"v1"}`)
	tests := []struct {
		name   string
		typ    string
		key    string
		value  json.RawMessage
		want   Hint
		wantOK bool
	}{
		{name: "versioned put", typ: "", key: "k\x00v1", value: put, wantOK: true, want: Hint{
			Bucket: "b", Key: "k", VersionID: "7631", ETag: `"abc"`, Size: 5, Event: EventPut,
			Time: time.Date(2026, 12, 6, 0, 0, 1, 0, time.UTC)}},
		{name: "master put takes the version from the value", typ: "put", key: "k", value: put, wantOK: true, want: Hint{
			Bucket: "b", Key: "k", VersionID: "7631", ETag: `"abc"`, Size: 5, Event: EventPut,
			Time: time.Date(2026, 12, 6, 0, 0, 1, 0, time.UTC)}},
		{name: "value as an object", typ: "put", key: "k", value: json.RawMessage(`{"content-length":7}`), wantOK: true,
			want: Hint{Bucket: "b", Key: "k", Size: 7, Event: EventPut}},
		{name: "delete marker", typ: "put", key: "k\x00v2", value: md(`{"isDeleteMarker":true}`), wantOK: true,
			want: Hint{Bucket: "b", Key: "k", VersionID: "7632", Size: -1, Event: EventDeleteMarker}},
		{name: "del", typ: "del", key: "k\x00v3", wantOK: true,
			want: Hint{Bucket: "b", Key: "k", VersionID: "7633", Size: -1, Event: EventDelete}},
		{name: "v1 version key", typ: "put", key: "\x7fVk\x00v1", value: md(`{}`), wantOK: true,
			want: Hint{Bucket: "b", Key: "k", VersionID: "7631", Size: -1, Event: EventPut}},
		{name: "v1 master key", typ: "put", key: "\x7fMdir/k", value: md(`{}`), wantOK: true,
			want: Hint{Bucket: "b", Key: "dir/k", Size: -1, Event: EventPut}},
		{name: "unreadable value still hints its key", typ: "put", key: "k", value: json.RawMessage(`"{not json"`), wantOK: true,
			want: Hint{Bucket: "b", Key: "k", Size: -1, Event: EventPut}},
		{name: "replay key", typ: "put", key: "\x7fRk", value: md(`{}`)},
		{name: "bucket metadata", typ: "put", key: "b", value: md(`{"mdBucketModelVersion":10}`)},
		{name: "other type", typ: "batch", key: "k"},
		{name: "no key", typ: "put", key: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := r.hint("b", tt.typ, tt.key, tt.value)
			if ok != tt.wantOK || got != tt.want {
				t.Errorf("got %+v, %v\nwant %+v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestRaftPosition(t *testing.T) {
	p := raftPos{session: "7", next: 42}
	got, ok := decodeRaftPos(p.encode())
	if !ok || got != p {
		t.Errorf("round trip of %+v: %+v, %v", p, got, ok)
	}
	for _, bad := range []Position{"", "7:42", "raft:7", "raft::4", "raft:7:x", "raft:7:-1"} {
		if _, ok := decodeRaftPos(bad); ok {
			t.Errorf("decodeRaftPos(%q) accepted", bad)
		}
	}
}

// A raft session that disappears under the reader is looked up again; the
// bucket's new session cannot resume the old one's position: a gap.
func TestRaftLogSessionMoves(t *testing.T) {
	var moved atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/_/metadata/admin/buckets/b/id":
			if moved.Load() {
				fmt.Fprint(w, "2")
			} else {
				fmt.Fprint(w, "1")
			}
		case "/_/metadata/default/informations/b":
			fmt.Fprint(w, `[{"cseq":5}]`)
		case "/_/metadata/admin/raft_sessions/1/log":
			moved.Store(true)
			http.NotFound(w, r)
		case "/_/metadata/admin/raft_sessions/2/log":
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
		default:
			t.Errorf("unexpected request %s", r.URL)
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	r, err := NewRaftLog(RaftLogConfig{Client: plainGetter{srv.URL}, Bucket: "b", Poll: time.Millisecond, MinBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, "", rec) }()
	waitFor(t, "a gap", func() bool { _, g, _ := rec.snapshot(); return len(g) > 0 })
	cancel()
	<-done
	_, gaps, _ := rec.snapshot()
	if len(gaps) != 1 || gaps[0].Reason != GapLostPosition || !strings.Contains(gaps[0].Detail, "raft session 2") {
		t.Errorf("gaps %+v, want one lost-position gap naming session 2", gaps)
	}
}
