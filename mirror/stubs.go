// Package mirror owns the ingester: for each mirror bucket it brings the
// backend's out-of-band changes into the index by diffing the backend's
// version listing against the index's versions (initial sync, then passes),
// and it keeps the status, pause/resume/rescan controls and metrics of that
// work. It also rebuilds any bucket's index from the backend (resync).
package mirror

// Stubs: the mirror API as the rest of ringside codes against it. Each stub
// is replaced by its implementation; this file disappears when all are done.

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
)

// Source is what the ingester reads from a backend. *backend.Client
// satisfies it; fault tests wrap it.
type Source interface {
	// ListVersions lists one page of versions and delete markers, keys
	// ascending, newest first within a key.
	ListVersions(ctx context.Context, prefix, keyMarker, versionIDMarker string, maxKeys int) (backend.VersionPage, error)
	// HeadObject reads one version's headers.
	HeadObject(ctx context.Context, key, versionID string) (backend.Object, error)
}

// Target is where a gateway bucket's objects live: the source and the key
// prefix ("" for a no-prefix location, "<bucket>/" otherwise) that is
// stripped from backend keys.
type Target struct {
	Source Source
	Prefix string
}

// Resolver finds the Target of a gateway bucket.
type Resolver func(bucket string) (Target, error)

// Options tune the ingester.
type Options struct {
	Interval        time.Duration // pause between passes that find nothing; default 2s
	PageSize        int           // versions per listing page; default 1000
	HeadConcurrency int           // concurrent HEADs for new versions' metadata; default 16
	Registerer      prometheus.Registerer
}

// Status is one mirror bucket's ingest state, as `ringside mirror status`
// shows it.
type Status struct {
	Bucket          string        `json:"bucket"`
	Location        string        `json:"location"`
	State           string        `json:"state"` // initial-sync, idle, scanning, paused, error
	LastError       string        `json:"lastError,omitempty"`
	InitialSynced   int64         `json:"initialSynced"` // versions applied by the initial sync so far
	LastPassStart   time.Time     `json:"lastPassStart,omitempty"`
	LastPassTook    time.Duration `json:"lastPassTook"`
	LastPassScanned int64         `json:"lastPassScanned"`
	LastPassChanges int64         `json:"lastPassChanges"`
	LastFullPass    time.Time     `json:"lastFullPass,omitempty"` // last time the backend was fully compared
	Passes          int64         `json:"passes"`
}

// Manager runs one ingest loop per mirror bucket.
type Manager struct{}

// New makes a manager; nothing runs until Start.
func New(db *index.DB, resolve Resolver, opts Options) *Manager { panic("todo") }

// Start starts a loop for every mirror bucket in the index.
func (m *Manager) Start(ctx context.Context) error { panic("todo") }

// Add starts the loop of a newly created mirror bucket (initial sync first).
func (m *Manager) Add(bucket string) error { panic("todo") }

// Remove stops a bucket's loop, before the bucket is deleted.
func (m *Manager) Remove(bucket string) { panic("todo") }

// Pause stops a bucket's passes until Resume; the state persists.
func (m *Manager) Pause(bucket string) error { panic("todo") }

// Resume restarts a paused bucket's passes.
func (m *Manager) Resume(bucket string) error { panic("todo") }

// Rescan starts a full pass now; with wait it returns when one has
// finished (or ctx ends).
func (m *Manager) Rescan(ctx context.Context, bucket string, wait bool) error { panic("todo") }

// Status returns one mirror bucket's status.
func (m *Manager) Status(bucket string) (Status, error) { panic("todo") }

// StatusAll returns every mirror bucket's status, sorted by bucket.
func (m *Manager) StatusAll() []Status { panic("todo") }

// Resync rebuilds any bucket's index (mirror or not, prefix mode too) from
// a full version listing of the backend.
func (m *Manager) Resync(ctx context.Context, bucket string) error { panic("todo") }

// Close stops every loop and waits for them.
func (m *Manager) Close() { panic("todo") }
