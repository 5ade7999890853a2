package mirror

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
)

// status reads a bucket's status or fails the test.
func (h *harness) status(bucket string) Status {
	h.t.Helper()
	s, err := h.m.Status(bucket)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// start starts the manager.
func (h *harness) start() {
	h.t.Helper()
	if err := h.m.Start(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

// idle waits until no pass runs on bucket, by taking its pass lock.
func (h *harness) idle(bucket string) {
	h.m.mu.Lock()
	lock := h.m.passLocks[bucket]
	h.m.mu.Unlock()
	if lock != nil {
		lock <- struct{}{}
		<-lock
	}
}

func TestLoopSyncsThenFollowsChanges(t *testing.T) {
	h := newHarness(t, testOptions())
	h.createBucket("mb", true)
	for i := range 10 {
		h.be.put(fmt.Sprintf("k%d", i), "x", meta("X-Amz-Meta-I", fmt.Sprint(i)))
	}
	if s := h.status("mb"); s.State != StateInitialSync {
		t.Errorf("state before start: %q", s.State)
	}
	h.start()
	waitFor(t, "initial sync", func() bool { return ingestState(t, h.db, "mb").InitialSyncDone })
	st := ingestState(t, h.db, "mb")
	if st.VersionsSynced != 10 || st.KeyMarker != "" || st.LastFullPass.IsZero() {
		t.Errorf("ingest state after the initial sync: %+v", st)
	}
	h.idle("mb")
	h.converged("mb")

	v := h.be.put("later", "y", meta("Content-Type", "text/csv"))
	waitFor(t, "the new object", func() bool {
		got := h.latest("mb", "later")
		return got.VersionID == v.id && !got.MetaPending
	})
	s := h.status("mb")
	if s.State != StateIdle && s.State != StateScanning || s.InitialSynced != 10 || s.Passes < 2 || s.LastFullPass.IsZero() || s.LastPassStart.IsZero() || s.Location != "loc-mb" {
		t.Errorf("status: %+v", s)
	}
	all := h.m.StatusAll()
	if len(all) != 1 || all[0].Bucket != "mb" {
		t.Errorf("StatusAll: %+v", all)
	}
}

func TestInitialSyncResumesFromItsMarker(t *testing.T) {
	h := newHarness(t, testOptions())
	h.createBucket("mb", true)
	total := 0
	for i := range 20 {
		k := fmt.Sprintf("k%02d", i)
		h.be.put(k, k, nil)
		total++
		if i%2 == 0 {
			h.be.put(k, k+"b", nil)
			total++
		}
	}
	errDown := errors.New("backend down")
	h.be.setHooks(func(call int) error {
		if call >= 4 {
			return errDown
		}
		return nil
	}, nil)
	h.start()
	waitFor(t, "the error state", func() bool { return h.status("mb").State == StateError })
	h.m.Close()
	st := ingestState(t, h.db, "mb")
	if st.InitialSyncDone || st.KeyMarker == "" || st.VersionsSynced == 0 || st.SyncStarted.IsZero() {
		t.Fatalf("ingest state after the interrupted sync: %+v", st)
	}
	if s := h.status("mb"); !strings.Contains(s.LastError, "backend down") {
		t.Errorf("last error: %q", s.LastError)
	}
	// Everything up to the marker is indexed, nothing after it.
	for _, line := range h.snapshot("mb") {
		if k := strings.SplitN(line, "@", 2)[0]; k > st.KeyMarker {
			t.Errorf("%s indexed beyond the marker %s", k, st.KeyMarker)
		}
	}

	h.be.setHooks(nil, nil)
	first := len(h.be.calls())
	h.m = h.newManager()
	if s := h.status("mb"); s.State != StateInitialSync || s.InitialSynced != st.VersionsSynced {
		t.Errorf("status after restart: %+v", s)
	}
	h.start()
	waitFor(t, "initial sync", func() bool { return ingestState(t, h.db, "mb").InitialSyncDone })
	if c := h.be.calls()[first]; c.keyMarker != st.KeyMarker || c.versionIDMarker != "" {
		t.Errorf("restarted sync listed from %+v, want after %q", c, st.KeyMarker)
	}
	st2 := ingestState(t, h.db, "mb")
	if st2.VersionsSynced != int64(total) || !st2.LastFullPass.Equal(st.SyncStarted) {
		t.Errorf("ingest state after the sync: %+v (started %v)", st2, st.SyncStarted)
	}
	h.idle("mb")
	h.converged("mb")
}

func TestPauseResumeRescan(t *testing.T) {
	h := newHarness(t, testOptions())
	h.createBucket("mb", true)
	h.be.put("a", "a", nil)
	h.start()
	waitFor(t, "initial sync", func() bool { return ingestState(t, h.db, "mb").InitialSyncDone })

	if err := h.m.Pause("mb"); err != nil {
		t.Fatal(err)
	}
	if s := h.status("mb"); s.State != StatePaused {
		t.Errorf("state: %q", s.State)
	}
	if !ingestState(t, h.db, "mb").Paused {
		t.Error("pause not persisted")
	}
	if err := h.m.Rescan(context.Background(), "mb", true); !errors.Is(err, ErrPaused) {
		t.Errorf("rescan of a paused bucket: %v", err)
	}
	h.idle("mb")
	v := h.be.put("b", "b", nil)
	h.pausedLoopDoesNotList("mb")
	if got := h.latest("mb", "b"); got.VersionID != "" {
		t.Errorf("a paused bucket picked up b: %+v", got)
	}

	if err := h.m.Resume("mb"); err != nil {
		t.Fatal(err)
	}
	if ingestState(t, h.db, "mb").Paused {
		t.Error("resume not persisted")
	}
	if err := h.m.Rescan(context.Background(), "mb", true); err != nil {
		t.Fatal(err)
	}
	if got := h.latest("mb", "b"); got.VersionID != v.id || got.MetaPending {
		t.Errorf("after rescan --wait, b is %+v", got)
	}

	// The pause outlives a restart.
	if err := h.m.Pause("mb"); err != nil {
		t.Fatal(err)
	}
	h.m.Close()
	h.m = h.newManager()
	h.start()
	if s := h.status("mb"); s.State != StatePaused {
		t.Errorf("state after restart: %q", s.State)
	}
	h.be.put("c", "c", nil)
	h.pausedLoopDoesNotList("mb")
	if err := h.m.Resume("mb"); err != nil {
		t.Fatal(err)
	}
	if err := h.m.Rescan(context.Background(), "mb", true); err != nil {
		t.Fatal(err)
	}
	h.converged("mb")
}

// pausedLoopDoesNotList wakes a paused loop and checks that it went round
// without listing the backend.
func (h *harness) pausedLoopDoesNotList(bucket string) {
	h.t.Helper()
	l := h.m.loop(bucket)
	calls := len(h.be.calls())
	for range 3 {
		turns := l.turns.Load()
		l.poke()
		waitFor(h.t, "the paused loop to go round", func() bool { return l.turns.Load() > turns })
	}
	if n := len(h.be.calls()) - calls; n != 0 {
		h.t.Errorf("a paused loop listed %d pages", n)
	}
}

func TestPauseStopsAPassAfterItsPage(t *testing.T) {
	opts := testOptions()
	opts.PageSize = 1
	h := newHarness(t, opts)
	h.createBucket("mb", true)
	for i := range 6 {
		h.be.put(fmt.Sprintf("k%d", i), "x", nil)
	}
	paused := make(chan struct{})
	h.be.setHooks(nil, func(call int, _ *backend.VersionPage) error {
		if call == 2 {
			if err := h.m.Pause("mb"); err != nil {
				t.Error(err)
			}
			close(paused)
		}
		return nil
	})
	h.start()
	<-paused
	h.idle("mb")
	// The listing reads at most one page ahead of the one being applied.
	if n := len(h.be.calls()); n > 4 {
		t.Errorf("a paused pass listed %d pages", n)
	}
	st := ingestState(t, h.db, "mb")
	if st.InitialSyncDone || st.KeyMarker == "" || !st.Paused {
		t.Errorf("ingest state: %+v", st)
	}
	h.be.setHooks(nil, nil)
	if err := h.m.Resume("mb"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "initial sync", func() bool { return ingestState(t, h.db, "mb").InitialSyncDone })
	h.idle("mb")
	h.converged("mb")
}

func TestRescanWaitsForAPassStartedAfterTheCall(t *testing.T) {
	h := newHarness(t, testOptions())
	h.createBucket("mb", true)
	h.be.put("a", "a", nil)
	h.start()
	waitFor(t, "initial sync", func() bool { return ingestState(t, h.db, "mb").InitialSyncDone })

	// Hold a pass after the backend answered its listing, change the
	// backend, and ask for a rescan: that pass cannot see the change, so
	// the rescan must wait for the next one.
	listed, release := make(chan struct{}), make(chan struct{})
	held := false
	h.be.setHooks(nil, func(int, *backend.VersionPage) error {
		if !held {
			held = true
			close(listed)
			<-release
		}
		return nil
	})
	<-listed
	v := h.be.put("b", "b", nil)
	done := make(chan error)
	go func() { done <- h.m.Rescan(context.Background(), "mb", true) }()
	l := h.m.loop("mb")
	waitFor(t, "the rescan to be asked", func() bool { return l.rescanPending() })
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := h.latest("mb", "b"); got.VersionID != v.id {
		t.Errorf("after rescan --wait, b is %+v", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.m.Rescan(ctx, "mb", true); err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("rescan with an ended context: %v", err)
	}
	if err := h.m.Rescan(context.Background(), "mb", false); err != nil {
		t.Errorf("rescan without wait: %v", err)
	}
}

func TestStatusShowsErrorsAndRecovers(t *testing.T) {
	h := newHarness(t, testOptions())
	h.createBucket("mb", true)
	h.be.put("a", "a", nil)
	h.start()
	waitFor(t, "initial sync", func() bool { return ingestState(t, h.db, "mb").InitialSyncDone })
	errThrottled := &backend.Error{Op: "ListObjectVersions", Code: "SlowDown", Status: 503, Message: "reduce your request rate"}
	h.be.setHooks(func(int) error { return errThrottled }, nil)
	waitFor(t, "the error state", func() bool { return h.status("mb").State == StateError })
	if s := h.status("mb"); !strings.Contains(s.LastError, "SlowDown") {
		t.Errorf("last error: %q", s.LastError)
	}
	if n := counterValue(h.m.met.errors.WithLabelValues("mb")); n == 0 {
		t.Error("errors not counted")
	}
	if h.latest("mb", "a").VersionID == "" {
		t.Error("a failing listing removed a")
	}
	h.be.setHooks(nil, nil)
	waitFor(t, "recovery", func() bool {
		s := h.status("mb")
		return s.State != StateError && s.LastError == ""
	})
}

func TestCatchUpPassForOtherBuckets(t *testing.T) {
	h := newHarness(t, testOptions())
	h.createBucket("pb", false)
	h.prefixes["pb"] = "pb/"
	// The backend acknowledged this write, but the gateway stopped before
	// recording it.
	v := h.be.put("pb/acked", "x", meta("X-Amz-Meta-A", "1"))
	h.be.put("elsewhere", "x", nil)
	h.start()
	waitFor(t, "the catch-up pass", func() bool { return counterValue(h.m.met.passes.WithLabelValues("pb")) == 1 })
	if got := h.latest("pb", "acked"); got.VersionID != v.id {
		t.Errorf("acked: %+v", got)
	}
	h.converged("pb")
	if _, err := h.m.Status("pb"); !errors.Is(err, ErrNotMirror) {
		t.Errorf("status of a non-mirror bucket: %v", err)
	}
	if err := h.m.Add("pb"); !errors.Is(err, ErrNotMirror) {
		t.Errorf("add of a non-mirror bucket: %v", err)
	}
	if len(h.m.StatusAll()) != 0 {
		t.Errorf("StatusAll lists non-mirror buckets: %+v", h.m.StatusAll())
	}
}

func TestAddAndRemove(t *testing.T) {
	h := newHarness(t, testOptions())
	h.start()
	h.createBucket("mb", true)
	h.be.put("a", "a", nil)
	if err := h.m.Add("mb"); err != nil {
		t.Fatal(err)
	}
	if err := h.m.Add("mb"); err != nil {
		t.Errorf("second add: %v", err)
	}
	waitFor(t, "initial sync", func() bool { return ingestState(t, h.db, "mb").InitialSyncDone })
	h.m.Remove("mb")
	if h.m.loop("mb") != nil {
		t.Error("loop still there after Remove")
	}
	if err := h.m.Add("nope"); !errors.Is(err, index.ErrNotFound) {
		t.Errorf("add of an unknown bucket: %v", err)
	}
	h.m.Close()
	if err := h.m.Add("mb"); !errors.Is(err, ErrStopped) {
		t.Errorf("add after close: %v", err)
	}
}

func TestResync(t *testing.T) {
	cases := []struct {
		name   string
		damage func(h *harness, bucket string)
	}{
		{"lost index", func(h *harness, bucket string) {
			if err := h.db.ClearBucketObjects(bucket); err != nil {
				h.t.Fatal(err)
			}
		}},
		{"wrong metadata", func(h *harness, bucket string) {
			err := h.db.ScanKeys(bucket, "", "", func(key string, vs []index.Version) error {
				for _, v := range vs {
					if !v.IsDeleteMarker {
						if err := h.db.CompleteMetadata(bucket, key, v.VersionID, meta("X-Amz-Meta-Wrong", "1")); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				h.t.Fatal(err)
			}
		}},
		{"stale and missing entries", func(h *harness, bucket string) {
			if err := h.db.RecordVersion(bucket, index.Version{Key: "stale", VersionID: "x", ETag: `"x"`}); err != nil {
				h.t.Fatal(err)
			}
			vs, err := h.db.KeyVersions(bucket, "k1")
			if err != nil || len(vs) == 0 {
				h.t.Fatal(vs, err)
			}
			if err := h.db.RemoveVersion(bucket, "k1", vs[0].VersionID); err != nil {
				h.t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		for _, prefix := range []string{"", "pb/"} {
			t.Run(fmt.Sprintf("%s, prefix %q", c.name, prefix), func(t *testing.T) {
				h := newHarness(t, testOptions())
				bucket := "mb"
				h.createBucket(bucket, prefix == "")
				h.prefixes[bucket] = prefix
				for i := range 8 {
					k := fmt.Sprintf("%sk%d", prefix, i)
					h.be.put(k, k, meta("X-Amz-Meta-I", fmt.Sprint(i)))
					if i%3 == 0 {
						h.be.deleteKey(k)
					}
				}
				h.pass(bucket)
				c.damage(h, bucket)
				if err := h.m.Resync(context.Background(), bucket); err != nil {
					t.Fatal(err)
				}
				h.converged(bucket)
			})
		}
	}
	t.Run("unknown bucket", func(t *testing.T) {
		h := newHarness(t, testOptions())
		if err := h.m.Resync(context.Background(), "nope"); !errors.Is(err, index.ErrNotFound) {
			t.Errorf("resync of an unknown bucket: %v", err)
		}
	})
	t.Run("failing listing", func(t *testing.T) {
		h := newHarness(t, testOptions())
		h.createBucket("mb", true)
		h.be.put("a", "a", nil)
		h.pass("mb")
		before := h.snapshot("mb")
		errDown := errors.New("backend down")
		h.be.setHooks(func(int) error { return errDown }, nil)
		if err := h.m.Resync(context.Background(), "mb"); !errors.Is(err, errDown) {
			t.Errorf("resync: %v", err)
		}
		if got := h.snapshot("mb"); !slices.Equal(got, before) {
			t.Errorf("a failed resync changed the index: %v", got)
		}
	})
}

func TestMetricsAreRegistered(t *testing.T) {
	h := newHarness(t, testOptions())
	h.createBucket("mb", true)
	h.be.put("a", "a", nil)
	h.createBucket("pb", false)
	h.start()
	waitFor(t, "initial sync", func() bool { return ingestState(t, h.db, "mb").InitialSyncDone })
	waitFor(t, "the catch-up pass", func() bool { return counterValue(h.m.met.passes.WithLabelValues("pb")) == 1 })
	h.m.met.errors.WithLabelValues("mb").Inc()
	families, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range families {
		names = append(names, f.GetName())
	}
	for _, want := range []string{
		"ringside_mirror_passes_total",
		"ringside_mirror_versions_scanned_total",
		"ringside_mirror_changes_applied_total",
		"ringside_mirror_pass_duration_seconds",
		"ringside_mirror_errors_total",
		"ringside_mirror_last_full_pass_age_seconds",
	} {
		if !slices.Contains(names, want) {
			t.Errorf("%s not gathered; have %v", want, names)
		}
	}
	if ages := h.m.lastFullPasses(); len(ages) != 1 || ages["mb"].IsZero() {
		t.Errorf("last full pass ages reported: %v", ages)
	}
	if n := counterValue(h.m.met.changes.WithLabelValues("mb", KindNewVersion)); n != 1 {
		t.Errorf("new versions counted: %v", n)
	}
	if n := counterValue(h.m.met.changes.WithLabelValues("mb", KindMetadata)); n != 1 {
		t.Errorf("metadata reads counted: %v", n)
	}
	// A second manager on the same registry shares the series.
	opts := testOptions()
	opts.Registerer = h.reg
	m2 := newManager(h.st, nil, opts)
	defer m2.Close()
	if m2.met.passes != h.m.met.passes {
		t.Error("second manager registered its own series")
	}
	h.m.Remove("mb")
	if n := counterValue(h.m.met.passes.WithLabelValues("mb")); n != 0 {
		t.Errorf("passes of a removed bucket: %v", n)
	}
}
