package index

import (
	"fmt"
	"testing"
)

// page renders a ListObjects page in key order, prefixes as "cp:"+prefix.
func page(r ListResult) []string {
	return interleave(r.Objects, r.CommonPrefixes, func(v Version) string { return v.Key })
}

// interleave merges a page's entries and common prefixes in key order.
func interleave(vs []Version, cps []string, render func(Version) string) []string {
	out := []string{}
	for len(vs) > 0 || len(cps) > 0 {
		if len(cps) == 0 || len(vs) > 0 && vs[0].Key < cps[0] {
			out = append(out, render(vs[0]))
			vs = vs[1:]
			continue
		}
		out = append(out, "cp:"+cps[0])
		cps = cps[1:]
	}
	return out
}

// listAll pages through ListObjects with NextMarker and returns each page.
func listAll(t *testing.T, d *DB, bucket string, p ListParams) [][]string {
	t.Helper()
	var pages [][]string
	for range 100 {
		r, err := d.ListObjects(bucket, p)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page(r))
		if !r.IsTruncated {
			if r.NextMarker != "" {
				t.Errorf("NextMarker %q on the last page", r.NextMarker)
			}
			return pages
		}
		if r.NextMarker == "" {
			t.Fatal("truncated page without NextMarker")
		}
		p.Marker = r.NextMarker
	}
	t.Fatal("listing did not end")
	return nil
}

