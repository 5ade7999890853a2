package admin

// Every route but /healthz and /readyz requires the admin token, because
// the API can add backend credentials and drop buckets.

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/feed"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/mirror"
)

// maxAdminBody bounds a request body: the largest is a location, well under
// this.
const maxAdminBody = 1 << 20

// adminCatalog is what the admin API asks of the catalog;
// *catalog.Catalog implements it, tests use fakes.
type adminCatalog interface {
	// AddLocation validates, checks and stores a location.
	AddLocation(ctx context.Context, l index.Location) (catalog.LocationInfo, error)
	// Locations lists every location.
	Locations(ctx context.Context) ([]catalog.LocationInfo, error)
	// Location shows one location.
	Location(ctx context.Context, name string) (catalog.LocationInfo, error)
	// UpdateLocation changes how a location's backend is reached, after
	// checking the new settings against it.
	UpdateLocation(ctx context.Context, name string, ch catalog.LocationChange) (catalog.LocationInfo, error)
	// FeedToken is a webhook location's token.
	FeedToken(ctx context.Context, name string) (string, error)
	// RemoveLocation removes a location no bucket uses.
	RemoveLocation(ctx context.Context, name string) error
	// CreateBucket binds a new gateway bucket to a location, handing a
	// mirror bucket to ing.
	CreateBucket(ctx context.Context, name, location string, mirrorMode bool, ing catalog.Ingester) (index.Bucket, error)
	// DeleteBucket removes an empty gateway bucket, taking it from ing.
	DeleteBucket(ctx context.Context, name string, ing catalog.Ingester) error
	// Buckets lists the gateway buckets.
	Buckets(ctx context.Context) ([]index.Bucket, error)
	// Bucket shows one gateway bucket.
	Bucket(ctx context.Context, name string) (index.Bucket, error)
	// BackendHealth is the health of a location's backend, if known.
	BackendHealth(location string) (backend.Health, bool)
}

// adminMirror is what the admin API asks of the ingester; *mirror.Manager
// implements it, tests use fakes.
type adminMirror interface {
	catalog.Ingester
	// Status returns one mirror bucket's status.
	Status(bucket string) (mirror.Status, error)
	// StatusAll returns every mirror bucket's status.
	StatusAll() []mirror.Status
	// Pause stops a bucket's passes until Resume.
	Pause(bucket string) error
	// Resume restarts a paused bucket's passes.
	Resume(bucket string) error
	// Rescan starts a full pass, waiting for it to finish if asked.
	Rescan(ctx context.Context, bucket string, wait bool) error
	// Resync rebuilds a bucket's index from the backend.
	Resync(ctx context.Context, bucket string) error
}

// feedServer serves the change feeds' webhook receivers; *mirror.Manager
// does.
type feedServer interface {
	FeedHandler() http.Handler
}

// Server is the admin API handler.
type Server struct {
	cat      adminCatalog
	mirror   adminMirror
	token    [sha256.Size]byte
	hasToken bool
	gatherer prometheus.Gatherer
	ready    atomic.Bool
	handler  http.Handler
}

// NewServer builds the admin API over the catalog and the ingester. An
// empty token refuses every protected route. It reports not ready until
// SetReady.
func NewServer(c *catalog.Catalog, m *mirror.Manager, token string, gatherer prometheus.Gatherer) *Server {
	return newServer(c, m, token, gatherer)
}

func newServer(c adminCatalog, m adminMirror, token string, gatherer prometheus.Gatherer) *Server {
	a := &Server{cat: c, mirror: m, gatherer: gatherer}
	if token != "" {
		// Comparing fixed-size digests keeps the comparison constant-time
		// whatever the length of the presented token.
		a.token = sha256.Sum256([]byte(token))
		a.hasToken = true
	}
	a.handler = a.routes()
	return a
}

// SetReady switches /readyz: true once the index is open and the S3
// listener is serving, false again when shutting down.
func (a *Server) SetReady(ready bool) { a.ready.Store(ready) }

