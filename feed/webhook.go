package feed

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// PathPrefix is where the webhook receivers are served on the admin
// listener: PathPrefix + location.
const PathPrefix = "/feed/v1/"

// defaultMaxBody bounds a notification body: MinIO posts one record per
// request, AWS forwarders batch a few; a record is well under 4 KiB.
const defaultMaxBody = 1 << 20

// minTokenLen is the shortest token a receiver accepts: a guessable token
// would let anyone who reaches the admin listener trigger reads.
const minTokenLen = 16

// WebhookConfig configures the receiver of one location.
type WebhookConfig struct {
	Location string
	// Token is the bearer token the backend sends
	// ("Authorization: Bearer <Token>"), at least 16 characters. It is the
	// location's own, never the admin token, so that the backend holds
	// nothing that administers ringside.
	Token   string
	MaxBody int64 // bytes; default 1 MiB
	Logger  *slog.Logger
}

// Webhook receives S3 event notifications pushed by the backend (MinIO's
// webhook target, Ceph RGW's HTTP push endpoint, forwarders of AWS S3
// events) for one location. It is an http.Handler and a Source: the
// requests it accepts go to the sink of the Run in progress.
type Webhook struct {
	location string
	token    [sha256.Size]byte
	maxBody  int64
	log      *slog.Logger
	tracker

	mu   sync.Mutex // serialises delivery: a Sink is called by one goroutine at a time
	sink Sink
}

// NewWebhook makes the receiver of a location.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if cfg.Location == "" {
		return nil, errors.New("webhook receiver: no location")
	}
	if len(cfg.Token) < minTokenLen {
		return nil, errors.New("webhook receiver: the token needs at least 16 characters")
	}
	w := &Webhook{location: cfg.Location, token: sha256.Sum256([]byte(cfg.Token)), maxBody: cfg.MaxBody, log: cfg.Logger, tracker: newTracker("webhook")}
	if w.maxBody <= 0 {
		w.maxBody = defaultMaxBody
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	return w, nil
}

// Kind is "webhook".
func (w *Webhook) Kind() string { return "webhook" }

// Path is the path the receiver is served at on the admin listener.
func (w *Webhook) Path() string { return PathPrefix + url.PathEscape(w.location) }

// Run accepts notifications into sink until ctx ends. A webhook has no
// position: from is ignored. Notifications that arrive while no Run is in
// progress are refused with 503, for the backend to retry or queue.
func (w *Webhook) Run(ctx context.Context, from Position, sink Sink) error {
	w.mu.Lock()
	w.sink = w.tracker.wrap(sink)
	w.mu.Unlock()
	w.set(StateRunning, nil)
	defer w.set(StateStopped, nil)
	w.log.Info("feed: webhook receiver started", "location", w.location, "path", w.Path())
	<-ctx.Done()
	w.mu.Lock()
	w.sink = nil
	w.mu.Unlock()
	w.log.Info("feed: webhook receiver stopped", "location", w.location)
	return ctx.Err()
}

// ServeHTTP takes one notification. Answers carry no detail: a status
// says what went wrong, the log says why (never with the token).
func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if status := w.authorize(r); status != http.StatusOK {
		if status == http.StatusUnauthorized {
			rw.Header().Set("WWW-Authenticate", `Bearer realm="ringside feed"`)
		}
		w.log.Warn("feed: webhook request refused", "location", w.location, "status", status, "remote", r.RemoteAddr)
		http.Error(rw, http.StatusText(status), status)
		return
	}
	switch r.Method {
	case http.MethodHead, http.MethodGet:
		// MinIO checks that its target is up with a HEAD.
		rw.WriteHeader(http.StatusOK)
		return
	case http.MethodPost:
	default:
		rw.Header().Set("Allow", "POST, HEAD")
		http.Error(rw, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, w.maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		w.log.Warn("feed: webhook body too large", "location", w.location, "limit", w.maxBody)
		http.Error(rw, http.StatusText(http.StatusRequestEntityTooLarge), http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(rw, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return
	}
	hints, err := parseNotification(body, true)
	if err != nil {
		w.log.Warn("feed: webhook body refused", "location", w.location, "err", err)
		http.Error(rw, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return
	}
	if !w.deliver(hints) {
		rw.Header().Set("Retry-After", "1")
		http.Error(rw, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	rw.WriteHeader(http.StatusOK)
}

// authorize checks the bearer token in constant time: 401 without one,
// 403 with a wrong one, 200 with the right one.
func (w *Webhook) authorize(r *http.Request) int {
	auth := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return http.StatusUnauthorized
	}
	// Hashing first makes the comparison's time independent of the
	// token's length too.
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	if subtle.ConstantTimeCompare(sum[:], w.token[:]) != 1 {
		return http.StatusForbidden
	}
	return http.StatusOK
}

// deliver gives hints to the running sink; false when none runs.
func (w *Webhook) deliver(hints []Hint) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sink == nil {
		return false
	}
	for _, h := range hints {
		w.sink.Hint(h)
	}
	return true
}