func TestListObjects(t *testing.T) {
	basic := []string{"a/1", "a/2", "b", "c/1", "d"}
	tests := []struct {
		name    string
		keys    []string
		deleted []string // keys whose latest version is a delete marker
		p       ListParams
		want    [][]string
	}{
		{"delimiter max 1", basic, nil, ListParams{Delimiter: "/", MaxKeys: 1},
			[][]string{{"cp:a/"}, {"b"}, {"cp:c/"}, {"d"}}},
		{"delimiter max 2", basic, nil, ListParams{Delimiter: "/", MaxKeys: 2},
			[][]string{{"cp:a/", "b"}, {"cp:c/", "d"}}},
		{"delimiter max 3", basic, nil, ListParams{Delimiter: "/", MaxKeys: 3},
			[][]string{{"cp:a/", "b", "cp:c/"}, {"d"}}},
		{"no delimiter max 2", basic, nil, ListParams{MaxKeys: 2},
			[][]string{{"a/1", "a/2"}, {"b", "c/1"}, {"d"}}},
		{"max 0 means 1000", basic, nil, ListParams{},
			[][]string{{"a/1", "a/2", "b", "c/1", "d"}}},
		{"exact fit is not truncated", basic, nil, ListParams{MaxKeys: 5},
			[][]string{{"a/1", "a/2", "b", "c/1", "d"}}},
		{"marker is a common prefix", basic, nil, ListParams{Delimiter: "/", Marker: "a/"},
			[][]string{{"b", "cp:c/", "d"}}},
		{"marker is a key under a common prefix", basic, nil, ListParams{Delimiter: "/", Marker: "a/1"},
			[][]string{{"b", "cp:c/", "d"}}},
		{"same marker without delimiter is a key", basic, nil, ListParams{Marker: "a/"},
			[][]string{{"a/1", "a/2", "b", "c/1", "d"}}},
		{"marker is a key", basic, nil, ListParams{Marker: "b"},
			[][]string{{"c/1", "d"}}},
		{"marker between keys", basic, nil, ListParams{Marker: "bb"},
			[][]string{{"c/1", "d"}}},
		{"marker before prefix", basic, nil, ListParams{Prefix: "c", Marker: "a"},
			[][]string{{"c/1"}}},
		{"marker after prefix", basic, nil, ListParams{Prefix: "a", Marker: "b"},
			[][]string{{}}},
		{"marker after last key", basic, nil, ListParams{Marker: "z"},
			[][]string{{}}},
		{"prefix and delimiter",
			[]string{"photos/2024/a", "photos/2024/b", "photos/2025/c", "photos/x", "photosx", "other"}, nil,
			ListParams{Prefix: "photos/", Delimiter: "/"},
			[][]string{{"cp:photos/2024/", "cp:photos/2025/", "photos/x"}}},
		{"prefix and delimiter paged",
			[]string{"p/a/1", "p/a/2", "p/b", "p/c/1", "p/c/2", "p/d", "q/1"}, nil,
			ListParams{Prefix: "p/", Delimiter: "/", MaxKeys: 1},
			[][]string{{"cp:p/a/"}, {"p/b"}, {"cp:p/c/"}, {"p/d"}}},
		{"key equal to prefix", []string{"a", "a/", "a/b", "ab"}, nil,
			ListParams{Prefix: "a/", Delimiter: "/"},
			[][]string{{"a/", "a/b"}}},
		{"multi-byte delimiter", []string{"a--b", "a--c", "a-b", "b"}, nil,
			ListParams{Delimiter: "--", MaxKeys: 1},
			[][]string{{"cp:a--"}, {"a-b"}, {"b"}}},
		{"unicode keys in byte order", []string{"日本", "é", "z", "a", "Z", "a/", "aa", "e\u0301"}, nil,
			ListParams{MaxKeys: 3},
			[][]string{{"Z", "a", "a/"}, {"aa", "e\u0301", "z"}, {"é", "日本"}}},
		{"delete markers hidden", []string{"x", "y", "z/1", "z/2", "w/1"}, []string{"v", "y", "z/1", "z/2", "w/1"},
			ListParams{}, [][]string{{"x"}}},
		{"delete markers hide their common prefix", []string{"x", "z/1", "z/2", "w/1", "w/2"}, []string{"z/1", "w/1"},
			ListParams{Delimiter: "/", MaxKeys: 1},
			[][]string{{"cp:w/"}, {"x"}, {"cp:z/"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDB(t)
			for _, k := range tt.keys {
				record(t, d, "bkt", ver(k, "v1"))
			}
			for _, k := range tt.deleted {
				record(t, d, "bkt", marker(k, "dm"))
			}
			record(t, d, "bkt0", ver("a/1", "v1"), ver("zz", "v1")) // neighbours that must not leak in
			record(t, d, "bkt1", ver("a/1", "v1"))
			got := listAll(t, d, "bkt", tt.p)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("pages = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestListObjectsPageSize(t *testing.T) {
	d := newDB(t)
	bulkLoad(t, d, "bkt", 1001)
	tests := []struct {
		maxKeys   int
		wantLen   int
		truncated bool
	}{
		{0, 1000, true},
		{-5, 1000, true},
		{1, 1, true},
		{1000, 1000, true},
		{5000, 1000, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.maxKeys), func(t *testing.T) {
			r, err := d.ListObjects("bkt", ListParams{MaxKeys: tt.maxKeys})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Objects) != tt.wantLen || r.IsTruncated != tt.truncated {
				t.Fatalf("got %d objects truncated=%v, want %d truncated=%v",
					len(r.Objects), r.IsTruncated, tt.wantLen, tt.truncated)
			}
			if last := r.Objects[len(r.Objects)-1].Key; r.NextMarker != last {
				t.Errorf("NextMarker = %q, want the last key %q", r.NextMarker, last)
			}
			if !r.Objects[0].IsLatest || r.Objects[0].ETag != `"v1"` {
				t.Errorf("object not decoded: %+v", r.Objects[0])
			}
		})
	}
	pages := listAll(t, d, "bkt", ListParams{})
	if len(pages) != 2 || len(pages[0]) != 1000 || len(pages[1]) != 1 || pages[1][0] != "k/0001000" {
		t.Errorf("paging 1001 keys gave %d pages", len(pages))
	}
}

// vpage renders a ListVersions page like ids, in key order.
func vpage(r VersionListResult) []string {
	return interleave(r.Versions, r.CommonPrefixes, func(v Version) string { return ids([]Version{v})[0] })
}

func versionFixture(t *testing.T) *DB {
	d := newDB(t)
	record(t, d, "bkt",
		ver("a", "a1"), ver("a", "a2"), ver("a", "a3"), ver("a", "a4"),
		ver("b", "b1"), marker("b", "b2"),
		ver("c/1", "c1"), ver("c/2", "c2"), marker("c/2", "c3"),
		ver("d", "d1"), ver("d", "d2"),
	)
	record(t, d, "bkt2", ver("a", "x1"))
	return d
}

func TestListVersionsPaging(t *testing.T) {
	all := []string{"a@a4*", "a@a3", "a@a2", "a@a1", "b@b2!*", "b@b1",
		"c/1@c1*", "c/2@c3!*", "c/2@c2", "d@d2*", "d@d1"}
	withCP := []string{"a@a4*", "a@a3", "a@a2", "a@a1", "b@b2!*", "b@b1", "cp:c/", "d@d2*", "d@d1"}
	tests := []struct {
		name string
		p    VersionListParams
		want []string
	}{
		{"max 1", VersionListParams{MaxKeys: 1}, all},
		{"max 2", VersionListParams{MaxKeys: 2}, all},
		{"max 3", VersionListParams{MaxKeys: 3}, all},
		{"max 0", VersionListParams{}, all},
		{"delimiter max 1", VersionListParams{Delimiter: "/", MaxKeys: 1}, withCP},
		{"delimiter max 4", VersionListParams{Delimiter: "/", MaxKeys: 4}, withCP},
		{"prefix", VersionListParams{Prefix: "c/", MaxKeys: 2}, []string{"c/1@c1*", "c/2@c3!*", "c/2@c2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := versionFixture(t)
			var got []string
			p := tt.p
			for range 100 {
				r, err := d.ListVersions("bkt", p)
				if err != nil {
					t.Fatal(err)
				}
				if limit := pageSize(p.MaxKeys); len(r.Versions)+len(r.CommonPrefixes) > limit {
					t.Fatalf("page of %d entries with max %d", len(r.Versions)+len(r.CommonPrefixes), limit)
				}
				got = append(got, vpage(r)...)
				if !r.IsTruncated {
					if r.NextKeyMarker != "" || r.NextVersionIDMarker != "" {
						t.Errorf("next markers %q %q on the last page", r.NextKeyMarker, r.NextVersionIDMarker)
					}
					break
				}
				p.KeyMarker, p.VersionIDMarker = r.NextKeyMarker, r.NextVersionIDMarker
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestListVersionsMarkers(t *testing.T) {
	tests := []struct {
		name string
		p    VersionListParams
		want []string
		next [2]string
	}{
		{"key marker alone skips the whole key", VersionListParams{KeyMarker: "a", MaxKeys: 2},
			[]string{"b@b2!*", "b@b1"}, [2]string{"b", "b1"}},
		{"key and version marker resume inside the key", VersionListParams{KeyMarker: "a", VersionIDMarker: "a3", MaxKeys: 3},
			[]string{"a@a2", "a@a1", "b@b2!*"}, [2]string{"b", "b2"}},
		{"version marker of the last version", VersionListParams{KeyMarker: "a", VersionIDMarker: "a1", MaxKeys: 1},
			[]string{"b@b2!*"}, [2]string{"b", "b2"}},
		{"unknown version marker skips the key", VersionListParams{KeyMarker: "a", VersionIDMarker: "zz", MaxKeys: 1},
			[]string{"b@b2!*"}, [2]string{"b", "b2"}},
		{"version marker without key marker is ignored", VersionListParams{VersionIDMarker: "a3", MaxKeys: 1},
			[]string{"a@a4*"}, [2]string{"a", "a4"}},
		{"key marker is a common prefix", VersionListParams{KeyMarker: "c/", Delimiter: "/"},
			[]string{"d@d2*", "d@d1"}, [2]string{}},
		{"common prefix ends a page", VersionListParams{KeyMarker: "b", VersionIDMarker: "b1", Delimiter: "/", MaxKeys: 1},
			[]string{"cp:c/"}, [2]string{"c/", ""}},
		{"key marker before prefix", VersionListParams{Prefix: "d", KeyMarker: "a"},
			[]string{"d@d2*", "d@d1"}, [2]string{}},
		{"key marker after everything", VersionListParams{KeyMarker: "e"},
			[]string{}, [2]string{}},
	}
	d := versionFixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := d.ListVersions("bkt", tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if got := vpage(r); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if next := [2]string{r.NextKeyMarker, r.NextVersionIDMarker}; next != tt.next {
				t.Errorf("next markers = %q, want %q", next, tt.next)
			}
			if r.IsTruncated != (tt.next != [2]string{}) {
				t.Errorf("IsTruncated = %v", r.IsTruncated)
			}
		})
	}
}

func TestListVersionsManyVersions(t *testing.T) {
	d := newDB(t)
	var want []string
	for _, k := range []string{"k1", "k2", "k3"} {
		for i := 1; i <= 7; i++ {
			record(t, d, "bkt", ver(k, fmt.Sprintf("%s-%d", k, i)))
		}
		for i := 7; i >= 1; i-- {
			s := fmt.Sprintf("%s@%s-%d", k, k, i)
			if i == 7 {
				s += "*"
			}
			want = append(want, s)
		}
	}
	for _, max := range []int{1, 2, 3, 5, 7, 8, 20, 21, 22} {
		var got []string
		p := VersionListParams{MaxKeys: max}
		for range 100 {
			r, err := d.ListVersions("bkt", p)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(r.Versions)...)
			if !r.IsTruncated {
				break
			}
			p.KeyMarker, p.VersionIDMarker = r.NextKeyMarker, r.NextVersionIDMarker
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("max %d: got %q\nwant %q", max, got, want)
		}
	}
}
