package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/gateway/s3auth"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/objcache"
)

// Config assembles a gateway.
type Config struct {
	DB *index.DB
	// Catalog resolves buckets to their backend targets and keeps the
	// bucket rules.
	Catalog *catalog.Catalog
	// Mirror is the ingester, told of mirror buckets created and deleted
	// over S3.
	Mirror Mirror
	// Credentials maps client access keys to secret keys.
	Credentials map[string]string
	// CredentialsFile, if set, is a file of "ACCESS_KEY SECRET_KEY" lines,
	// merged with Credentials and reloaded when it changes.
	CredentialsFile string
	// Cache, if set, keeps small object versions read or written, and
	// answers GETs of them.
	Cache *objcache.Cache
	// DiskCache, if set, keeps versions too large for Cache on local
	// disk, and answers GETs of them.
	DiskCache  *objcache.Disk
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	// Domains are the base domains of virtual-hosted-style requests
	// (bucket.<domain>); none means path style only.
	Domains []string
	// AccessLog, if set, receives one line per S3 request.
	AccessLog *slog.Logger
	// SpoolDir holds the files of browser uploads (POST Object) while
	// they are sent to the backend (the system's temporary directory if
	// empty): their length is known only once they are in whole.
	SpoolDir string
}

// Error is a refusal with the S3 error code, message and HTTP status a
// client expects; the admin API relays it as JSON.
type Error = s3err.Error

// Mirror is what the gateway asks of the ingester, which owns every path
// from what the backend says to an index record; *mirror.Manager
// satisfies it. A key or version the backend does not have is an error
// wrapping index.ErrNotFound.
type Mirror interface {
	// Add and Remove start and stop the mirroring of mirror buckets
	// created and deleted over S3.
	catalog.Ingester
	// PointRead reads the latest version of a key the index does not
	// know from the backend and indexes it.
	PointRead(ctx context.Context, bucket, key string) (index.Version, error)
	// ReadVersion reads one version of a key from the backend without
	// indexing it.
	ReadVersion(ctx context.Context, bucket, key, versionID string) (index.Version, error)
	// Complete returns v with its headers, reading and indexing them if
	// they are still pending; it never fails, v is returned as it was.
	Complete(ctx context.Context, bucket string, v index.Version) index.Version
	// RefreshKey makes the index's versions of key the backend's and
	// returns the latest, headers read.
	RefreshKey(ctx context.Context, bucket, key string) (index.Version, error)
}

// Gateway is the S3 front end with its management operations.
type Gateway struct {
	db      *index.DB
	cat     *catalog.Catalog
	mirror  Mirror
	log     *slog.Logger
	auth    *s3auth.Authenticator
	handler http.Handler
	cache   *objcache.Cache // nil when off
	disk    *objcache.Disk  // nil when off
	addr    addressing
	// overlaps finds concurrent writes of one key (overlap.go).
	overlaps overlaps
	// spoolDir holds browser uploads in transit (postobject.go).
	spoolDir string
}

// New builds a gateway over an open index, its catalog and the ingester.
func New(cfg Config) (*Gateway, error) {
	if cfg.DB == nil || cfg.Catalog == nil || cfg.Mirror == nil {
		return nil, errors.New("gateway: the index, the catalog and the ingester are all needed")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	auth, err := s3auth.New(s3auth.Config{
		Credentials:     cfg.Credentials,
		CredentialsFile: cfg.CredentialsFile,
		Logger:          log,
	})
	if err != nil {
		return nil, fmt.Errorf("set up authentication: %w", err)
	}
	addr, err := newAddressing(cfg.Domains)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	m := newMetrics(cfg.Registerer)
	m.addr = addr
	g := &Gateway{
		addr:   addr,
		db:     cfg.DB,
		cat:    cfg.Catalog,
		mirror: cfg.Mirror,
		log:    log,
		auth:   auth,
		cache:  cfg.Cache,
		disk:   cfg.DiskCache,
	}
	if g.spoolDir = cfg.SpoolDir; g.spoolDir == "" {
		g.spoolDir = os.TempDir()
	}
	g.handler = accessLog(cfg.AccessLog, m.middleware(auth.Middleware(g.front(g.fallback()))))
	return g, nil
}

// Handler is the S3 API handler.
func (g *Gateway) Handler() http.Handler { return g.handler }

// Close stops the gateway's background work (the credentials watch).
func (g *Gateway) Close() error {
	g.auth.Close()
	return nil
}