// ServeHTTP serves the admin API.
func (a *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

func (a *Server) routes() http.Handler {
	api := http.NewServeMux()
	api.HandleFunc("GET /api/v1/locations", a.listLocations)
	api.HandleFunc("POST /api/v1/locations", a.addLocation)
	api.HandleFunc("GET /api/v1/locations/{name}", a.showLocation)
	api.HandleFunc("PATCH /api/v1/locations/{name}", a.updateLocation)
	api.HandleFunc("DELETE /api/v1/locations/{name}", a.removeLocation)
	api.HandleFunc("GET /api/v1/locations/{name}/feed-token", a.showFeedToken)
	api.HandleFunc("GET /api/v1/buckets", a.listBuckets)
	api.HandleFunc("POST /api/v1/buckets", a.createBucket)
	api.HandleFunc("GET /api/v1/buckets/{name}", a.showBucket)
	api.HandleFunc("DELETE /api/v1/buckets/{name}", a.deleteBucket)
	api.HandleFunc("POST /api/v1/buckets/{name}/resync", a.resyncBucket)
	api.HandleFunc("GET /api/v1/mirror", a.mirrorStatusAll)
	api.HandleFunc("GET /api/v1/mirror/{bucket}", a.mirrorStatus)
	api.HandleFunc("POST /api/v1/mirror/{bucket}/pause", a.mirrorPause)
	api.HandleFunc("POST /api/v1/mirror/{bucket}/resume", a.mirrorResume)
	api.HandleFunc("POST /api/v1/mirror/{bucket}/rescan", a.mirrorRescan)
	if a.gatherer != nil {
		api.Handle("GET /metrics", promhttp.HandlerFor(a.gatherer, promhttp.HandlerOpts{}))
	}
	api.HandleFunc("/debug/pprof/", pprof.Index)
	api.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	api.HandleFunc("/debug/pprof/profile", pprof.Profile)
	api.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	api.HandleFunc("/debug/pprof/trace", pprof.Trace)

	root := http.NewServeMux()
	root.HandleFunc("GET /healthz", a.healthz)
	root.HandleFunc("GET /readyz", a.readyz)
	// The change feeds' webhook receivers check a token of their own per
	// location: the backend never holds the admin token.
	if f, ok := a.mirror.(feedServer); ok {
		root.Handle(feed.PathPrefix, f.FeedHandler())
	}
	root.Handle("/", a.requireToken(api))
	return root
}

// requireToken lets through requests that carry the admin token as a
// bearer token.
func (a *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.tokenOK(r.Header.Get("Authorization")) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ringside-admin"`)
			writeError(w, &Error{Code: "Unauthorized", Message: "missing or wrong admin token", Status: http.StatusUnauthorized})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (a *Server) tokenOK(header string) bool {
	const prefix = "Bearer "
	if !a.hasToken || len(header) <= len(prefix) || header[:len(prefix)] != prefix {
		return false
	}
	got := sha256.Sum256([]byte(header[len(prefix):]))
	return subtle.ConstantTimeCompare(got[:], a.token[:]) == 1
}

func (a *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (a *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !a.ready.Load() {
		writeError(w, &Error{Code: "NotReady", Message: "the index or the S3 listener is not up yet", Status: http.StatusServiceUnavailable})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (a *Server) listLocations(w http.ResponseWriter, r *http.Request) {
	locs, err := a.cat.Locations(r.Context())
	if err != nil {
		writeFailure(w, r, err, "NoSuchLocation")
		return
	}
	out := make([]Location, len(locs))
	for i, l := range locs {
		out[i] = a.withMirrorState(showLocation(l))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *Server) addLocation(w http.ResponseWriter, r *http.Request) {
	var l NewLocation
	if !readJSON(w, r, &l) {
		return
	}
	info, err := a.cat.AddLocation(r.Context(), l.location())
	if err != nil {
		writeFailure(w, r, err, "NoSuchLocation")
		return
	}
	writeJSON(w, http.StatusCreated, showLocation(info))
}

func (a *Server) showLocation(w http.ResponseWriter, r *http.Request) {
	info, err := a.cat.Location(r.Context(), r.PathValue("name"))
	if err != nil {
		writeFailure(w, r, err, "NoSuchLocation")
		return
	}
	writeJSON(w, http.StatusOK, a.withMirrorState(showLocation(info)))
}

func (a *Server) updateLocation(w http.ResponseWriter, r *http.Request) {
	var u LocationUpdate
	if !readJSON(w, r, &u) {
		return
	}
	info, err := a.cat.UpdateLocation(r.Context(), r.PathValue("name"), u.change())
	if err != nil {
		writeFailure(w, r, err, "NoSuchLocation")
		return
	}
	writeJSON(w, http.StatusOK, showLocation(info))
}

// showFeedToken shows a webhook location's token again, behind the admin
// token as every API route: whoever holds that may rotate it anyway.
func (a *Server) showFeedToken(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	token, err := a.cat.FeedToken(r.Context(), name)
	if err != nil {
		writeFailure(w, r, err, "NoSuchLocation")
		return
	}
	path := feedPath(index.Location{Name: name, Feed: catalog.FeedWebhook})
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, FeedToken{Location: name, FeedPath: path, FeedToken: token})
}

func (a *Server) removeLocation(w http.ResponseWriter, r *http.Request) {
	if err := a.cat.RemoveLocation(r.Context(), r.PathValue("name")); err != nil {
		writeFailure(w, r, err, "NoSuchLocation")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *Server) listBuckets(w http.ResponseWriter, r *http.Request) {
	bs, err := a.cat.Buckets(r.Context())
	if err != nil {
		writeFailure(w, r, err, "NoSuchBucket")
		return
	}
	out := make([]Bucket, len(bs))
	for i, b := range bs {
		out[i] = a.bucketView(b)
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *Server) createBucket(w http.ResponseWriter, r *http.Request) {
	var req CreateBucketRequest
	if !readJSON(w, r, &req) {
		return
	}
	b, err := a.cat.CreateBucket(r.Context(), req.Name, req.Location, req.Mirror, a.mirror)
	if err != nil {
		writeFailure(w, r, err, "NoSuchLocation")
		return
	}
	writeJSON(w, http.StatusCreated, b)
}

func (a *Server) showBucket(w http.ResponseWriter, r *http.Request) {
	b, err := a.cat.Bucket(r.Context(), r.PathValue("name"))
	if err != nil {
		writeFailure(w, r, err, "NoSuchBucket")
		return
	}
	writeJSON(w, http.StatusOK, a.bucketView(b))
}

func (a *Server) deleteBucket(w http.ResponseWriter, r *http.Request) {
	if err := a.cat.DeleteBucket(r.Context(), r.PathValue("name"), a.mirror); err != nil {
		writeFailure(w, r, err, "NoSuchBucket")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *Server) resyncBucket(w http.ResponseWriter, r *http.Request) {
	m := a.mirror
	name := r.PathValue("name")
	// Resync works on any bucket; asking the catalog first gives an unknown
	// name the same NoSuchBucket as every other bucket route.
	if _, err := a.cat.Bucket(r.Context(), name); err != nil {
		writeFailure(w, r, err, "NoSuchBucket")
		return
	}
	if err := m.Resync(r.Context(), name); err != nil {
		writeFailure(w, r, err, "NoSuchBucket")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *Server) mirrorStatusAll(w http.ResponseWriter, r *http.Request) {
	all := a.mirror.StatusAll()
	for i := range all {
		a.withHealth(&all[i])
	}
	writeJSON(w, http.StatusOK, nonNil(all))
}

// withHealth adds the health of a mirror bucket's backend to its status,
// so that `mirror status` says when the backend is unreachable and why.
func (a *Server) withHealth(st *mirror.Status) {
	if h, ok := a.cat.BackendHealth(st.Location); ok {
		st.Backend = &h
	}
}

func (a *Server) mirrorStatus(w http.ResponseWriter, r *http.Request) {
	m := a.mirror
	st, err := m.Status(r.PathValue("bucket"))
	if err != nil {
		writeFailure(w, r, mirrorRefusal(r.PathValue("bucket"), err), "NoSuchMirrorBucket")
		return
	}
	a.withHealth(&st)
	writeJSON(w, http.StatusOK, st)
}

func (a *Server) mirrorPause(w http.ResponseWriter, r *http.Request) {
	a.mirrorControl(w, r, func(m adminMirror, bucket string) error { return m.Pause(bucket) })
}

func (a *Server) mirrorResume(w http.ResponseWriter, r *http.Request) {
	a.mirrorControl(w, r, func(m adminMirror, bucket string) error { return m.Resume(bucket) })
}

func (a *Server) mirrorRescan(w http.ResponseWriter, r *http.Request) {
	wait := r.URL.Query().Get("wait") == "true"
	a.mirrorControl(w, r, func(m adminMirror, bucket string) error { return m.Rescan(r.Context(), bucket, wait) })
}

// mirrorControl runs one control on a mirror bucket and answers with the
// bucket's status after it.
func (a *Server) mirrorControl(w http.ResponseWriter, r *http.Request, do func(adminMirror, string) error) {
	m := a.mirror
	bucket := r.PathValue("bucket")
	if err := do(m, bucket); err != nil {
		writeFailure(w, r, mirrorRefusal(bucket, err), "NoSuchMirrorBucket")
		return
	}
	st, err := m.Status(bucket)
	if err != nil {
		writeFailure(w, r, mirrorRefusal(bucket, err), "NoSuchMirrorBucket")
		return
	}
	a.withHealth(&st)
	writeJSON(w, http.StatusOK, st)
}

// The ingester is the one source of a mirror bucket's state: the location
// and bucket views take it from there, so that they say what `mirror
// status` says.

// withMirrorState shows a location's mirroring as its mirror bucket's
// state.
func (a *Server) withMirrorState(l Location) Location {
	if l.Mirroring == "off" {
		return l
	}
	for _, b := range l.Buckets {
		if st, err := a.mirror.Status(b); err == nil {
			l.Mirroring, l.MirrorError = st.State, st.LastError
			return l
		}
	}
	return l
}

// bucketView is a bucket with its mirror state.
func (a *Server) bucketView(b index.Bucket) Bucket {
	out := Bucket{Bucket: b, Mirroring: "off"}
	if !b.Mirror {
		return out
	}
	st, err := a.mirror.Status(b.Name)
	if err != nil {
		out.Mirroring, out.MirrorError = "unknown", err.Error()
		return out
	}
	out.Mirroring, out.MirrorError = st.State, st.LastError
	return out
}

// nonNil makes empty lists encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// readJSON decodes a request body strictly, answering 400 on failure.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, &Error{Code: "MalformedJSON", Message: fmt.Sprintf("read the request body: %v", err), Status: http.StatusBadRequest})
		return false
	}
	return true
}

// writeFailure relays err: a *Error keeps its code and status, an unknown
// name becomes notFoundCode with 404, anything else is an internal error.
// A failure of ringside's own (5xx) is logged with its cause; a refusal is
// the caller's to read.
func writeFailure(w http.ResponseWriter, r *http.Request, err error, notFoundCode string) {
	var ge *Error
	internal := !errors.As(err, &ge) && !errors.Is(err, index.ErrNotFound) && !errors.Is(err, index.ErrExists)
	if internal || (ge != nil && ge.Status >= 500) {
		slog.Default().Error("admin request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	switch {
	case errors.As(err, &ge):
		writeError(w, ge)
	case errors.Is(err, index.ErrNotFound):
		writeError(w, &Error{Code: notFoundCode, Message: err.Error(), Status: http.StatusNotFound})
	case errors.Is(err, index.ErrExists):
		writeError(w, &Error{Code: "AlreadyExists", Message: err.Error(), Status: http.StatusConflict})
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		writeError(w, &Error{Code: "RequestTimeout", Message: err.Error(), Status: http.StatusServiceUnavailable})
	default:
		writeError(w, &Error{Code: "InternalError", Message: err.Error(), Status: http.StatusInternalServerError})
	}
}

func writeError(w http.ResponseWriter, e *Error) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// The status is sent; a failed write means the client went away.
	_ = json.NewEncoder(w).Encode(v)
}
