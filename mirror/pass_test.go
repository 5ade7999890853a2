package mirror

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
)

// ids remembers version IDs between a case's setup and its change.
type ids map[string]string

func TestPassAppliesEachOutOfBandChange(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(be *fakeBackend, id ids)
		change func(be *fakeBackend, id ids)
		kinds  map[string]float64 // changes the second pass applies
		check  func(t *testing.T, h *harness, id ids)
	}{
		{
			name: "new object",
			change: func(be *fakeBackend, id ids) {
				id["new"] = be.put("new.txt", "hello", meta("Content-Type", "text/plain", "X-Amz-Meta-Color", "blue")).id
			},
			kinds: map[string]float64{KindNewVersion: 1},
			check: func(t *testing.T, h *harness, id ids) {
				v := h.latest("mb", "new.txt")
				if v.VersionID != id["new"] || v.Metadata["X-Amz-Meta-Color"] != "blue" || v.Metadata["Content-Type"] != "text/plain" {
					t.Errorf("latest of new.txt: %+v", v)
				}
			},
		},
		{
			name:   "overwrite",
			setup:  func(be *fakeBackend, id ids) { id["one"] = be.put("a", "one", nil).id },
			change: func(be *fakeBackend, id ids) { id["two"] = be.put("a", "two", nil).id },
			kinds:  map[string]float64{KindNewVersion: 1},
			check: func(t *testing.T, h *harness, id ids) {
				if v := h.latest("mb", "a"); v.VersionID != id["two"] || v.ETag != etagOf("two") {
					t.Errorf("latest of a: %+v", v)
				}
			},
		},
		{
			name:   "delete marker",
			setup:  func(be *fakeBackend, id ids) { be.put("a", "one", nil) },
			change: func(be *fakeBackend, id ids) { id["dm"] = be.deleteKey("a").id },
			kinds:  map[string]float64{KindDeleteMarker: 1},
			check: func(t *testing.T, h *harness, id ids) {
				if v := h.latest("mb", "a"); !v.IsDeleteMarker || v.VersionID != id["dm"] {
					t.Errorf("latest of a: %+v", v)
				}
			},
		},
		{
			name: "delete of the latest version",
			setup: func(be *fakeBackend, id ids) {
				id["one"] = be.put("a", "one", meta("X-Amz-Meta-N", "1")).id
				id["two"] = be.put("a", "two", meta("X-Amz-Meta-N", "2")).id
			},
			change: func(be *fakeBackend, id ids) { be.deleteVersion("a", id["two"]) },
			kinds:  map[string]float64{KindVersionRemoved: 1},
			check: func(t *testing.T, h *harness, id ids) {
				if v := h.latest("mb", "a"); v.VersionID != id["one"] || v.Metadata["X-Amz-Meta-N"] != "1" {
					t.Errorf("latest of a: %+v", v)
				}
			},
		},
		{
			name: "delete marker removed",
			setup: func(be *fakeBackend, id ids) {
				id["one"] = be.put("a", "one", nil).id
				id["dm"] = be.deleteKey("a").id
			},
			change: func(be *fakeBackend, id ids) { be.deleteVersion("a", id["dm"]) },
			kinds:  map[string]float64{KindVersionRemoved: 1},
			check: func(t *testing.T, h *harness, id ids) {
				if v := h.latest("mb", "a"); v.IsDeleteMarker || v.VersionID != id["one"] {
					t.Errorf("latest of a: %+v", v)
				}
			},
		},
		{
			name:   "metadata-only change",
			setup:  func(be *fakeBackend, id ids) { be.put("a", "one", meta("X-Amz-Meta-Color", "blue")) },
			change: func(be *fakeBackend, id ids) { id["copy"] = be.copyInPlace("a", meta("X-Amz-Meta-Color", "red")).id },
			kinds:  map[string]float64{KindNewVersion: 1},
			check: func(t *testing.T, h *harness, id ids) {
				if v := h.latest("mb", "a"); v.VersionID != id["copy"] || v.Metadata["X-Amz-Meta-Color"] != "red" {
					t.Errorf("latest of a: %+v", v)
				}
			},
		},
		{
			name: "multipart upload",
			change: func(be *fakeBackend, id ids) {
				id["mpu"] = be.multipart("big", 3, 5<<20, meta("Content-Type", "application/zip")).id
			},
			kinds: map[string]float64{KindNewVersion: 1},
			check: func(t *testing.T, h *harness, id ids) {
				v := h.latest("mb", "big")
				if v.VersionID != id["mpu"] || v.Size != 15<<20 || !strings.HasSuffix(v.ETag, `-3"`) || v.Metadata["Content-Type"] != "application/zip" {
					t.Errorf("latest of big: %+v", v)
				}
			},
		},
		{
			name:   "null version overwritten in place",
			setup:  func(be *fakeBackend, id ids) { be.putNull("a", "one", meta("X-Amz-Meta-N", "1")) },
			change: func(be *fakeBackend, id ids) { be.putNull("a", "two", meta("X-Amz-Meta-N", "2")) },
			kinds:  map[string]float64{KindVersionReplaced: 1},
			check: func(t *testing.T, h *harness, id ids) {
				if v := h.latest("mb", "a"); v.ETag != etagOf("two") || v.Metadata["X-Amz-Meta-N"] != "2" {
					t.Errorf("latest of a: %+v", v)
				}
			},
		},
		{
			name:   "null version copied onto itself with new metadata",
			setup:  func(be *fakeBackend, id ids) { be.putNull("a", "same", meta("X-Amz-Meta-N", "1")) },
			change: func(be *fakeBackend, id ids) { be.putNull("a", "same", meta("X-Amz-Meta-N", "2")) },
			kinds:  map[string]float64{KindVersionReplaced: 1},
			check: func(t *testing.T, h *harness, id ids) {
				if v := h.latest("mb", "a"); v.Metadata["X-Amz-Meta-N"] != "2" {
					t.Errorf("latest of a: %+v", v)
				}
			},
		},
		{
			name:   "every version of a key removed",
			setup:  func(be *fakeBackend, id ids) { id["one"] = be.put("a", "one", nil).id; be.put("b", "b", nil) },
			change: func(be *fakeBackend, id ids) { be.deleteVersion("a", id["one"]) },
			kinds:  map[string]float64{KindKeyRemoved: 1},
			check: func(t *testing.T, h *harness, id ids) {
				if v := h.latest("mb", "a"); v.VersionID != "" {
					t.Errorf("a is still indexed: %+v", v)
				}
			},
		},
	}
	allKinds := []string{KindNewVersion, KindDeleteMarker, KindVersionReplaced, KindVersionRemoved, KindKeyRemoved, KindCorrected}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, testOptions())
			h.createBucket("mb", true)
			id := ids{}
			// Neighbours on both sides, with several versions, so that the
			// change sits inside a multi-page listing.
			for _, k := range []string{"0", "00", "zz", "zzz"} {
				h.be.put(k, k, nil)
				h.be.put(k, k+k, nil)
			}
			if c.setup != nil {
				c.setup(h.be, id)
			}
			h.pass("mb")
			h.converged("mb")
			before := map[string]float64{}
			for _, k := range allKinds {
				before[k] = h.changes("mb", k)
			}
			c.change(h.be, id)
			ps := h.pass("mb")
			h.converged("mb")
			var total float64
			for _, k := range allKinds {
				if got := h.changes("mb", k) - before[k]; got != c.kinds[k] {
					t.Errorf("%s changes: got %v, want %v", k, got, c.kinds[k])
				}
				total += c.kinds[k]
			}
			if ps.changes != int64(total) {
				t.Errorf("pass counted %d changes, want %v", ps.changes, total)
			}
			c.check(t, h, id)
		})
	}
}

