package console

import (
	"context"
	"crypto/sha256"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/mirror"
)

// Prefix is where the console is mounted on the admin listener.
const Prefix = "/console/"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Catalog is what the console asks of the catalog; *catalog.Catalog
// implements it.
type Catalog interface {
	AddLocation(ctx context.Context, l index.Location) (catalog.LocationInfo, error)
	Locations(ctx context.Context) ([]catalog.LocationInfo, error)
	Location(ctx context.Context, name string) (catalog.LocationInfo, error)
	UpdateLocation(ctx context.Context, name string, ch catalog.LocationChange) (catalog.LocationInfo, error)
	RemoveLocation(ctx context.Context, name string) error
	CreateBucket(ctx context.Context, name, location string, mirrorMode bool, ing catalog.Ingester) (index.Bucket, error)
	DeleteBucket(ctx context.Context, name string, ing catalog.Ingester) error
	Buckets(ctx context.Context) ([]index.Bucket, error)
}

// Mirror is what the console asks of the ingester; *mirror.Manager
// implements it.
type Mirror interface {
	catalog.Ingester
	StatusAll() []mirror.Status
	Pause(bucket string) error
	Resume(bucket string) error
	Rescan(ctx context.Context, bucket string, wait bool) error
}

// Config assembles a console.
type Config struct {
	Catalog Catalog
	Mirror  Mirror
	// Token is the admin token, the console's sign-in; empty refuses
	// every sign-in.
	Token string
	// S3 is the gateway's S3 handler, which object pages call in process
	// signed with AccessKey and SecretKey, one of the gateway's client
	// pairs. Without a pair, the object pages say so.
	S3                   http.Handler
	AccessKey, SecretKey string
	// Health reports a location's backend health, if known.
	Health func(location string) (backend.Health, bool)
	// SessionTTL bounds a session's life; 0 means 8 hours.
	SessionTTL time.Duration
	Logger     *slog.Logger
}

// Console is the web console's handler.
type Console struct {
	cfg      Config
	log      *slog.Logger
	token    [sha256.Size]byte
	sessions *sessions
	throttle *throttle // of failed sign-ins
	pages    map[string]*template.Template
	s3       *objectStore
	handler  http.Handler
}

// New builds the console.
func New(cfg Config) (*Console, error) {
	if cfg.Catalog == nil || cfg.Mirror == nil {
		return nil, errors.New("console: the catalog and the ingester are needed")
	}
	c := &Console{cfg: cfg, log: cfg.Logger}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.token = sha256.Sum256([]byte(cfg.Token))
	ttl := cfg.SessionTTL
	if ttl <= 0 {
		ttl = 8 * time.Hour
	}
	c.sessions = newSessions(ttl)
	c.throttle = newThrottle()
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	c.pages = pages
	if cfg.S3 != nil && cfg.AccessKey != "" && cfg.SecretKey != "" {
		c.s3 = newObjectStore(cfg.S3, cfg.AccessKey, cfg.SecretKey)
	}
	c.handler = c.routes()
	c.log.Info("web console ready", "path", Prefix, "objects", c.s3 != nil)
	return c, nil
}

// ServeHTTP serves the console.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	c.handler.ServeHTTP(w, r)
}

// setSecurityHeaders forbids inline scripts and styles, framing, and
// caching of pages that show the catalog.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

func (c *Console) routes() http.Handler {
	static, _ := fs.Sub(staticFS, "static")
	mux := http.NewServeMux()
	mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", staticHandler(http.FileServerFS(static))))
	mux.HandleFunc("GET /console/signin", c.signInPage)
	mux.HandleFunc("POST /console/signin", c.signIn)
	mux.Handle("POST /console/signout", c.auth(c.signOut))
	mux.Handle("GET /console/{$}", c.auth(c.home))
	mux.Handle("GET /console/locations", c.auth(c.locationsPage))
	mux.Handle("GET /console/locations/new", c.auth(c.newLocationPage))
	mux.Handle("POST /console/locations", c.auth(c.addLocation))
	mux.Handle("GET /console/locations/{name}/edit", c.auth(c.editLocationPage))
	mux.Handle("POST /console/locations/{name}", c.auth(c.updateLocation))
	mux.Handle("POST /console/locations/{name}/remove", c.auth(c.removeLocation))
	mux.Handle("GET /console/buckets", c.auth(c.bucketsPage))
	mux.Handle("GET /console/buckets/new", c.auth(c.newBucketPage))
	mux.Handle("POST /console/buckets", c.auth(c.createBucket))
	mux.Handle("POST /console/buckets/{bucket}/delete", c.auth(c.deleteBucket))
	mux.Handle("GET /console/buckets/{bucket}/objects", c.auth(c.objectsPage))
	mux.Handle("GET /console/buckets/{bucket}/object", c.auth(c.objectPage))
	mux.Handle("GET /console/buckets/{bucket}/download", c.auth(c.download))
	mux.Handle("POST /console/buckets/{bucket}/upload", c.authOnly(http.StatusForbidden, c.upload))
	mux.Handle("POST /console/buckets/{bucket}/delete-object", c.auth(c.deleteObject))
	mux.Handle("GET /console/mirror", c.auth(c.mirrorPage))
	mux.Handle("GET /console/api/mirror", c.authOnly(http.StatusUnauthorized, c.mirrorJSON))
	mux.Handle("POST /console/mirror/{bucket}/{action}", c.auth(c.mirrorControl))
	return mux
}

// staticHandler lets the browser cache the embedded assets, which change
// only with the binary.
func staticHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, max-age=300")
		next.ServeHTTP(w, r)
	})
}

func (c *Console) home(w http.ResponseWriter, r *http.Request, s *session) {
	http.Redirect(w, r, Prefix+"locations", http.StatusSeeOther)
}

// message is what a refusal shows: the message of the catalog's or the
// gateway's refusal, as the CLI prints it.
func message(err error) string {
	var se *s3err.Error
	if errors.As(err, &se) {
		return se.Message
	}
	if errors.Is(err, index.ErrNotFound) {
		return "It does not exist (any more)."
	}
	return err.Error()
}

// fail logs an unexpected failure and answers 500 with a page.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, what string, err error) {
	c.log.Warn("console: "+what, "err", err)
	w.WriteHeader(http.StatusInternalServerError)
	c.render(w, r, s, "error", "Error", map[string]any{"Error": fmt.Sprintf("%s: %s", what, message(err))})
}
