package catalog

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/ringside/ringside/embedded"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/test/testenv"
)

// The test backend's keys.
const (
	backendAccess = "backend-access"
	backendSecret = "backend-secret-key-0123456789"
)

// catEnv is a catalog over an in-memory index and an embedded backend
// holding the versioned buckets "ring" and "shared", with two locations:
// "ring" (no prefix, target bucket ring) and "shared" (prefix mode,
// target bucket shared).
type catEnv struct {
	t       *testing.T
	cat     *Catalog
	db      *index.DB
	backend *embedded.Server
	ing     *fakeIngester
	logs    *syncBuffer
}

func newCatEnv(t *testing.T, defaultLocation string) *catEnv {
	t.Helper()
	be, err := embedded.Start("127.0.0.1:0", backendAccess, backendSecret, "ring", "shared")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	db, err := index.OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	logs := &syncBuffer{}
	cat, err := New(Config{DB: db, DefaultLocation: defaultLocation,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e := &catEnv{t: t, cat: cat, db: db, backend: be, ing: &fakeIngester{}, logs: logs}
	e.addLocation("ring", "ring", true)
	e.addLocation("shared", "shared", false)
	return e
}

// location is a location on the test backend.
func (e *catEnv) location(name, bucket string, noPrefix bool) index.Location {
	return index.Location{
		Name: name, Endpoint: e.backend.URL(), AccessKey: backendAccess, SecretKey: backendSecret,
		TargetBucket: bucket, NoPrefix: noPrefix,
	}
}

func (e *catEnv) addLocation(name, bucket string, noPrefix bool) {
	e.t.Helper()
	if _, err := e.cat.AddLocation(context.Background(), e.location(name, bucket, noPrefix)); err != nil {
		e.t.Fatalf("add location %s: %v", name, err)
	}
}

// createBucket creates a bucket with an S3 location constraint
// ("LOC" or "LOC:ingest").
func (e *catEnv) createBucket(name, constraint string) {
	e.t.Helper()
	loc, mirrorMode := strings.CutSuffix(constraint, IngestSuffix)
	if _, err := e.cat.CreateBucket(context.Background(), name, loc, mirrorMode, e.ing); err != nil {
		e.t.Fatalf("create bucket %s: %v", name, err)
	}
}

// fakeIngester records the buckets handed to it; addErr, when set, is its
// answer to Add.
type fakeIngester struct {
	mu     sync.Mutex
	addErr error
	calls  []string
}

func (f *fakeIngester) Add(bucket string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "add "+bucket)
	return f.addErr
}

func (f *fakeIngester) Remove(bucket string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "remove "+bucket)
}

func (f *fakeIngester) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// syncBuffer is a log destination that tests read while the catalog
// writes.
type syncBuffer = testenv.SyncBuffer

// wantCode fails unless err is a refusal with the S3 code want.
func wantCode(t *testing.T, err error, want s3err.Code) *s3err.Error {
	t.Helper()
	e, ok := err.(*s3err.Error)
	if !ok || e.Code != string(want) {
		t.Fatalf("err = %v, want %s", err, want)
	}
	return e
}