func TestPassKeepsKeysWholeAcrossPages(t *testing.T) {
	opts := testOptions()
	opts.PageSize = 2
	h := newHarness(t, opts)
	h.createBucket("mb", true)
	for i := range 3 {
		h.be.put("a", fmt.Sprint("a", i), nil)
	}
	h.be.put("b", "b0", nil)
	h.be.deleteKey("b")
	h.be.put("b", "b1", nil)
	for i := range 5 {
		h.be.put("c", fmt.Sprint("c", i), meta("X-Amz-Meta-I", fmt.Sprint(i)))
	}
	h.be.put("d", "d", nil)
	// Stale index entries: keys between the backend's, and a version of c
	// the backend does not have.
	for _, k := range []string{"aa", "bb", "e"} {
		if err := h.db.RecordVersion("mb", index.Version{Key: k, VersionID: "gone", Size: 1, ETag: `"x"`}); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.db.RecordVersion("mb", index.Version{Key: "c", VersionID: "phantom", Size: 1, ETag: `"x"`}); err != nil {
		t.Fatal(err)
	}
	// At every page, each key the listing put in the index has all of
	// its versions: a key split across pages waits for its last page.
	perKey := func(lines []string) map[string]int {
		n := map[string]int{}
		for _, l := range lines {
			if !strings.Contains(l, "@gone") && !strings.Contains(l, "@phantom") {
				n[strings.SplitN(l, "@", 2)[0]]++
			}
		}
		return n
	}
	var partial []string
	h.be.setHooks(nil, func(call int, _ *backend.VersionPage) error {
		backendKeys := perKey(h.be.snapshot(""))
		for k, n := range perKey(h.snapshot("mb")) {
			if n != backendKeys[k] {
				partial = append(partial, fmt.Sprintf("page %d: %s has %d of %d versions", call, k, n, backendKeys[k]))
			}
		}
		return nil
	})
	ps := h.pass("mb")
	h.converged("mb")
	if len(partial) > 0 {
		t.Errorf("keys applied partially: %v", partial)
	}
	if ps.scanned != 12 {
		t.Errorf("scanned %d versions, want 12", ps.scanned)
	}
	if calls := h.be.calls(); len(calls) != 6 || calls[1].versionIDMarker == "" {
		t.Errorf("list calls: %v", calls)
	}
}

func TestFailedListingRemovesNothingBeyondWhatItCovered(t *testing.T) {
	errDown := errors.New("backend down")
	odd := func(from, to int) []string {
		var ks []string
		for i := from; i <= to; i += 2 {
			ks = append(ks, fmt.Sprintf("k%02d", i))
		}
		return ks
	}
	cases := []struct {
		name    string
		failAt  int // list call that fails (0 is the first)
		removed []string
	}{
		{"first page fails", 0, nil},
		{"second page fails", 1, nil},
		{"third page fails", 2, odd(1, 3)},
		{"last page fails", 4, odd(1, 11)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := testOptions()
			opts.PageSize = 2
			h := newHarness(t, opts)
			h.createBucket("mb", true)
			vids := map[string]string{}
			for i := range 20 {
				k := fmt.Sprintf("k%02d", i)
				vids[k] = h.be.put(k, k, nil).id
			}
			h.pass("mb")
			h.converged("mb")
			for _, k := range odd(1, 19) {
				h.be.deleteVersion(k, vids[k])
			}
			before := h.snapshot("mb")
			base := len(h.be.calls())
			h.be.setHooks(nil, func(call int, _ *backend.VersionPage) error {
				if call-base == c.failAt {
					return errDown
				}
				return nil
			})
			if _, err := h.tryPass("mb"); !errors.Is(err, errDown) {
				t.Fatalf("pass: got %v, want %v", err, errDown)
			}
			var want []string
			for _, line := range before {
				if !slices.Contains(c.removed, strings.SplitN(line, "@", 2)[0]) {
					want = append(want, line)
				}
			}
			if got := h.snapshot("mb"); !slices.Equal(got, want) {
				t.Errorf("after the failed pass:\ngot  %v\nwant %v", got, want)
			}
			h.be.setHooks(nil, nil)
			h.pass("mb")
			h.converged("mb")
		})
	}
}

