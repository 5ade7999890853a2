package embedded

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rclone/gofakes3"
)

// scenario builds a store with bucket "b" from steps: "put k", "del k"
// (a delete without a version), "rmv k N" (remove the Nth version of k
// made, counting from 1), "suspend", "enable".
type scenario struct {
	s    *store
	made map[string][]string // VersionIds made per key, oldest first
}

func newScenario(t *testing.T, versioned bool, steps ...string) *scenario {
	t.Helper()
	sc := &scenario{s: newStore(), made: map[string][]string{}}
	ctx := context.Background()
	if err := sc.s.CreateBucket(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if versioned {
		sc.step(t, "enable")
	}
	for _, st := range steps {
		sc.step(t, st)
	}
	return sc
}

func (sc *scenario) step(t *testing.T, st string) {
	t.Helper()
	f := strings.Fields(st)
	ctx := context.Background()
	var err error
	switch f[0] {
	case "put":
		var v *version
		v, _, err = sc.s.put(ctx, "b", f[1], nil, []byte(st))
		if err == nil {
			sc.made[f[1]] = append(sc.made[f[1]], v.id)
		}
	case "del":
		var r gofakes3.ObjectDeleteResult
		r, err = sc.s.DeleteObject(ctx, "b", f[1])
		if r.IsDeleteMarker {
			sc.made[f[1]] = append(sc.made[f[1]], string(r.VersionID))
		}
	case "rmv":
		var n int
		fmt.Sscan(f[2], &n)
		_, err = sc.s.DeleteObjectVersion("b", f[1], gofakes3.VersionID(sc.made[f[1]][n-1]))
	case "suspend", "enable":
		err = sc.s.SetVersioningConfiguration("b", gofakes3.VersioningConfiguration{Status: map[string]gofakes3.VersioningStatus{
			"suspend": gofakes3.VersioningSuspended, "enable": gofakes3.VersioningEnabled}[f[0]]})
	}
	if err != nil {
		t.Fatalf("%s: %v", st, err)
	}
}

// name is how an entry reads in the tests: key#N for the Nth version made
// of key, "dm" for a delete marker, "*" for the latest.
func (sc *scenario) name(key, id string, deleteMarker, latest bool) string {
	n := "?"
	for i, made := range sc.made[key] {
		if made == id {
			n = fmt.Sprint(i + 1)
		}
	}
	if id == nullVersion {
		n = "null"
	}
	s := key + "#" + n
	if deleteMarker {
		s += " dm"
	}
	if latest {
		s += " *"
	}
	return s
}

func (sc *scenario) list(t *testing.T, q versionQuery) (string, versionListing) {
	t.Helper()
	l, err := sc.s.listVersions("b", q)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range l.entries {
		out = append(out, sc.name(e.key, e.id, e.deleteMarker, e.latest))
	}
	for _, p := range l.prefixes {
		out = append(out, "prefix "+p)
	}
	return strings.Join(out, ", "), l
}

func TestListVersions(t *testing.T) {
	steps := []string{"put a", "put b", "del a", "put a", "put c/1", "put c/2", "del b", "put d"}
	tests := []struct {
		name      string
		steps     []string
		query     versionQuery
		want      string
		truncated bool
	}{
		{name: "newest first, markers in place", query: versionQuery{},
			want: "a#3 *, a#2 dm, a#1, b#2 dm *, b#1, c/1#1 *, c/2#1 *, d#1 *"},
		{name: "first page", query: versionQuery{maxKeys: 2}, want: "a#3 *, a#2 dm", truncated: true},
		{name: "resume inside a key", query: versionQuery{keyMarker: "a", versionIDMarker: "@a2", maxKeys: 2},
			want: "a#1, b#2 dm *", truncated: true},
		{name: "key marker alone skips the key", query: versionQuery{keyMarker: "a"},
			want: "b#2 dm *, b#1, c/1#1 *, c/2#1 *, d#1 *"},
		{name: "prefix", query: versionQuery{prefix: "c/"}, want: "c/1#1 *, c/2#1 *"},
		{name: "delimiter", query: versionQuery{delimiter: "/"},
			want: "a#3 *, a#2 dm, a#1, b#2 dm *, b#1, d#1 *, prefix c/"},
		{name: "common prefix counts once", query: versionQuery{delimiter: "/", keyMarker: "b", maxKeys: 1},
			want: "prefix c/", truncated: true},
		{name: "resume after a common prefix", query: versionQuery{delimiter: "/", keyMarker: "c/"},
			want: "d#1 *"},
		{name: "marker version deleted since", steps: []string{"rmv a 2"},
			query: versionQuery{keyMarker: "a", versionIDMarker: "@a2"}, want: "a#1, b#2 dm *, b#1, c/1#1 *, c/2#1 *, d#1 *"},
		{name: "latest removed: the one before is latest", steps: []string{"rmv a 3"},
			query: versionQuery{prefix: "a"}, want: "a#2 dm *, a#1"},
		{name: "last page", query: versionQuery{keyMarker: "c/2"}, want: "d#1 *"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newScenario(t, true, append(append([]string{}, steps...), tt.steps...)...)
			q := tt.query
			if strings.HasPrefix(q.versionIDMarker, "@") {
				var n int
				fmt.Sscan(q.versionIDMarker[2:], &n)
				q.versionIDMarker = sc.made[q.versionIDMarker[1:2]][n-1]
			}
			got, l := sc.list(t, q)
			if got != tt.want || l.truncated != tt.truncated {
				t.Fatalf("got %s (truncated %t), want %s (truncated %t)", got, l.truncated, tt.want, tt.truncated)
			}
			if l.truncated && l.nextKeyMarker == "" {
				t.Fatal("a truncated page without a next marker")
			}
		})
	}
}

