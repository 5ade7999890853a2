// Package gateway owns ringside's S3 front end: the chain of request checks
// in front of the gofakes3 router (authentication, body decoding,
// subresources, CreateBucket's location constraint), the write-through and
// read paths that speak only to the backend and the index, the rules that
// bind buckets to locations, and the admin API.
package gateway

// Stubs: the gateway API as the rest of ringside codes against it. Each stub
// is replaced by its implementation; this file disappears when all are done.

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/mirror"
)

// Config assembles a gateway.
type Config struct {
	DB *index.DB
	// Credentials maps client access keys to secret keys.
	Credentials map[string]string
	// CredentialsFile, if set, is a file of "ACCESS_KEY SECRET_KEY" lines,
	// merged with Credentials and reloaded when it changes.
	CredentialsFile string
	// DefaultLocation binds buckets created with no location constraint.
	DefaultLocation string
	Registerer      prometheus.Registerer
	Logger          *slog.Logger
}

// Error is a refusal with the S3 error code, message and HTTP status a
// client expects; the admin API relays it as JSON.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"-"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// LocationInfo is a location as the admin API shows it: the secret masked,
// the target bucket's versioning state, the buckets bound to it, and its
// mirroring indicator.
type LocationInfo struct {
	index.Location
	Versioning string   `json:"versioning"`
	Mirroring  string   `json:"mirroring"` // off, active, paused
	Buckets    []string `json:"buckets"`
	Warning    string   `json:"warning,omitempty"`
}

// Gateway is the S3 front end with its management operations.
type Gateway struct{}

// New builds a gateway over an open index.
func New(cfg Config) (*Gateway, error) { panic("todo") }

// SetMirror connects the ingester, which is built with g.Resolve.
func (g *Gateway) SetMirror(m *mirror.Manager) { panic("todo") }

// Resolve returns the backend target of a gateway bucket (for the ingester).
func (g *Gateway) Resolve(bucket string) (mirror.Target, error) { panic("todo") }

// Handler is the S3 API handler.
func (g *Gateway) Handler() http.Handler { panic("todo") }

// AddLocation validates a location, checks that its target bucket answers,
// reads its versioning state and stores it.
func (g *Gateway) AddLocation(ctx context.Context, l index.Location) (LocationInfo, error) {
	panic("todo")
}

// Locations lists every location (secrets masked).
func (g *Gateway) Locations(ctx context.Context) ([]LocationInfo, error) { panic("todo") }

// Location shows one location, asking the backend for its versioning state.
func (g *Gateway) Location(ctx context.Context, name string) (LocationInfo, error) {
	panic("todo")
}

// RemoveLocation removes a location no bucket uses.
func (g *Gateway) RemoveLocation(ctx context.Context, name string) error { panic("todo") }

// CreateBucket binds a new gateway bucket to a location ("" means the
// default location), in mirror mode if asked, enforcing the data rules.
func (g *Gateway) CreateBucket(ctx context.Context, name, location string, mirrorMode bool) (index.Bucket, error) {
	panic("todo")
}

// DeleteBucket removes an empty gateway bucket.
func (g *Gateway) DeleteBucket(ctx context.Context, name string) error { panic("todo") }

// Buckets lists the gateway buckets.
func (g *Gateway) Buckets(ctx context.Context) ([]index.Bucket, error) { panic("todo") }

// Bucket shows one gateway bucket.
func (g *Gateway) Bucket(ctx context.Context, name string) (index.Bucket, error) { panic("todo") }
