package index

import (
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"
)

func TestRecordVersion(t *testing.T) {
	withETag := func(v Version, etag string) Version { v.ETag = etag; return v }
	tests := []struct {
		name       string
		writes     []Version
		want       []string
		wantLatest string // ETag of Latest
		stats      Stats
	}{
		{"newest first", []Version{ver("k", "v1"), ver("k", "v2"), ver("k", "v3")},
			[]string{"k@v3*", "k@v2", "k@v1"}, `"v3"`, Stats{Objects: 1, Versions: 3}},
		{"same id updates in place", []Version{ver("k", "v1"), ver("k", "v2"), withETag(ver("k", "v1"), `"new"`)},
			[]string{"k@v2*", "k@v1"}, `"v2"`, Stats{Objects: 1, Versions: 2}},
		{"same id as latest updates latest", []Version{ver("k", "v1"), ver("k", "v2"), withETag(ver("k", "v2"), `"new"`)},
			[]string{"k@v2*", "k@v1"}, `"new"`, Stats{Objects: 1, Versions: 2}},
		{"null replaces null and becomes latest",
			[]Version{withETag(ver("k", NullVersion), `"e1"`), ver("k", "v1"), withETag(ver("k", NullVersion), `"e2"`)},
			[]string{"k@null*", "k@v1"}, `"e2"`, Stats{Objects: 1, Versions: 2}},
		{"null over latest null", []Version{withETag(ver("k", NullVersion), `"e1"`), withETag(ver("k", NullVersion), `"e2"`)},
			[]string{"k@null*"}, `"e2"`, Stats{Objects: 1, Versions: 1}},
		{"delete marker is latest", []Version{ver("k", "v1"), marker("k", "dm")},
			[]string{"k@dm!*", "k@v1"}, "", Stats{Objects: 0, Versions: 2}},
		{"write over a delete marker", []Version{ver("k", "v1"), marker("k", "dm"), ver("k", "v2")},
			[]string{"k@v2*", "k@dm!", "k@v1"}, `"v2"`, Stats{Objects: 1, Versions: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDB(t)
			before := time.Now()
			record(t, d, "bkt", tt.writes...)
			if got := keyVersionIDs(t, d, "bkt", "k"); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("versions = %q, want %q", got, tt.want)
			}
			l, err := d.Latest("bkt", "k")
			if err != nil {
				t.Fatal(err)
			}
			if l.ETag != tt.wantLatest || !l.IsLatest || l.IndexedAt.Before(before) {
				t.Errorf("Latest = %+v, want ETag %s, IsLatest and IndexedAt set", l, tt.wantLatest)
			}
			checkStats(t, d, tt.stats)
		})
	}
}

func TestRemoveVersion(t *testing.T) {
	tests := []struct {
		name       string
		writes     []Version
		remove     []string
		want       []string
		wantLatest string // VersionID of Latest, "" for ErrNotFound
		listed     []string
		stats      Stats
	}{
		{"latest removed", []Version{ver("k", "v1"), ver("k", "v2")}, []string{"v2"},
			[]string{"k@v1*"}, "v1", []string{"k"}, Stats{Objects: 1, Versions: 1}},
		{"older removed", []Version{ver("k", "v1"), ver("k", "v2")}, []string{"v1"},
			[]string{"k@v2*"}, "v2", []string{"k"}, Stats{Objects: 1, Versions: 1}},
		{"delete marker removed restores the object", []Version{ver("k", "v1"), marker("k", "dm")}, []string{"dm"},
			[]string{"k@v1*"}, "v1", []string{"k"}, Stats{Objects: 1, Versions: 1}},
		{"removal uncovers a delete marker", []Version{marker("k", "dm"), ver("k", "v1")}, []string{"v1"},
			[]string{"k@dm!*"}, "dm", []string{}, Stats{Objects: 0, Versions: 1}},
		{"last removed drops the key", []Version{ver("k", "v1"), ver("k", "v2")}, []string{"v2", "v1"},
			[]string{}, "", []string{}, Stats{}},
		{"unknown is not an error", []Version{ver("k", "v1")}, []string{"nope"},
			[]string{"k@v1*"}, "v1", []string{"k"}, Stats{Objects: 1, Versions: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDB(t)
			record(t, d, "bkt", tt.writes...)
			for _, id := range tt.remove {
				if err := d.RemoveVersion("bkt", "k", id); err != nil {
					t.Fatal(err)
				}
			}
			if err := d.RemoveVersion("bkt", "unknown-key", "v1"); err != nil {
				t.Fatal(err)
			}
			if got := keyVersionIDs(t, d, "bkt", "k"); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("versions = %q, want %q", got, tt.want)
			}
			l, err := d.Latest("bkt", "k")
			if tt.wantLatest == "" {
				wantNotFound(t, err)
			} else if err != nil || l.VersionID != tt.wantLatest {
				t.Errorf("Latest = %v %v, want %s", l.VersionID, err, tt.wantLatest)
			}
			r, err := d.ListObjects("bkt", ListParams{})
			if err != nil {
				t.Fatal(err)
			}
			if got := page(r); fmt.Sprint(got) != fmt.Sprint(tt.listed) {
				t.Errorf("listed %q, want %q", got, tt.listed)
			}
			empty, err := d.BucketIsEmpty("bkt")
			if err != nil || empty != (tt.stats.Versions == 0) {
				t.Errorf("BucketIsEmpty = %v %v", empty, err)
			}
			checkStats(t, d, tt.stats)
		})
	}
}