func TestFailedIndexWriteStopsThePass(t *testing.T) {
	h := newHarness(t, testOptions())
	h.createBucket("mb", true)
	for i := range 10 {
		h.be.put(fmt.Sprintf("k%02d", i), "x", nil)
	}
	errFull := errors.New("disk full")
	h.st.failSetKeys = func(key string) error {
		if key == "k05" {
			return errFull
		}
		return nil
	}
	if _, err := h.tryPass("mb"); !errors.Is(err, errFull) {
		t.Fatalf("pass: got %v, want %v", err, errFull)
	}
	if got := h.snapshot("mb"); len(got) != 5 {
		t.Errorf("index after the failure: %v", got)
	}
	h.st.failSetKeys = nil
	h.pass("mb")
	h.converged("mb")
}

func TestGatewayWritesRacingTheListingAreKept(t *testing.T) {
	h := newHarness(t, testOptions())
	h.createBucket("mb", true)
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		h.be.put(k, k, nil)
	}
	h.pass("mb")
	// A write through the gateway lands on the backend and in the index
	// while the pass's first page is being read, after the backend
	// answered it: the listing cannot show it.
	gateway := func(key string, deleteMarker bool) {
		var v *fakeVersion
		if deleteMarker {
			v = h.be.deleteKey(key)
		} else {
			v = h.be.put(key, "via gateway "+key, meta("X-Amz-Meta-Via", "gateway"))
		}
		rec := index.Version{Key: key, VersionID: v.id, IsDeleteMarker: v.dm, Size: v.size, ETag: v.etag, LastModified: v.mod, Metadata: v.meta}
		if err := h.db.RecordVersion("mb", rec); err != nil {
			t.Fatal(err)
		}
	}
	base := len(h.be.calls())
	h.be.setHooks(nil, func(call int, _ *backend.VersionPage) error {
		if call-base == 0 {
			// Between two keys of the first page, which the second page
			// (listed after this write) starts beyond.
			gateway("bb", false)
		}
		if call-base == 1 {
			gateway("a", false)    // a new version of a listed key
			gateway("b", true)     // a delete marker on a listed key
			gateway("dd", false)   // a new key in a range listed later
			gateway("0new", false) // a new key before every listed one
		}
		return nil
	})
	h.pass("mb")
	h.be.setHooks(nil, nil)
	for _, c := range []struct {
		key string
		dm  bool
	}{{"a", false}, {"b", true}, {"bb", false}, {"dd", false}, {"0new", false}} {
		want := h.be.latest(c.key)
		if got := h.latest("mb", c.key); got.VersionID != want.id || got.IsDeleteMarker != c.dm {
			t.Errorf("latest of %s: %+v, backend has %s", c.key, got, want.id)
		}
	}
	// No echo: the next pass sees nothing new in those writes.
	setBefore, completesBefore, _ := h.st.writes()
	ps := h.pass("mb")
	setAfter, completesAfter, _ := h.st.writes()
	if ps.changes != 0 || setAfter != setBefore || completesAfter != completesBefore {
		t.Errorf("pass after gateway writes: %d changes, %d key writes, %d metadata writes", ps.changes, setAfter-setBefore, completesAfter-completesBefore)
	}
	h.converged("mb")
}

