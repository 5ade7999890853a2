package mirror

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ringside/ringside/index"
)

// countingStore counts the index writes the ingester makes and can fail
// them.
type countingStore struct {
	*index.DB
	mu          sync.Mutex
	setCalls    int
	setChanged  int
	batches     int // calls of SetKeysVersions
	maxBatch    int // keys of the largest
	completes   int
	statePuts   int
	failSetKeys func(key string) error
}

func (s *countingStore) SetKeysVersions(bucket string, keys []index.KeyListing) ([]bool, error) {
	s.mu.Lock()
	fail := s.failSetKeys
	s.mu.Unlock()
	if fail != nil {
		for _, k := range keys {
			if err := fail(k.Key); err != nil {
				return nil, err
			}
		}
	}
	changed, err := s.DB.SetKeysVersions(bucket, keys)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setCalls += len(keys)
	s.batches++
	s.maxBatch = max(s.maxBatch, len(keys))
	for _, c := range changed {
		if c {
			s.setChanged++
		}
	}
	return changed, err
}

func (s *countingStore) StoreMetadata(bucket string, reads []index.MetadataRead) ([]bool, error) {
	s.mu.Lock()
	s.completes += len(reads)
	s.mu.Unlock()
	return s.DB.StoreMetadata(bucket, reads)
}

func (s *countingStore) PutIngestState(bucket string, st index.IngestState) error {
	s.mu.Lock()
	s.statePuts++
	s.mu.Unlock()
	return s.DB.PutIngestState(bucket, st)
}

// writes returns the number of index writes that changed something.
func (s *countingStore) writes() (setChanged, completes, statePuts int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.setChanged, s.completes, s.statePuts
}

// harness is an index, a fake backend and a manager over them.
type harness struct {
	t    testing.TB
	db   *index.DB
	st   *countingStore
	be   *fakeBackend
	reg  *prometheus.Registry
	m    *Manager
	opts Options
	// prefixes maps a bucket to its backend key prefix ("" when absent).
	prefixes map[string]string
}

func testOptions() Options {
	return Options{Interval: 10 * time.Millisecond, PageSize: 3, HeadConcurrency: 4, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, ListConcurrency: testListConcurrency}
}

func newHarness(t testing.TB, opts Options) *harness {
	t.Helper()
	db, err := index.OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	return newHarnessOn(t, db, opts)
}

// newDiskHarness is a harness over an index on disk, which flushes and
// compacts as ringside's does.
func newDiskHarness(t testing.TB, opts Options) *harness {
	t.Helper()
	db, err := index.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return newHarnessOn(t, db, opts)
}

func newHarnessOn(t testing.TB, db *index.DB, opts Options) *harness {
	t.Cleanup(func() { db.Close() })
	h := &harness{t: t, db: db, st: &countingStore{DB: db}, be: newFakeBackend(), opts: opts, prefixes: map[string]string{}}
	h.m = h.newManager()
	return h
}

// newManager makes a manager over the harness's index and backend, closed
// at the end of the test.
func (h *harness) newManager() *Manager {
	h.reg = prometheus.NewRegistry()
	opts := h.opts
	opts.Registerer = h.reg
	m := newManager(h.st, func(bucket string) (Target, error) {
		return Target{Source: h.be, Prefix: h.prefixes[bucket]}, nil
	}, opts)
	h.t.Cleanup(m.Close)
	return m
}

func (h *harness) createBucket(name string, mirror bool) {
	h.t.Helper()
	b := index.Bucket{Name: name, Location: "loc-" + name, Mirror: mirror, Versioning: "Enabled", Created: time.Now()}
	if err := h.db.CreateBucket(b); err != nil {
		h.t.Fatal(err)
	}
}

// pass runs one full pass over bucket and returns it.
func (h *harness) pass(bucket string) *passState {
	h.t.Helper()
	ps, err := h.tryPass(bucket)
	if err != nil {
		h.t.Fatalf("pass over %s: %v", bucket, err)
	}
	return ps
}

func (h *harness) tryPass(bucket string) (*passState, error) {
	ps := &passState{began: time.Now()}
	ps.fullSince = ps.began
	err := h.m.lockedPass(context.Background(), bucket, ps, hooks{})
	return ps, err
}

// snapshot renders the index's versions of bucket like fakeBackend.snapshot.
func (h *harness) snapshot(bucket string) []string {
	h.t.Helper()
	var out []string
	err := h.db.ScanKeys(bucket, "", "", func(key string, vs []index.Version) error {
		for _, v := range vs {
			out = append(out, render(key, v.VersionID, v.IsDeleteMarker, v.Size, v.ETag))
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// converged checks that the index holds exactly the backend's versions of
// bucket, key by key and version by version, with the backend's headers.
func (h *harness) converged(bucket string) {
	h.t.Helper()
	prefix := h.prefixes[bucket]
	if got, want := h.snapshot(bucket), h.be.snapshot(prefix); !slices.Equal(got, want) {
		h.t.Fatalf("index of %s differs from the backend:\nindex:   %v\nbackend: %v", bucket, got, want)
	}
	err := h.db.ScanKeys(bucket, "", "", func(key string, vs []index.Version) error {
		for _, v := range vs {
			if v.IsDeleteMarker {
				continue
			}
			o, err := h.be.HeadObject(context.Background(), prefix+key, v.VersionID)
			if err != nil {
				h.t.Fatalf("head %s@%s: %v", key, v.VersionID, err)
			}
			if v.MetaPending || !sameMeta(v.Metadata, o.Metadata) {
				h.t.Errorf("%s@%s: metadata %v (pending %v), backend has %v", key, v.VersionID, v.Metadata, v.MetaPending, o.Metadata)
			}
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

func sameMeta(a, b map[string]string) bool {
	return len(a) == 0 && len(b) == 0 || maps.Equal(a, b)
}

// changes reads the changes_applied counter of one kind.
func (h *harness) changes(bucket, kind string) float64 {
	return counterValue(h.m.met.changes.WithLabelValues(bucket, kind))
}

// latest returns key's latest version in the index, or a zero Version.
func (h *harness) latest(bucket, key string) index.Version {
	h.t.Helper()
	v, err := h.db.Latest(bucket, key)
	if err != nil && !errors.Is(err, index.ErrNotFound) {
		h.t.Fatal(err)
	}
	return v
}

// waitFor polls cond until it holds or a deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func ingestState(t testing.TB, db *index.DB, bucket string) index.IngestState {
	t.Helper()
	st, err := db.GetIngestState(bucket)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func meta(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// counterValue reads a counter.
func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

// testListConcurrency is the listers of the tests written for a single
// stream, which count its listing calls; the range tests set their own.
var testListConcurrency = 1