func TestListVersionsPagesJoinUp(t *testing.T) {
	sc := newScenario(t, true, "put a", "put b", "del a", "put a", "put c/1", "put c/2", "del b", "put d", "put a")
	whole, _ := sc.list(t, versionQuery{})
	for size := 1; size <= 4; size++ {
		var pages []string
		q := versionQuery{maxKeys: size}
		for i := 0; ; i++ {
			got, l := sc.list(t, q)
			pages = append(pages, got)
			if !l.truncated {
				break
			}
			if i > 20 {
				t.Fatal("the listing does not end")
			}
			q.keyMarker, q.versionIDMarker = l.nextKeyMarker, l.nextVersionIDMarker
		}
		if joined := strings.Join(pages, ", "); joined != whole {
			t.Fatalf("pages of %d: %s, want %s", size, joined, whole)
		}
	}
}

func TestUnversionedAndSuspended(t *testing.T) {
	tests := []struct {
		name      string
		versioned bool
		steps     []string
		want      string
	}{
		{"never versioned: one null version", false, []string{"put a", "put a"}, "a#null *"},
		{"never versioned: delete removes", false, []string{"put a", "del a"}, ""},
		{"suspended: the null version is replaced", true, []string{"put a", "suspend", "put a", "put a"}, "a#null *, a#1"},
		{"suspended: delete leaves a null marker", true, []string{"put a", "suspend", "put a", "del a"}, "a#null dm *, a#1"},
		{"re-enabled keeps the null version", true, []string{"suspend", "put a", "enable", "put a"}, "a#2 *, a#null"},
		{"delete of a missing key makes a marker", true, []string{"del a"}, "a#1 dm *"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newScenario(t, tt.versioned, tt.steps...)
			if got, _ := sc.list(t, versionQuery{}); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestListBucket(t *testing.T) {
	sc := newScenario(t, true, "put a/1", "put a/2", "put b", "put c", "del c", "put d/1", "put e")
	tests := []struct {
		prefix, delimiter, marker string
		maxKeys                   int64
		want                      string
		truncated                 bool
	}{
		{want: "a/1 a/2 b d/1 e"},
		{delimiter: "/", want: "a/ b d/ e"},
		{delimiter: "/", maxKeys: 1, want: "a/", truncated: true},
		{delimiter: "/", marker: "a/", maxKeys: 2, want: "b d/", truncated: true},
		{delimiter: "/", marker: "d/", want: "e"},
		{prefix: "a/", want: "a/1 a/2"},
		{marker: "b", want: "d/1 e"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q %q %q %d", tt.prefix, tt.delimiter, tt.marker, tt.maxKeys), func(t *testing.T) {
			l, err := sc.s.ListBucket(context.Background(), "b", &gofakes3.Prefix{Prefix: tt.prefix, HasPrefix: tt.prefix != "", Delimiter: tt.delimiter, HasDelimiter: tt.delimiter != ""},
				gofakes3.ListBucketPage{Marker: tt.marker, HasMarker: tt.marker != "", MaxKeys: tt.maxKeys})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			sorted := func(s []string) []string { slices.Sort(s); return s }
			for _, p := range l.CommonPrefixes {
				got = append(got, p.Prefix)
			}
			for _, c := range l.Contents {
				got = append(got, c.Key)
			}
			if g := strings.Join(sorted(got), " "); g != tt.want || l.IsTruncated != tt.truncated {
				t.Fatalf("got %s (truncated %t), want %s (truncated %t)", g, l.IsTruncated, tt.want, tt.truncated)
			}
		})
	}
}
