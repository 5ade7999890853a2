package gateway

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ringside/ringside/gateway/s3auth"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
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
type Error = s3err.Error

// LocationInfo is a location as the admin API shows it: the secret masked,
// the target bucket's versioning state, the buckets bound to it, and its
// mirroring indicator.
type LocationInfo struct {
	index.Location
	// Versioning is the target bucket's state as the backend reports it:
	// "Enabled", "Suspended", "Unversioned" (never enabled), or "Unknown"
	// when the backend did not answer.
	Versioning string   `json:"versioning"`
	Mirroring  string   `json:"mirroring"` // off, active, paused
	Buckets    []string `json:"buckets"`
	Warning    string   `json:"warning,omitempty"`
}

// Gateway is the S3 front end with its management operations.
type Gateway struct {
	db              *index.DB
	log             *slog.Logger
	defaultLocation string
	auth            *s3auth.Authenticator
	clients         *clientCache
	handler         http.Handler
	mirror          atomic.Pointer[mirror.Manager]
	// manage serialises location and bucket changes, so that the checks
	// of one (a no-prefix location's single bucket, a location in use)
	// still hold when it writes.
	manage sync.Mutex
}

// New builds a gateway over an open index.
func New(cfg Config) (*Gateway, error) {
	if cfg.DB == nil {
		return nil, errors.New("gateway: no index")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	auth, err := s3auth.New(s3auth.Config{
		Credentials:     cfg.Credentials,
		CredentialsFile: cfg.CredentialsFile,
		Logger:          log,
	})
	if err != nil {
		return nil, fmt.Errorf("set up authentication: %w", err)
	}
	m := newMetrics(cfg.Registerer)
	g := &Gateway{
		db:              cfg.DB,
		log:             log,
		defaultLocation: cfg.DefaultLocation,
		auth:            auth,
		clients:         newClientCache(m.observeBackend),
	}
	g.handler = m.middleware(auth.Middleware(g.front(g.fallback())))
	return g, nil
}

// SetMirror connects the ingester, which is built with g.Resolve.
func (g *Gateway) SetMirror(m *mirror.Manager) { g.mirror.Store(m) }

// Resolve returns the backend target of a gateway bucket (for the ingester).
func (g *Gateway) Resolve(bucket string) (mirror.Target, error) {
	t, err := g.target(bucket)
	if err != nil {
		return mirror.Target{}, err
	}
	return mirror.Target{Source: t.client, Prefix: t.prefix}, nil
}

// Handler is the S3 API handler.
func (g *Gateway) Handler() http.Handler { return g.handler }

// Close stops the gateway's background work (the credentials watch).
func (g *Gateway) Close() error {
	g.auth.Close()
	return nil
}
