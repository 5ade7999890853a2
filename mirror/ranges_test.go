package mirror

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
)

// rangeOptions lists with n listers, in pages of 3 versions.
func rangeOptions(n int) Options {
	o := testOptions()
	o.ListConcurrency = n
	return o
}

// rangedPass runs one full pass over bucket cut at splits (gateway keys).
func (h *harness) rangedPass(bucket string, splits []string) *passState {
	h.t.Helper()
	ps := &passState{began: time.Now(), ranges: rangesOf("", splits)}
	ps.fullSince = ps.began
	if err := h.m.lockedPass(context.Background(), bucket, ps, hooks{}); err != nil {
		h.t.Fatalf("pass over %s cut at %q: %v", bucket, splits, err)
	}
	return ps
}

// fillForRanges writes k00..k29 under prefix: k10 with more versions than
// a page, delete markers, and neighbours outside the prefix.
func fillForRanges(be *fakeBackend, prefix string) {
	for i := range 30 {
		k := fmt.Sprintf("%sk%02d", prefix, i)
		be.put(k, k, meta("X-Amz-Meta-N", k))
		if i%7 == 3 {
			be.deleteKey(k)
		}
	}
	for i := range 6 {
		be.put(prefix+"k10", fmt.Sprintf("v%d", i), nil)
	}
	if prefix != "" {
		be.put("a/"+prefix, "x", nil)
		be.put("zz/"+prefix, "x", nil)
	}
}

// changeEveryRange changes the backend out of band in every part of the
// key space: keys removed for good (the boundary keys k09, k10 and k20
// among them), versions added, delete markers put, keys new to the index.
func changeEveryRange(be *fakeBackend, prefix string) {
	for _, k := range []string{"k02", "k09", "k15", "k20", "k21", "k29"} {
		for _, v := range be.snapshot(prefix + k) {
			id := strings.TrimSuffix(strings.Fields(strings.SplitN(v, "@", 2)[1])[0], "!")
			be.deleteVersion(prefix+k, id)
		}
	}
	be.deleteVersion(prefix+"k10", be.latest(prefix+"k10").id)
	be.put(prefix+"k10", "again", nil)
	be.put(prefix+"k05", "v2", nil)
	be.deleteKey(prefix + "k25")
	for _, k := range []string{"a0", "k095", "k10a", "k205", "zzz"} {
		be.put(prefix+k, k, nil)
	}
}

func TestRangedPassEqualsSingleStream(t *testing.T) {
	splitSets := [][]string{
		nil,                      // one range: the single stream
		{"k10"},                  // the many-versioned key ends a range
		{"k09", "k10"},           // a range of exactly that key
		{"k05", "k10", "k20"},    // keys removed at the boundaries
		{"k10a", "k15x"},         // boundaries that are no key
		{"a", "k00", "k29", "z"}, // empty ranges at both ends
		{"k01", "k02", "k03", "k04", "k05", "k06", "k07", "k08", "k09", "k10", "k11", "k12"},
	}
	for _, prefix := range []string{"", "pb/"} {
		for _, splits := range splitSets {
			t.Run(fmt.Sprintf("prefix %q splits %q", prefix, splits), func(t *testing.T) {
				single, ranged := newHarness(t, rangeOptions(1)), newHarness(t, rangeOptions(4))
				for _, h := range []*harness{single, ranged} {
					h.prefixes["pb"] = prefix
					h.createBucket("pb", false)
					fillForRanges(h.be, prefix)
					h.rangedPass("pb", splits) // the initial listing
					h.converged("pb")
					changeEveryRange(h.be, prefix)
				}
				single.pass("pb")
				ps := ranged.rangedPass("pb", splits)
				ranged.converged("pb")
				if got, want := ranged.snapshot("pb"), single.snapshot("pb"); !slices.Equal(got, want) {
					t.Fatalf("ranged pass:\n%v\nsingle stream:\n%v", got, want)
				}
				for _, r := range ps.ranges {
					if !r.done {
						t.Errorf("range (%q, %q] not done", r.after, r.through)
					}
				}
				if ps.changes == 0 || ps.scanned == 0 {
					t.Errorf("pass counted %d changes over %d versions", ps.changes, ps.scanned)
				}
			})
		}
	}
}