func TestPassStripsThePrefix(t *testing.T) {
	for _, broken := range []bool{false, true} {
		t.Run(fmt.Sprintf("backend ignores the prefix: %v", broken), func(t *testing.T) {
			h := newHarness(t, testOptions())
			h.createBucket("pb", false)
			h.prefixes["pb"] = "pb/"
			h.be.ignorePfx = broken
			for _, k := range []string{"pa/x", "pb", "pb/", "pb/a", "pb/b/c", "pb/b/d", "pc", "pb0"} {
				h.be.put(k, k, meta("X-Amz-Meta-Key", k))
			}
			h.be.put("pb/a", "again", nil)
			if err := h.db.RecordVersion("pb", index.Version{Key: "stale", VersionID: "x", ETag: `"x"`}); err != nil {
				t.Fatal(err)
			}
			h.pass("pb")
			h.converged("pb")
			want := []string{
				render("a", h.be.keys["pb/a"][0].id, false, 5, etagOf("again")),
				render("a", h.be.keys["pb/a"][1].id, false, 4, etagOf("pb/a")),
				render("b/c", h.be.keys["pb/b/c"][0].id, false, 6, etagOf("pb/b/c")),
				render("b/d", h.be.keys["pb/b/d"][0].id, false, 6, etagOf("pb/b/d")),
			}
			if got := h.snapshot("pb"); !slices.Equal(got, want) {
				t.Errorf("index:\ngot  %v\nwant %v", got, want)
			}
		})
	}
}

