package index

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSetKeyVersions(t *testing.T) {
	meta := map[string]string{"Content-Type": "text/plain"}
	pending := func(v Version) Version { v.MetaPending = true; return v }
	complete := func(v Version, m map[string]string) Version { v.Metadata = m; return v }
	etag := func(v Version, e string) Version { v.ETag = e; return v }
	size := func(v Version, s int64) Version { v.Size = s; return v }
	tests := []struct {
		name    string
		before  []Version // recorded before the listing began
		after   []Version // recorded after the listing began
		listed  []Version
		changed bool
		want    []string
		stats   Stats
		check   func(t *testing.T, vs []Version)
	}{
		{"new key", nil, nil, []Version{pending(ver("k", "v2")), pending(ver("k", "v1"))},
			true, []string{"k@v2*", "k@v1"}, Stats{Objects: 1, Versions: 2}, nil},
		{"equal", []Version{ver("k", "v1"), ver("k", "v2")}, nil, []Version{ver("k", "v2"), ver("k", "v1")},
			false, []string{"k@v2*", "k@v1"}, Stats{Objects: 1, Versions: 2}, nil},
		{"new version on top", []Version{ver("k", "v1")}, nil, []Version{ver("k", "v2"), ver("k", "v1")},
			true, []string{"k@v2*", "k@v1"}, Stats{Objects: 1, Versions: 2}, nil},
		{"reordered", []Version{ver("k", "v1"), ver("k", "v2")}, nil, []Version{ver("k", "v1"), ver("k", "v2")},
			true, []string{"k@v1*", "k@v2"}, Stats{Objects: 1, Versions: 2}, nil},
		{"delete marker on top", []Version{ver("k", "v1")}, nil, []Version{marker("k", "dm"), ver("k", "v1")},
			true, []string{"k@dm!*", "k@v1"}, Stats{Objects: 0, Versions: 2}, nil},
		{"version gone", []Version{ver("k", "v1"), ver("k", "v2")}, nil, []Version{ver("k", "v1")},
			true, []string{"k@v1*"}, Stats{Objects: 1, Versions: 1}, nil},
		{"key gone", []Version{ver("k", "v1"), ver("k", "v2")}, nil, nil,
			true, []string{}, Stats{}, nil},
		{"unknown key stays absent", nil, nil, nil,
			false, []string{}, Stats{}, nil},
		{"etag differs", []Version{ver("k", "v1")}, nil, []Version{etag(ver("k", "v1"), `"x"`)},
			true, []string{"k@v1*"}, Stats{Objects: 1, Versions: 1},
			func(t *testing.T, vs []Version) {
				if vs[0].ETag != `"x"` {
					t.Errorf("ETag = %s", vs[0].ETag)
				}
			}},
		{"size differs", []Version{ver("k", "v1")}, nil, []Version{size(ver("k", "v1"), 99)},
			true, []string{"k@v1*"}, Stats{Objects: 1, Versions: 1}, nil},
		{"known metadata kept for a pending listing", []Version{complete(ver("k", "v1"), meta)}, nil,
			[]Version{pending(ver("k", "v1"))},
			false, []string{"k@v1*"}, Stats{Objects: 1, Versions: 1},
			func(t *testing.T, vs []Version) {
				if !maps.Equal(vs[0].Metadata, meta) || vs[0].MetaPending {
					t.Errorf("metadata lost: %+v", vs[0])
				}
			}},
		{"known metadata kept when moved", []Version{complete(ver("k", "v1"), meta)}, nil,
			[]Version{pending(ver("k", "v2")), pending(ver("k", "v1"))},
			true, []string{"k@v2*", "k@v1"}, Stats{Objects: 1, Versions: 2},
			func(t *testing.T, vs []Version) {
				if !maps.Equal(vs[1].Metadata, meta) || vs[1].MetaPending || !vs[0].MetaPending {
					t.Errorf("metadata = %+v", vs)
				}
			}},
		{"new metadata replaces known", []Version{complete(ver("k", "v1"), meta)}, nil,
			[]Version{complete(ver("k", "v1"), map[string]string{"Content-Type": "image/png"})},
			true, []string{"k@v1*"}, Stats{Objects: 1, Versions: 1},
			func(t *testing.T, vs []Version) {
				if vs[0].Metadata["Content-Type"] != "image/png" {
					t.Errorf("metadata = %v", vs[0].Metadata)
				}
			}},
		{"metadata fills a pending version", []Version{pending(ver("k", "v1"))}, nil,
			[]Version{complete(ver("k", "v1"), meta)},
			true, []string{"k@v1*"}, Stats{Objects: 1, Versions: 1},
			func(t *testing.T, vs []Version) {
				if vs[0].MetaPending || !maps.Equal(vs[0].Metadata, meta) {
					t.Errorf("version = %+v", vs[0])
				}
			}},
		{"changed etag drops stale metadata", []Version{complete(ver("k", NullVersion), meta)}, nil,
			[]Version{pending(etag(ver("k", NullVersion), `"x"`))},
			true, []string{"k@null*"}, Stats{Objects: 1, Versions: 1},
			func(t *testing.T, vs []Version) {
				if !vs[0].MetaPending || vs[0].Metadata != nil {
					t.Errorf("version = %+v", vs[0])
				}
			}},
		{"write after listing began is kept", []Version{ver("k", "v1")}, []Version{ver("k", "v2")},
			[]Version{ver("k", "v1")},
			false, []string{"k@v2*", "k@v1"}, Stats{Objects: 1, Versions: 2}, nil},
		{"write after listing began stays newest", []Version{ver("k", "v1")}, []Version{ver("k", "v3")},
			[]Version{ver("k", "v2"), ver("k", "v1")},
			true, []string{"k@v3*", "k@v2", "k@v1"}, Stats{Objects: 1, Versions: 3}, nil},
		{"empty listing keeps only later writes", []Version{ver("k", "v1")}, []Version{marker("k", "dm")},
			nil,
			true, []string{"k@dm!*"}, Stats{Objects: 0, Versions: 1}, nil},
		{"later null overwrite beats the listed null", []Version{etag(ver("k", NullVersion), `"old"`)},
			[]Version{etag(ver("k", NullVersion), `"new"`)},
			[]Version{etag(ver("k", NullVersion), `"old"`)},
			false, []string{"k@null*"}, Stats{Objects: 1, Versions: 1},
			func(t *testing.T, vs []Version) {
				if vs[0].ETag != `"new"` {
					t.Errorf("ETag = %s", vs[0].ETag)
				}
			}},
		{"later write listed too takes the listed place",
			[]Version{ver("k", "v1")}, []Version{ver("k", "v2")},
			[]Version{ver("k", "v2"), ver("k", "v1")},
			false, []string{"k@v2*", "k@v1"}, Stats{Objects: 1, Versions: 2}, nil},
		{"duplicate listed ids count once", nil, nil, []Version{ver("k", "v1"), ver("k", "v1")},
			true, []string{"k@v1*"}, Stats{Objects: 1, Versions: 1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDB(t)
			record(t, d, "bkt", tt.before...)
			listedAt := time.Now()
			for !time.Now().After(listedAt) {
				// Later writes must carry a later clock reading.
			}
			record(t, d, "bkt", tt.after...)
			var tsBefore uint64
			if len(tt.before)+len(tt.after) > 0 {
				tsBefore = commitTS(t, d, objectKey("bkt", "k"))
			}
			changed, err := d.SetKeyVersions("bkt", "k", tt.listed, listedAt)
			if err != nil {
				t.Fatal(err)
			}
			if changed != tt.changed {
				t.Errorf("changed = %v, want %v", changed, tt.changed)
			}
			if !changed && tsBefore != 0 && commitTS(t, d, objectKey("bkt", "k")) != tsBefore {
				t.Error("unchanged versions were written")
			}
			vs, err := d.KeyVersions("bkt", "k")
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(vs); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("versions = %q, want %q", got, tt.want)
			}
			l, err := d.Latest("bkt", "k")
			switch {
			case len(vs) == 0:
				wantNotFound(t, err)
			case err != nil || l.VersionID != vs[0].VersionID || l.ETag != vs[0].ETag:
				t.Errorf("Latest = %+v, %v; want %+v", l, err, vs[0])
			}
			if tt.check != nil {
				tt.check(t, vs)
			}
			checkStats(t, d, tt.stats)
			again, err := d.SetKeyVersions("bkt", "k", tt.listed, listedAt)
			if err != nil || again {
				t.Errorf("repeating the same listing: changed = %v, %v", again, err)
			}
		})
	}
}