// TestRangedListingStopsAtItsEnd checks that a range reads no page past
// the one holding its end, and none of another range's keys twice.
func TestRangedListingStopsAtItsEnd(t *testing.T) {
	h := newHarness(t, rangeOptions(4))
	h.createBucket("mb", false)
	for i := range 40 {
		h.be.put(fmt.Sprintf("k%02d", i), "x", nil)
	}
	ps := h.rangedPass("mb", []string{"k09", "k19", "k29"})
	if ps.scanned > 40+3*3 {
		t.Errorf("scanned %d versions of 40: more than a page past each boundary", ps.scanned)
	}
	if n := len(h.be.calls()); n > 4*(10/3+2) {
		t.Errorf("%d listing calls for 4 ranges of 10 keys in pages of 3", n)
	}
	h.converged("mb")
}

func TestPlannedRanges(t *testing.T) {
	tests := []struct {
		name    string
		prefix  string
		keys    func(i int) string
		n       int
		initial bool // sampled from the backend, else cut from the index
	}{
		{"counter keys sampled", "", func(i int) string { return fmt.Sprintf("obj-%06d", i) }, 1000, true},
		{"hashed keys sampled", "", func(i int) string { return fmt.Sprintf("%08x", uint32(i)*2654435761) }, 1000, true},
		{"prefixed keys sampled", "pb/", func(i int) string { return fmt.Sprintf("logs/2026/%04d.gz", i) }, 1000, true},
		{"counter keys from the index", "", func(i int) string { return fmt.Sprintf("obj-%06d", i) }, 1000, false},
		{"prefixed keys from the index", "pb/", func(i int) string { return fmt.Sprintf("%08x", uint32(i)*2654435761) }, 1000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, rangeOptions(4))
			h.prefixes["pb"] = tt.prefix
			h.createBucket("pb", false)
			var keys []string
			for i := range tt.n {
				keys = append(keys, tt.keys(i))
				h.be.put(tt.prefix+keys[i], "x", nil)
			}
			slices.Sort(keys)
			if tt.prefix != "" {
				h.be.put("pa/zzz", "x", nil)
				h.be.put("pc/000", "x", nil)
			}
			if !tt.initial {
				h.pass("pb")
			}
			ps := &passState{initial: tt.initial}
			ranges, err := h.m.planRanges(context.Background(), "pb", Target{Source: h.be, Prefix: tt.prefix}, ps)
			if err != nil {
				t.Fatal(err)
			}
			want := 4
			if tt.initial {
				want = 4 * backendOversplit
			}
			if len(ranges) < want/2+1 || len(ranges) > want {
				t.Fatalf("%d ranges, want about %d", len(ranges), want)
			}
			largest := 0
			for i, r := range ranges {
				if i > 0 && r.after != ranges[i-1].through || i == len(ranges)-1 && r.through != "" || i == 0 && r.after != "" {
					t.Fatalf("ranges do not tile the key space: %+v", ranges)
				}
				if r.through != "" && !slices.Contains(keys, r.through) {
					t.Errorf("boundary %q is no key of the bucket", r.through)
				}
				n := 0
				for _, k := range keys {
					if k > r.after && (r.through == "" || k <= r.through) {
						n++
					}
				}
				largest = max(largest, n)
			}
			if ideal := tt.n / want; largest > 5*ideal/2 {
				t.Errorf("largest range holds %d keys, ideal %d", largest, ideal)
			}
		})
	}
}

func TestSampleSplitsOfFewKeys(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		max  int // splits at most
	}{
		{"empty bucket", nil, 0},
		{"one key", []string{"only"}, 0},
		{"two keys", []string{"a", "b"}, 1},
		{"keys beyond the alphabet", []string{"é1", "é2", "\x01x", "~~", "ü"}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newFakeBackend()
			for _, k := range tt.keys {
				be.put(k, "x", nil)
			}
			splits, err := sampleSplits(context.Background(), Target{Source: be}, "", 8, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(splits) > tt.max || !slices.IsSorted(splits) {
				t.Fatalf("splits %q of keys %q", splits, tt.keys)
			}
			for _, s := range splits {
				if !slices.Contains(tt.keys, s) {
					t.Errorf("split %q is no key", s)
				}
			}
		})
	}
}