func TestPassThatFindsNothingWritesNothing(t *testing.T) {
	h := newHarness(t, testOptions())
	h.createBucket("mb", true)
	for i := range 12 {
		k := fmt.Sprintf("k%02d", i)
		h.be.put(k, k, meta("X-Amz-Meta-I", k))
		if i%3 == 0 {
			h.be.deleteKey(k)
		}
		if i%4 == 0 {
			h.be.put(k, k+"2", nil)
		}
	}
	h.pass("mb")
	h.converged("mb")
	setCalls := h.st.setCalls
	set, completes, states := h.st.writes()
	heads := h.be.headCount()
	for range 3 {
		if ps := h.pass("mb"); ps.changes != 0 || ps.scanned == 0 {
			t.Fatalf("pass: %d changes, %d scanned", ps.changes, ps.scanned)
		}
	}
	set2, completes2, states2 := h.st.writes()
	if set2 != set || completes2 != completes || states2 != states || h.st.setCalls != setCalls || h.be.headCount() != heads {
		t.Errorf("passes without changes wrote: %d key writes (%d calls), %d metadata writes, %d state writes, %d HEADs",
			set2-set, h.st.setCalls-setCalls, completes2-completes, states2-states, h.be.headCount()-heads)
	}
}

func TestFailedHeaderReadIsRetriedByTheNextPass(t *testing.T) {
	h := newHarness(t, testOptions())
	h.createBucket("mb", true)
	v := h.be.put("a", "a", meta("X-Amz-Meta-Color", "green"))
	h.be.put("b", "b", nil)
	h.be.failHead = func(key, _ string) error {
		if key == "a" {
			return &backend.Error{Op: "HeadObject", Code: "SlowDown", Status: 503}
		}
		return nil
	}
	h.pass("mb")
	got, err := h.db.GetVersion("mb", "a", v.id)
	if err != nil || !got.MetaPending {
		t.Fatalf("a after a failed HEAD: %+v, %v", got, err)
	}
	if n := counterValue(h.m.met.errors.WithLabelValues("mb")); n != 1 {
		t.Errorf("errors counted: %v, want 1", n)
	}
	h.be.failHead = nil
	if ps := h.pass("mb"); ps.changes != 0 {
		t.Errorf("the retry counted %d changes", ps.changes)
	}
	h.converged("mb")
}

func TestDroppedHeaderReadsAreSweptAtTheEndOfThePass(t *testing.T) {
	opts := testOptions()
	opts.HeadConcurrency = 1
	h := newHarness(t, opts)
	h.m.headQueue = 1
	h.createBucket("mb", true)
	for i := range 30 {
		h.be.put(fmt.Sprintf("k%02d", i), "x", meta("X-Amz-Meta-I", fmt.Sprint(i)))
	}
	// The first HEAD waits until the listing reaches its last page, so the
	// queue overflows while pages are applied.
	release := make(chan struct{})
	h.be.setHooks(nil, func(call int, p *backend.VersionPage) error {
		if !p.IsTruncated {
			close(release)
		}
		return nil
	})
	first := true
	h.be.failHead = func(string, string) error {
		if first {
			first = false
			<-release
		}
		return nil
	}
	h.pass("mb")
	h.converged("mb")
}

// A key with more versions than one index transaction holds is written in
// steps: the pass completes, and the keys after it are indexed.
func TestPassIndexesAKeyWithMoreVersionsThanATransaction(t *testing.T) {
	h := newHarness(t, testOptions())
	h.createBucket("mb", true)
	h.be.put("a", "a", nil)
	for i := range 12000 {
		h.be.put("big", fmt.Sprint(i), nil)
	}
	h.be.put("c", "c", nil)
	ps := h.pass("mb")
	h.converged("mb")
	if ps.scanned != 12002 {
		t.Errorf("scanned %d versions, want 12002", ps.scanned)
	}
}