// TestSetKeyVersionsRacesRecordVersion runs an ingest of a listing that
// predates concurrent gateway writes: neither may be lost.
func TestSetKeyVersionsRacesRecordVersion(t *testing.T) {
	meta := map[string]string{"Content-Type": "text/plain"}
	for round := range 20 {
		d := newDB(t)
		listedAt := time.Now()
		for !time.Now().After(listedAt) {
		}
		record(t, d, "bkt", ver("k", "v1"))
		listed := ver("k", "v1")
		listed.Metadata = meta
		var wg sync.WaitGroup
		var recErr, setErr error
		wg.Add(2)
		go func() { defer wg.Done(); recErr = d.RecordVersion("bkt", ver("k", "v2")) }()
		go func() { defer wg.Done(); _, setErr = d.SetKeyVersions("bkt", "k", []Version{listed}, listedAt) }()
		wg.Wait()
		if err := errors.Join(recErr, setErr); err != nil {
			t.Fatal(err)
		}
		vs, err := d.KeyVersions("bkt", "k")
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(ids(vs)); got != "[k@v2* k@v1]" || !maps.Equal(vs[1].Metadata, meta) {
			t.Fatalf("round %d: versions = %s, v1 metadata %v", round, got, vs[1].Metadata)
		}
		checkStats(t, d, Stats{Objects: 1, Versions: 2})
		d.Close()
	}
}