// TestRangedInitialSyncResumesEveryRange interrupts an initial sync listed
// in ranges, restarts the ingester, and checks that each range resumed
// after its last applied key: nothing is skipped, nothing counted twice.
// The listers may change across the restart: the persisted ranges are
// resumed whatever their number, and a single stream's marker is cut.
func TestRangedInitialSyncResumesEveryRange(t *testing.T) {
	tests := []struct {
		prefix        string
		before, after int // listers before and after the restart
	}{
		{"", 4, 4}, {"pb/", 4, 4}, {"", 4, 1}, {"pb/", 1, 4}, {"", 1, 1},
	}
	for _, tt := range tests {
		prefix := tt.prefix
		t.Run(fmt.Sprintf("prefix %q listers %d then %d", prefix, tt.before, tt.after), func(t *testing.T) {
			h := newHarness(t, rangeOptions(tt.before))
			h.prefixes["mb"] = prefix
			h.createBucket("mb", true)
			total := 0
			for i := range 120 {
				k := fmt.Sprintf("%sk%03d", prefix, i)
				h.be.put(k, k, meta("X-Amz-Meta-N", k))
				total++
				if i%10 == 0 { // more versions than a page
					for j := range 4 {
						h.be.put(k, fmt.Sprint(j), nil)
						total++
					}
				}
			}
			var pages atomic.Int64
			errDown := errors.New("backend down")
			h.be.setHooks(nil, func(_ int, p *backend.VersionPage) error {
				if len(p.Versions) > 1 && pages.Add(1) > 12 { // probes list one entry
					return errDown
				}
				return nil
			})
			h.start()
			waitFor(t, "the error state", func() bool { return h.status("mb").State == StateError })
			h.m.Close()
			st := ingestState(t, h.db, "mb")
			if tt.before == 1 {
				// One stream persists its marker as it always did.
				if st.KeyMarker == "" || st.SyncRanges != nil {
					t.Fatalf("ingest state of one stream: %+v", st)
				}
				st.SyncRanges = []index.SyncRange{{After: strings.TrimPrefix(st.KeyMarker, prefix)}}
			}
			checkPersistedRanges(t, h, st, min(tt.before, 2))

			h.be.setHooks(nil, nil)
			h.opts.ListConcurrency = tt.after
			h.m = h.newManager()
			if s := h.status("mb"); s.State != StateInitialSync || s.InitialSynced != st.VersionsSynced {
				t.Errorf("status after restart: %+v", s)
			}
			first := len(h.be.calls())
			h.start()
			waitFor(t, "initial sync", func() bool { return ingestState(t, h.db, "mb").InitialSyncDone })
			resumed := h.be.calls()[first:]
			for _, r := range st.SyncRanges {
				if !r.Done && !slices.Contains(resumed, listCall{keyMarker: rangesFromState([]index.SyncRange{r})[0].backendAfter(prefix)}) {
					t.Errorf("range %+v did not resume after its last applied key", r)
				}
			}
			if st2 := ingestState(t, h.db, "mb"); st2.VersionsSynced != int64(total) || st2.SyncRanges != nil {
				t.Errorf("after the sync: %d versions synced of %d, ranges %+v", st2.VersionsSynced, total, st2.SyncRanges)
			}
			h.idle("mb")
			h.converged("mb")
		})
	}
}

// checkPersistedRanges checks that an interrupted sync persisted ranges
// (at least minRanges) tiling the key space, some progress, and nothing indexed beyond
// the resume point of its range.
func checkPersistedRanges(t *testing.T, h *harness, st index.IngestState, minRanges int) {
	t.Helper()
	if st.InitialSyncDone || len(st.SyncRanges) < minRanges || st.VersionsSynced == 0 {
		t.Fatalf("ingest state after the interrupted sync: %+v", st)
	}
	for i, r := range st.SyncRanges {
		if i > 0 && st.SyncRanges[i-1].Through == "" || i == len(st.SyncRanges)-1 && r.Through != "" {
			t.Fatalf("persisted ranges do not tile the key space: %+v", st.SyncRanges)
		}
	}
	indexed := 0
	for _, line := range h.snapshot("mb") {
		indexed++
		k := strings.SplitN(line, "@", 2)[0]
		for _, r := range st.SyncRanges {
			if k > r.After && (r.Through == "" || k <= r.Through) && !r.Done {
				t.Errorf("%s indexed beyond its range's resume point %+v", k, r)
			}
		}
	}
	if int64(indexed) != st.VersionsSynced {
		t.Errorf("%d versions indexed, %d persisted as synced", indexed, st.VersionsSynced)
	}
}