func TestGetVersion(t *testing.T) {
	d := newDB(t)
	record(t, d, "bkt", ver("k", "v1"), ver("k", "v2"))
	tests := []struct {
		key, id    string
		wantLatest bool
		wantErr    bool
	}{
		{"k", "v2", true, false},
		{"k", "v1", false, false},
		{"k", "v3", false, true},
		{"other", "v1", false, true},
	}
	for _, tt := range tests {
		v, err := d.GetVersion("bkt", tt.key, tt.id)
		if tt.wantErr {
			wantNotFound(t, err)
			continue
		}
		if err != nil || v.VersionID != tt.id || v.IsLatest != tt.wantLatest || v.Key != tt.key {
			t.Errorf("GetVersion(%s, %s) = %+v, %v", tt.key, tt.id, v, err)
		}
	}
	_, err := d.Latest("bkt", "other")
	wantNotFound(t, err)
	_, err = d.Latest("bkt2", "k")
	wantNotFound(t, err)
	if vs, err := d.KeyVersions("bkt", "other"); err != nil || len(vs) != 0 {
		t.Errorf("KeyVersions of an unknown key = %v, %v", vs, err)
	}
}

func TestCompleteMetadata(t *testing.T) {
	meta := map[string]string{"Content-Type": "text/plain", "X-Amz-Meta-A": "1"}
	pending := func(v Version) Version { v.MetaPending = true; return v }
	tests := []struct {
		name       string
		id         string
		wantLatest map[string]string
		wantErr    bool
	}{
		{"latest", "v2", meta, false},
		{"older", "v1", nil, false},
		{"unknown", "v3", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDB(t)
			record(t, d, "bkt", pending(ver("k", "v1")), pending(ver("k", "v2")))
			before, err := d.GetVersion("bkt", "k", "v2")
			if err != nil {
				t.Fatal(err)
			}
			err = d.CompleteMetadata("bkt", "k", tt.id, meta)
			if tt.wantErr {
				wantNotFound(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			v, err := d.GetVersion("bkt", "k", tt.id)
			if err != nil || v.MetaPending || !maps.Equal(v.Metadata, meta) {
				t.Errorf("version after CompleteMetadata = %+v, %v", v, err)
			}
			l, err := d.Latest("bkt", "k")
			if err != nil || !maps.Equal(l.Metadata, tt.wantLatest) || l.MetaPending != (tt.wantLatest == nil) {
				t.Errorf("Latest = %+v, %v", l, err)
			}
			if tt.id == "v2" && !l.IndexedAt.Equal(before.IndexedAt) {
				t.Errorf("IndexedAt moved from %v to %v", before.IndexedAt, l.IndexedAt)
			}
			if got := keyVersionIDs(t, d, "bkt", "k"); fmt.Sprint(got) != "[k@v2* k@v1]" {
				t.Errorf("versions = %q", got)
			}
		})
	}
}

func TestRecordVersionConcurrent(t *testing.T) {
	d := newDB(t)
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- d.RecordVersion("bkt", ver("k", fmt.Sprintf("v%02d", i)))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	vs, err := d.KeyVersions("bkt", "k")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, v := range vs {
		seen[v.VersionID] = true
	}
	if len(vs) != n || len(seen) != n {
		t.Fatalf("got %d versions (%d distinct), want %d: %q", len(vs), len(seen), n, ids(vs))
	}
	l, err := d.Latest("bkt", "k")
	if err != nil || l.VersionID != vs[0].VersionID {
		t.Errorf("Latest = %s, %v; newest version is %s", l.VersionID, err, vs[0].VersionID)
	}
	checkStats(t, d, Stats{Objects: 1, Versions: n})
}

func TestSetParts(t *testing.T) {
	tests := []struct {
		name       string
		versionID  string
		etag       string
		wantStored bool
	}{
		{"same content", "v1", `"e-2"`, true},
		{"replaced since", "v1", `"other-2"`, false},
		{"gone", "v9", `"e-2"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := newDB(t)
			v := Version{Key: "k", VersionID: "v1", ETag: `"e-2"`, Size: 7, LastModified: t0}
			if err := db.RecordVersion("b", v); err != nil {
				t.Fatal(err)
			}
			stored, err := db.SetParts("b", "k", tt.versionID, tt.etag, []int64{5, 2})
			if err != nil || stored != tt.wantStored {
				t.Fatalf("SetParts = %v, %v; want %v", stored, err, tt.wantStored)
			}
			got, err := db.Latest("b", "k")
			if err != nil {
				t.Fatal(err)
			}
			if want := tt.wantStored; (len(got.Parts) == 2) != want {
				t.Errorf("parts after SetParts = %v, stored %v", got.Parts, want)
			}
		})
	}
}
