package mirror

import (
	"context"
	"strings"
	"sync"
	"testing"
)

// versionedFake is the fake backend with a versioning state.
type versionedFake struct {
	*fakeBackend
	mu    sync.Mutex
	state string
}

func (v *versionedFake) Versioning(context.Context) (string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.state, nil
}

func (v *versionedFake) set(state string) {
	v.mu.Lock()
	v.state = state
	v.mu.Unlock()
}

// A backend bucket whose versioning is not Enabled puts its mirror bucket
// in error with that cause, recorded in the bucket's record; enabling it
// again resumes mirroring by itself.
func TestVersioningCheckedBeforeEachPass(t *testing.T) {
	h := newHarness(t, testOptions())
	be := &versionedFake{fakeBackend: h.be, state: "Suspended"}
	h.m = newManager(h.st, func(string) (Target, error) { return Target{Source: be}, nil }, h.opts)
	t.Cleanup(h.m.Close)
	h.createBucket("mb", true)
	h.be.put("k", "v", nil)
	h.start()

	waitFor(t, "error on a suspended backend", func() bool {
		s := h.status("mb")
		return s.State == StateError && strings.Contains(s.LastError, ErrVersioningNotEnabled.Error()) &&
			strings.Contains(s.LastError, "it is Suspended")
	})
	if b, err := h.db.GetBucket("mb"); err != nil || b.Versioning != "Suspended" {
		t.Errorf("bucket record: versioning %q, %v; want Suspended", b.Versioning, err)
	}
	if _, err := h.db.Latest("mb", "k"); err == nil {
		t.Error("a pass ran over a backend that does not keep versions")
	}

	be.set("")
	waitFor(t, "the cause of a never-enabled backend", func() bool {
		return strings.Contains(h.status("mb").LastError, "never enabled")
	})

	be.set("Enabled")
	waitFor(t, "mirroring resumed", func() bool { return ingestState(t, h.db, "mb").InitialSyncDone })
	if s := h.status("mb"); s.State == StateError {
		t.Errorf("still in error: %s", s.LastError)
	}
	if b, _ := h.db.GetBucket("mb"); b.Versioning != "Enabled" {
		t.Errorf("bucket record: versioning %q; want Enabled", b.Versioning)
	}
}