func TestRangedPassRemovesOutOfBandDeletesInsideARange(t *testing.T) {
	h := newHarness(t, rangeOptions(3))
	h.createBucket("mb", false)
	for i := range 30 {
		h.be.put(fmt.Sprintf("k%02d", i), "x", nil)
	}
	h.rangedPass("mb", []string{"k09", "k19"})
	for _, k := range []string{"k03", "k04", "k05", "k13", "k25"} {
		h.be.deleteVersion(k, h.be.latest(k).id)
	}
	h.rangedPass("mb", []string{"k09", "k19"})
	h.converged("mb")
	if n := h.changes("mb", KindKeyRemoved); n != 5 {
		t.Errorf("%v keys counted removed, want 5", n)
	}
}

// TestRangedPassRetryContinuesEachRange fails a ranged pass, retries it
// with its state, and checks that each range continued after its last
// applied key, as a single stream does.
func TestRangedPassRetryContinuesEachRange(t *testing.T) {
	h := newHarness(t, rangeOptions(4))
	h.createBucket("mb", false)
	for i := range 40 {
		h.be.put(fmt.Sprintf("k%02d", i), "x", nil)
	}
	var failed atomic.Bool
	h.be.setHooks(nil, func(call int, _ *backend.VersionPage) error {
		if call >= 8 && failed.CompareAndSwap(false, true) {
			return errors.New("backend down")
		}
		return nil
	})
	ps := &passState{began: time.Now(), ranges: rangesOf("", []string{"k09", "k19", "k29"})}
	ps.fullSince = ps.began
	if err := h.m.lockedPass(context.Background(), "mb", ps, hooks{}); err == nil {
		t.Fatal("the pass did not fail")
	}
	resume := map[string]bool{}
	for _, r := range ps.ranges {
		if !r.done {
			resume[r.backendAfter("")] = true
		}
	}
	first := len(h.be.calls())
	if err := h.m.lockedPass(context.Background(), "mb", ps, hooks{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range h.be.calls()[first:] {
		if c.versionIDMarker == "" && !resume[c.keyMarker] {
			t.Errorf("the retry listed from %q, no range's resume point (%v)", c.keyMarker, resume)
		}
	}
	// A range re-reads at most the page it had not applied.
	if ps.scanned < 40 || ps.scanned > 40+4*3 {
		t.Errorf("scanned %d versions of 40 over both attempts", ps.scanned)
	}
	h.converged("mb")
}

func TestLastTrue(t *testing.T) {
	tests := []struct{ lo, hi, want int }{
		{0, 0, 0}, {0, 1, 0}, {0, 1, 1}, {0, 10, 7}, {31, 126, 31}, {31, 126, 126}, {31, 126, 100}, {0, 200, 57},
	}
	for _, tt := range tests {
		var calls atomic.Int64
		got, err := lastTrue(tt.lo, tt.hi, func(x int) (bool, error) {
			calls.Add(1)
			if x < tt.lo || x > tt.hi {
				t.Errorf("probed %d outside [%d, %d]", x, tt.lo, tt.hi)
			}
			return x <= tt.want, nil
		})
		if err != nil || got != tt.want {
			t.Errorf("lastTrue(%d, %d) = %d, %v; want %d", tt.lo, tt.hi, got, err, tt.want)
		}
		if n := calls.Load(); n > 3*searchProbes {
			t.Errorf("lastTrue(%d, %d) probed %d times", tt.lo, tt.hi, n)
		}
	}
	errDown := errors.New("down")
	if _, err := lastTrue(0, 100, func(int) (bool, error) { return false, errDown }); !errors.Is(err, errDown) {
		t.Errorf("a failed probe gave %v", err)
	}
}

// TestSmallBucketIsNotCut checks that a bucket of a few pages is listed as
// one stream when planned from the index, which counts its keys, and in
// no more than two ranges from the backend, whose size the sampling only
// estimates.
func TestSmallBucketIsNotCut(t *testing.T) {
	for _, initial := range []bool{true, false} {
		h := newHarness(t, rangeOptions(4))
		h.createBucket("mb", false)
		for i := range 20 { // 7 pages of 3
			h.be.put(fmt.Sprintf("k%02d", i), "x", nil)
		}
		if !initial {
			h.pass("mb")
		}
		calls := len(h.be.calls())
		ranges, err := h.m.planRanges(context.Background(), "mb", Target{Source: h.be}, &passState{initial: initial})
		if err != nil {
			t.Fatal(err)
		}
		if len(ranges) > 2 || !initial && len(ranges) != 1 {
			t.Errorf("initial %v: %d ranges for 7 pages", initial, len(ranges))
		}
		if n := len(h.be.calls()) - calls; !initial && n != 0 {
			t.Errorf("planning from the index made %d listing calls", n)
		}
	}
}