func TestScanKeys(t *testing.T) {
	d := newDB(t)
	record(t, d, "bkt", ver("a", "a1"), ver("a/x", "x1"), ver("ab", "ab1"), ver("b", "b1"), ver("b", "b2"),
		ver("c", "c1"), ver("d", "d1"))
	record(t, d, "bkt0", ver("zz", "z1"))
	record(t, d, "bkt1", ver("a", "a1"))
	tests := []struct {
		after, through string
		want           []string
	}{
		{"", "", []string{"a@a1*", "a/x@x1*", "ab@ab1*", "b@b2*", "b@b1", "c@c1*", "d@d1*"}},
		{"a", "", []string{"a/x@x1*", "ab@ab1*", "b@b2*", "b@b1", "c@c1*", "d@d1*"}},
		{"a", "b", []string{"a/x@x1*", "ab@ab1*", "b@b2*", "b@b1"}},
		{"", "a", []string{"a@a1*"}},
		{"b", "c", []string{"c@c1*"}},
		{"bb", "", []string{"c@c1*", "d@d1*"}},
		{"", "bb", []string{"a@a1*", "a/x@x1*", "ab@ab1*", "b@b2*", "b@b1"}},
		{"d", "", []string{}},
		{"c", "c", []string{}},
	}
	for _, tt := range tests {
		got := []string{}
		err := d.ScanKeys("bkt", tt.after, tt.through, func(key string, vs []Version) error {
			for _, v := range vs {
				if v.Key != key {
					t.Errorf("version %s of key %s", v.Key, key)
				}
			}
			got = append(got, ids(vs)...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("ScanKeys(%q, %q) = %q, want %q", tt.after, tt.through, got, tt.want)
		}
	}
}

func TestScanKeysChunks(t *testing.T) {
	d := newDB(t)
	const n = 3*scanChunkKeys + 7
	bulkLoad(t, d, "bkt", n)
	var many []Version
	for i := range scanChunkVersions + 5 {
		many = append(many, ver("k/0000100", fmt.Sprintf("m%05d", scanChunkVersions+5-i)))
	}
	if _, err := d.SetKeyVersions("bkt", "k/0000100", many, time.Now()); err != nil {
		t.Fatal(err)
	}
	prev, count, versions := "", 0, 0
	err := d.ScanKeys("bkt", "", "", func(key string, vs []Version) error {
		if key <= prev {
			t.Fatalf("key %q after %q", key, prev)
		}
		prev = key
		count++
		versions += len(vs)
		// fn may write to the index while the scan runs.
		return d.RemoveVersion("bkt", key, "v1")
	})
	if err != nil {
		t.Fatal(err)
	}
	if count != n || versions != n-1+len(many) {
		t.Errorf("scanned %d keys and %d versions, want %d and %d", count, versions, n, n-1+len(many))
	}
	checkStats(t, d, Stats{Objects: 1, Versions: int64(len(many))})

	stop := errors.New("stop")
	calls := 0
	err = d.ScanKeys("bkt", "", "", func(string, []Version) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("ScanKeys returned %v after %d calls, want fn's error after 1", err, calls)
	}
}

// TestSetKeysVersionsMatchesOneKeyAtATime applies a batch of listings and
// the same listings one key at a time to two indexes holding the same
// versions: they must end up alike.
func TestSetKeysVersionsMatchesOneKeyAtATime(t *testing.T) {
	meta := map[string]string{"Content-Type": "text/plain"}
	pending := func(v Version) Version { v.MetaPending = true; return v }
	complete := func(v Version) Version { v.Metadata = meta; return v }
	type key struct {
		name          string
		before, after []Version // recorded before and after the listing began
		removed       []string  // versions removed through the gateway after it began
		listed        []Version
		apart         bool // in the index, not in the batch
	}
	tests := []struct {
		name string
		keys []key
	}{
		{"every kind of key", []key{
			{name: "a-new", listed: []Version{pending(ver("a-new", "v2")), pending(ver("a-new", "v1"))}},
			{name: "b-same", before: []Version{complete(ver("b-same", "v1"))}, listed: []Version{pending(ver("b-same", "v1"))}},
			{name: "c-on-top", before: []Version{complete(ver("c-on-top", "v1"))},
				listed: []Version{pending(ver("c-on-top", "v2")), pending(ver("c-on-top", "v1"))}},
			{name: "d-gone", before: []Version{ver("d-gone", "v1"), ver("d-gone", "v2")}},
			{name: "e-later-write", before: []Version{ver("e-later-write", "v1")}, after: []Version{ver("e-later-write", "v2")},
				listed: []Version{ver("e-later-write", "v1")}},
			{name: "f-removed", before: []Version{ver("f-removed", "v1"), ver("f-removed", "v2")}, removed: []string{"v2"},
				listed: []Version{ver("f-removed", "v2"), ver("f-removed", "v1")}},
			{name: "g-marker", before: []Version{ver("g-marker", "v1")},
				listed: []Version{marker("g-marker", "dm"), ver("g-marker", "v1")}},
			{name: "h-unknown-gone"},
		}},
		{"keys between the batch's", []key{
			{name: "a", before: []Version{ver("a", "v1")}, listed: []Version{ver("a", "v2"), ver("a", "v1")}},
			{name: "b", before: []Version{ver("b", "v1"), ver("b", "v2")}, removed: []string{"v1"}, apart: true},
			{name: "c", listed: []Version{ver("c", "v1")}},
			{name: "d", before: []Version{ver("d", "v1")}, apart: true},
			{name: "e", before: []Version{ver("e", "v1"), ver("e", "v2")}, removed: []string{"v2"},
				listed: []Version{ver("e", "v2"), ver("e", "v1")}},
		}},
		{"a key twice", []key{
			{name: "k", listed: []Version{ver("k", "v1")}},
			{name: "k", listed: []Version{ver("k", "v2"), ver("k", "v1")}},
		}},
		{"keys out of order", []key{
			{name: "z", listed: []Version{ver("z", "v1")}},
			{name: "a", listed: []Version{ver("a", "v1")}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			one, all := newDB(t), newDB(t)
			listedAt := map[*DB]time.Time{}
			for _, d := range []*DB{one, all} {
				for _, k := range tt.keys {
					record(t, d, "bkt", k.before...)
				}
				listedAt[d] = time.Now()
				for !time.Now().After(listedAt[d]) {
					// Later writes must carry a later clock reading.
				}
				for _, k := range tt.keys {
					record(t, d, "bkt", k.after...)
					for _, id := range k.removed {
						if err := d.RemoveVersion("bkt", k.name, id); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			var want []bool
			var batch []KeyListing
			for _, k := range tt.keys {
				if k.apart {
					continue
				}
				changed, err := one.SetKeyVersions("bkt", k.name, k.listed, listedAt[one])
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, changed)
				batch = append(batch, KeyListing{Key: k.name, Versions: k.listed, ListedAt: listedAt[all]})
			}
			got, err := all.SetKeysVersions("bkt", batch)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("changed = %v, one key at a time %v", got, want)
			}
			if g, w := dump(t, all, "bkt"), dump(t, one, "bkt"); g != w {
				t.Errorf("index after the batch:\n%s\none key at a time:\n%s", g, w)
			}
			s1, _ := one.Stats()
			checkStats(t, all, s1)
		})
	}
}

// dump renders a bucket's versions with what a listing does not show.
func dump(t *testing.T, d *DB, bucket string) string {
	t.Helper()
	var sb strings.Builder
	err := d.ScanKeys(bucket, "", "", func(key string, vs []Version) error {
		for _, v := range vs {
			fmt.Fprintf(&sb, "%s@%s dm=%v etag=%s pending=%v meta=%v\n", key, v.VersionID, v.IsDeleteMarker, v.ETag, v.MetaPending, v.Metadata)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sb.String()
}

func TestSetKeysVersionsSplitsABatchTooBigForATransaction(t *testing.T) {
	d := newDB(t)
	const n = 20000
	batch := make([]KeyListing, n)
	for i := range batch {
		k := fmt.Sprintf("k/%07d", i)
		batch[i] = KeyListing{Key: k, Versions: []Version{ver(k, "v1")}, ListedAt: time.Now()}
	}
	changed, err := d.SetKeysVersions("bkt", batch)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range changed {
		if !c {
			t.Fatalf("key %d reported unchanged", i)
		}
	}
	checkStats(t, d, Stats{Objects: n, Versions: n})
}

func TestStoreMetadata(t *testing.T) {
	meta := map[string]string{"Content-Type": "text/plain"}
	pending := func(v Version) Version { v.MetaPending = true; return v }
	read := func(key, id string) MetadataRead {
		return MetadataRead{Key: key, VersionID: id, ETag: `"` + id + `"`, Metadata: meta}
	}
	tests := []struct {
		name   string
		stored []Version
		reads  []MetadataRead
		want   []bool
		after  []string // versions still pending
	}{
		{"latest and older versions of one key",
			[]Version{pending(ver("k", "v1")), pending(ver("k", "v2")), pending(ver("k", "v3"))},
			[]MetadataRead{read("k", "v3"), read("k", "v1")}, []bool{true, true}, []string{"k@v2"}},
		{"keys in any order", []Version{pending(ver("a", "v1")), pending(ver("b", "v1"))},
			[]MetadataRead{read("b", "v1"), read("a", "v1")}, []bool{true, true}, nil},
		{"unknown version and key", []Version{pending(ver("k", "v1"))},
			[]MetadataRead{read("k", "v9"), read("x", "v1"), read("k", "v1")}, []bool{false, false, true}, nil},
		{"other content", []Version{pending(ver("k", "v1"))},
			[]MetadataRead{{Key: "k", VersionID: "v1", ETag: `"other"`, Metadata: meta}}, []bool{false}, []string{"k@v1"}},
		{"the same version twice", []Version{pending(ver("k", "v1"))},
			[]MetadataRead{read("k", "v1"), read("k", "v1")}, []bool{true, true}, nil},
		// The iterators step from key to key: keys skipped, missing, or
		// that begin with another key must not throw them off.
		{"keys with gaps and prefixes of others",
			[]Version{pending(ver("a", "v1")), pending(ver("a/b", "v1")), pending(ver("ab", "v1")), pending(ver("ab", "v2")),
				pending(ver("b", "v1")), pending(ver("d", "v1"))},
			[]MetadataRead{read("a", "v1"), read("ab", "v1"), read("ab", "v2"), read("c", "v1"), read("d", "v1")},
			[]bool{true, true, true, false, true}, []string{"a/b@v1", "b@v1"}},
		{"consecutive keys", []Version{pending(ver("a", "v1")), pending(ver("b", "v1")), pending(ver("b", "v2")), pending(ver("c", "v1"))},
			[]MetadataRead{read("c", "v1"), read("b", "v2"), read("a", "v1")}, []bool{true, true, true}, []string{"b@v1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDB(t)
			record(t, d, "bkt", tt.stored...)
			got, err := d.StoreMetadata("bkt", tt.reads)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("stored = %v, want %v", got, tt.want)
			}
			var still []string
			err = d.ScanKeys("bkt", "", "", func(key string, vs []Version) error {
				for _, v := range vs {
					switch {
					case v.MetaPending:
						still = append(still, key+"@"+v.VersionID)
					case !maps.Equal(v.Metadata, meta):
						t.Errorf("%s@%s: metadata %v", key, v.VersionID, v.Metadata)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(still) != fmt.Sprint(tt.after) {
				t.Errorf("pending after: %v, want %v", still, tt.after)
			}
			// The latest version's copy, which HEAD reads, is stored too.
			for _, r := range tt.reads {
				l, err := d.Latest("bkt", r.Key)
				if err != nil {
					continue
				}
				vs, _ := d.KeyVersions("bkt", r.Key)
				if l.MetaPending != vs[0].MetaPending || !maps.Equal(l.Metadata, vs[0].Metadata) {
					t.Errorf("latest of %s = %+v, its version %+v", r.Key, l, vs[0])
				}
			}
			checkStats(t, d, Stats{Objects: int64(len(keysOf(tt.stored))), Versions: int64(len(tt.stored))})
		})
	}
}

// Keys of a batch further apart than the iterators step are sought: every
// read is stored, and only those.
func TestStoreMetadataAcrossLongGaps(t *testing.T) {
	d := newDB(t)
	const n = 200
	var listed []KeyListing
	for i := range n {
		k := fmt.Sprintf("k/%04d", i)
		var vs []Version
		for j := range 1 + i%3 {
			v := ver(k, fmt.Sprintf("v%d", 3-j))
			v.MetaPending = true
			vs = append(vs, v)
		}
		listed = append(listed, KeyListing{Key: k, Versions: vs, ListedAt: time.Now()})
	}
	if _, err := d.SetKeysVersions("bkt", listed); err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{"Content-Type": "a/b"}
	want := map[string]bool{}
	var reads []MetadataRead
	for _, i := range []int{0, 1, 5, 60, 61, 140, 199} {
		v := listed[i].Versions[len(listed[i].Versions)-1]
		reads = append(reads, MetadataRead{Key: v.Key, VersionID: v.VersionID, ETag: v.ETag, Metadata: meta})
		want[v.Key+"@"+v.VersionID] = true
	}
	done, err := d.StoreMetadata("bkt", reads)
	if err != nil || slices.Contains(done, false) {
		t.Fatalf("stored %v, %v", done, err)
	}
	err = d.ScanKeys("bkt", "", "", func(key string, vs []Version) error {
		for _, v := range vs {
			if v.MetaPending == want[key+"@"+v.VersionID] {
				t.Errorf("%s@%s: pending %t", key, v.VersionID, v.MetaPending)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Headers stored while the key gets a new version never put the older
// version back as the latest: the store reads the latest record, so one
// of the two transactions conflicts and is tried again.
func TestStoreMetadataRacingANewVersion(t *testing.T) {
	d := newDB(t)
	const n = 300
	var listed []KeyListing
	var reads []MetadataRead
	for i := range n {
		k := fmt.Sprintf("k/%04d", i)
		v := ver(k, "v1")
		v.MetaPending = true
		listed = append(listed, KeyListing{Key: k, Versions: []Version{v}, ListedAt: time.Now()})
		reads = append(reads, MetadataRead{Key: k, VersionID: "v1", ETag: v.ETag, Metadata: map[string]string{"Content-Type": "a/b"}})
	}
	if _, err := d.SetKeysVersions("bkt", listed); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; i < n; i += 50 {
			if _, err := d.StoreMetadata("bkt", reads[i:i+50]); err != nil {
				t.Error(err)
			}
		}
	})
	for i := range n {
		if err := d.RecordVersion("bkt", ver(fmt.Sprintf("k/%04d", i), "v2")); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	for i := range n {
		k := fmt.Sprintf("k/%04d", i)
		l, err := d.Latest("bkt", k)
		if err != nil || l.VersionID != "v2" {
			t.Fatalf("latest of %s = %+v, %v; want v2", k, l, err)
		}
		vs, err := d.KeyVersions("bkt", k)
		if err != nil || len(vs) != 2 || vs[0].VersionID != "v2" || vs[1].VersionID != "v1" {
			t.Fatalf("versions of %s = %+v, %v", k, vs, err)
		}
	}
}

func keysOf(vs []Version) map[string]bool {
	out := map[string]bool{}
	for _, v := range vs {
		out[v.Key] = true
	}
	return out
}

func TestStoreMetadataSplitsABatchTooBigForATransaction(t *testing.T) {
	d := newDB(t)
	const n = 3000
	big := map[string]string{"X-Amz-Meta-Pad": strings.Repeat("x", 1024)}
	var listed []KeyListing
	var reads []MetadataRead
	for i := range n {
		k := fmt.Sprintf("k/%07d", i)
		v := ver(k, "v1")
		v.MetaPending = true
		listed = append(listed, KeyListing{Key: k, Versions: []Version{v}, ListedAt: time.Now()})
		reads = append(reads, MetadataRead{Key: k, VersionID: "v1", ETag: v.ETag, Metadata: big})
	}
	if _, err := d.SetKeysVersions("bkt", listed); err != nil {
		t.Fatal(err)
	}
	done, err := d.StoreMetadata("bkt", reads)
	if err != nil {
		t.Fatal(err)
	}
	for i, ok := range done {
		if !ok {
			t.Fatalf("version %d not stored", i)
		}
	}
	l, err := d.Latest("bkt", reads[n-1].Key)
	if err != nil || l.MetaPending || !maps.Equal(l.Metadata, big) {
		t.Errorf("latest of the last key: %+v, %v", l, err)
	}
}
