package mirror

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
)

func TestInitialSyncReadsHeadersOnceListed(t *testing.T) {
	cases := []struct {
		name    string
		initial bool
	}{
		{"initial sync", true},
		{"later pass", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, testOptions())
			h.createBucket("mb", true)
			for i := range 20 {
				h.be.put(fmt.Sprintf("k%02d", i), "x", meta("X-Amz-Meta-I", fmt.Sprint(i)))
			}
			var listed atomic.Bool
			var early atomic.Int64
			h.be.setHooks(nil, func(_ int, p *backend.VersionPage) error {
				if !p.IsTruncated {
					listed.Store(true)
				}
				return nil
			})
			h.be.failHead = func(string, string) error {
				if !listed.Load() {
					early.Add(1)
				}
				return nil
			}
			ps := &passState{began: time.Now(), initial: tc.initial}
			ps.fullSince = ps.began
			if err := h.m.lockedPass(context.Background(), "mb", ps, hooks{}); err != nil {
				t.Fatal(err)
			}
			if tc.initial && early.Load() > 0 {
				t.Errorf("the initial sync read %d versions' headers before its listing was done", early.Load())
			}
			if got := h.changes("mb", KindMetadata); got != 20 {
				t.Errorf("metadata stored for %v versions, want 20", got)
			}
			h.converged("mb")
		})
	}
}

func TestPauseStopsTheSweep(t *testing.T) {
	opts := testOptions()
	opts.PageSize = 100
	opts.HeadConcurrency = 1
	h := newHarness(t, opts)
	h.m.headQueue = 1
	h.createBucket("mb", true)
	const keys = 3 * scanChunk
	for i := range keys {
		h.be.put(fmt.Sprintf("k%04d", i), "x", meta("X-Amz-Meta-I", fmt.Sprint(i)))
	}
	var paused atomic.Bool
	h.be.failHead = func(string, string) error {
		if !paused.Swap(true) {
			if err := h.m.Pause("mb"); err != nil {
				t.Error(err)
			}
		}
		return nil
	}
	h.start()
	waitFor(t, "the pause", func() bool { return h.status("mb").State == StatePaused })
	h.idle("mb")
	if st := ingestState(t, h.db, "mb"); st.InitialSyncDone || st.VersionsSynced != keys {
		t.Errorf("ingest state after a pause during the sweep: %+v", st)
	}
	pending := 0
	err := h.db.ScanKeys("mb", "", "", func(_ string, vs []index.Version) error {
		for _, v := range vs {
			if v.MetaPending {
				pending++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pending < keys-2*scanChunk {
		t.Errorf("%d versions pending after the pause, want the sweep stopped after its chunk", pending)
	}
	h.be.failHead = nil
	if err := h.m.Resume("mb"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "initial sync", func() bool { return ingestState(t, h.db, "mb").InitialSyncDone })
	h.idle("mb")
	h.converged("mb")
}

func TestPassWritesAPageInOneTransaction(t *testing.T) {
	cases := []struct {
		name     string
		backend  int // keys the backend holds
		indexed  int // keys the index holds, none of them the backend's
		pageSize int
		batches  int // at most
		maxBatch int // keys in one batch, at most
	}{
		// The last key of a page waits for the next one.
		{"new keys", 50, 0, 10, 5, 11},
		{"keys the backend lost", 0, 2500, 10, 3, batchSize},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			opts.PageSize = tc.pageSize
			h := newHarness(t, opts)
			h.createBucket("mb", true)
			for i := range tc.indexed {
				v := index.Version{Key: fmt.Sprintf("k%04d", i), VersionID: "v1", ETag: `"e"`, LastModified: time.Now()}
				if err := h.db.RecordVersion("mb", v); err != nil {
					t.Fatal(err)
				}
			}
			for i := range tc.backend {
				h.be.put(fmt.Sprintf("k%04d", i), "x", nil)
			}
			h.pass("mb")
			if h.st.batches > tc.batches || h.st.maxBatch > tc.maxBatch {
				t.Errorf("%d keys written in %d batches of at most %d keys, want at most %d of at most %d",
					h.st.setCalls, h.st.batches, h.st.maxBatch, tc.batches, tc.maxBatch)
			}
			h.converged("mb")
		})
	}
}

// The headers read last are stored at once, not after storeWait: no read
// is under way that they could wait for. Both a pass reading headers as
// it lists and an initial sync's sweep end that way.
func TestLastHeadersReadAreStoredAtOnce(t *testing.T) {
	for _, initial := range []bool{false, true} {
		t.Run(fmt.Sprintf("initial %v", initial), func(t *testing.T) {
			h := newHarness(t, testOptions())
			h.m.storeWait = time.Hour // a batch waiting for it outlasts the test
			h.createBucket("mb", true)
			for i := range 7 {
				h.be.put(fmt.Sprintf("k%02d", i), "x", meta("X-Amz-Meta-I", fmt.Sprint(i)))
			}
			done := make(chan error, 1)
			go func() {
				ps := &passState{began: time.Now(), initial: initial}
				ps.fullSince = ps.began
				done <- h.m.lockedPass(context.Background(), "mb", ps, hooks{})
			}()
			waitFor(t, "every version's headers stored", func() bool { return h.changes("mb", KindMetadata) == 7 })
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			h.converged("mb")
		})
	}
}
