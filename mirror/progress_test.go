package mirror

import (
	"fmt"
	"testing"
	"time"
)

func TestSyncProgressShow(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name        string
		phase       string
		done, total int64
		elapsed     time.Duration
		want        Progress
	}{
		{"listing has no total", PhaseListing, 300, 0, 2 * time.Second, Progress{Phase: PhaseListing, Done: 300, RatePerSecond: 150}},
		{"metadata with an ETA", PhaseReadingMetadata, 100, 500, 4 * time.Second, Progress{Phase: PhaseReadingMetadata, Done: 100, Total: 500, RatePerSecond: 25, ETASeconds: 16}},
		{"nothing done yet", PhaseReadingMetadata, 0, 500, time.Second, Progress{Phase: PhaseReadingMetadata, Total: 500}},
		{"done", PhaseReadingMetadata, 500, 500, 5 * time.Second, Progress{Phase: PhaseReadingMetadata, Done: 500, Total: 500, RatePerSecond: 100}},
	}
	for _, tt := range tests {
		p := &syncProgress{}
		p.startPhase(tt.phase, tt.total)
		p.since.Store(now.Add(-tt.elapsed).UnixNano())
		p.add(tt.done)
		if got := p.show(now); *got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, *got, tt.want)
		}
	}
	var none *syncProgress
	none.add(1)
	if none.show(now) != nil || (&syncProgress{}).show(now) != nil {
		t.Error("no progress shows as progress")
	}
}

// An initial sync shows the listing phase with its count while it lists,
// then the metadata phase with the total of versions to read; the moments
// its listing and its sweep ended stay shown once it is done.
func TestInitialSyncShowsItsPhases(t *testing.T) {
	h := newHarness(t, testOptions())
	h.createBucket("mb", true)
	for i := range 10 {
		h.be.put(fmt.Sprintf("k%02d", i), "body", nil)
	}
	h.be.deleteKey("k00") // a delete marker: no headers to read
	listing := make(chan struct{})
	h.be.setHooks(func(call int) error {
		if call == 2 {
			<-listing
		}
		return nil
	}, nil)
	reading := make(chan struct{})
	h.be.failHead = func(string, string) error { <-reading; return nil }
	h.start()

	// The listing waits at its third page: the count is what the first
	// two held, and agrees with the versions synced.
	waitFor(t, "the listing phase", func() bool {
		s := h.status("mb")
		return s.Progress != nil && s.Progress.Phase == PhaseListing && s.Progress.Done > 0 && s.Progress.Done == s.InitialSynced
	})
	if s := h.status("mb"); s.State != StateInitialSync || s.Progress.Total != 0 || s.Progress.ETASeconds != 0 || !s.InitialListedAt.IsZero() {
		t.Errorf("status while listing: %+v %+v", s, *s.Progress)
	}
	beforeListed := time.Now()
	close(listing)
	waitFor(t, "the metadata phase", func() bool {
		p := h.status("mb").Progress
		return p != nil && p.Phase == PhaseReadingMetadata
	})
	s := h.status("mb")
	if p := s.Progress; p.Total != 10 || p.Done != 0 {
		t.Errorf("metadata phase: %+v, want 10 versions to read, none read", *p)
	}
	if s.InitialListedAt.Before(beforeListed) || !s.InitialMetadataAt.IsZero() {
		t.Errorf("metadata phase: listed at %v (the listing went on after %v), metadata at %v, want zero", s.InitialListedAt, beforeListed, s.InitialMetadataAt)
	}
	listed, beforeSwept := s.InitialListedAt, time.Now()
	close(reading)
	waitFor(t, "initial sync", func() bool { return ingestState(t, h.db, "mb").InitialSyncDone })
	s = h.status("mb")
	if s.Progress != nil || s.State == StateInitialSync {
		t.Errorf("status after the sync: %+v", s)
	}
	if !s.InitialListedAt.Equal(listed) || s.InitialMetadataAt.Before(beforeSwept) {
		t.Errorf("after the sync: listed at %v, want %v; metadata at %v, before the reads were let go at %v", s.InitialListedAt, listed, s.InitialMetadataAt, beforeSwept)
	}
}
