package feed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/ringside/ringside/internal/backoff"
)

// Getter sends a signed GET of a path from the root of the backend's
// endpoint and returns the answer whatever its status; *backend.Client
// satisfies it (SignedGet).
type Getter interface {
	SignedGet(ctx context.Context, op, path string, query url.Values) (*http.Response, error)
}

// defaultListenEvents are the events a Listen asks for: every change of
// an object's versions.
var defaultListenEvents = []string{"s3:ObjectCreated:*", "s3:ObjectRemoved:*"}

// defaultIdleTimeout is how long a listen stream may stay silent before it
// is taken for dead: MinIO writes a keepalive every few seconds.
const defaultIdleTimeout = time.Minute

// ListenConfig configures a Listen.
type ListenConfig struct {
	Client         Getter
	Bucket         string
	Prefix, Suffix string
	Events         []string // default s3:ObjectCreated:*, s3:ObjectRemoved:*
	// IdleTimeout: a stream silent this long (no event, no keepalive) is
	// dropped and connected again. Default one minute.
	IdleTimeout            time.Duration
	MinBackoff, MaxBackoff time.Duration // between reconnections; default 200ms, 30s
	Logger                 *slog.Logger
}

// Listen follows MinIO's ListenBucketNotification stream of one bucket
// (GET /bucket?events=...: newline-separated JSON records between
// whitespace keepalives; keys as they are, not URL-encoded as MinIO's
// notification targets have them). It needs only the s3:ListenBucketNotification
// permission and no setup on the backend. It is lossy by design: events
// while it is disconnected are lost, so every reconnection is a Gap; it
// has no position.
type Listen struct {
	cfg       ListenConfig
	log       *slog.Logger
	connected atomic.Bool // a stream is open now
	tracker
}

// NewListen makes a Listen; it does not contact the backend.
func NewListen(cfg ListenConfig) (*Listen, error) {
	if cfg.Client == nil || cfg.Bucket == "" {
		return nil, errors.New("listen feed: a client and a bucket are needed")
	}
	if len(cfg.Events) == 0 {
		cfg.Events = defaultListenEvents
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = defaultIdleTimeout
	}
	l := &Listen{cfg: cfg, log: cfg.Logger, tracker: newTracker("listen")}
	if l.log == nil {
		l.log = slog.Default()
	}
	return l, nil
}

// Kind is "listen".
func (l *Listen) Kind() string { return "listen" }

// Connected reports whether a stream is open now.
func (l *Listen) Connected() bool { return l.connected.Load() }

// Run follows the stream until ctx ends, connecting again with backoff
// when it breaks. from is ignored: the stream has no position.
func (l *Listen) Run(ctx context.Context, from Position, sink Sink) error {
	sink = l.tracker.wrap(sink)
	l.set(StateConnecting, nil)
	defer l.set(StateStopped, nil)
	bo := newBackoff(l.cfg.MinBackoff, l.cfg.MaxBackoff)
	everConnected := false
	for {
		err := l.stream(ctx, func() {
			// Subscribed again: what happened while disconnected is lost,
			// and a pass started now misses nothing of it.
			if everConnected {
				sink.Gap(Gap{Bucket: l.cfg.Bucket, Reason: GapReconnect, Detail: "listen stream connected again"})
				l.log.Info("feed: listen stream recovered", "bucket", l.cfg.Bucket)
			} else {
				l.log.Info("feed: listen stream connected", "bucket", l.cfg.Bucket)
			}
			everConnected = true
			bo.Reset()
			l.set(StateRunning, nil)
		}, sink)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := bo.Next()
		l.set(StateFailing, err)
		l.log.Warn("feed: listen stream failed", "bucket", l.cfg.Bucket, "err", err, "retry_in", wait)
		if !backoff.Sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}

// stream opens one stream and reads it until it ends; connected is called
// once the backend has accepted it.
func (l *Listen) stream(ctx context.Context, connected func(), sink Sink) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// ping asks MinIO (since 2023) for an empty record every 10 seconds
	// instead of bare spaces; older servers ignore it.
	q := url.Values{"events": l.cfg.Events, "prefix": {l.cfg.Prefix}, "suffix": {l.cfg.Suffix}, "ping": {"10"}}
	resp, err := l.cfg.Client.SignedGet(ctx, "ListenBucketNotification", "/"+l.cfg.Bucket, q)
	if err != nil {
		return fmt.Errorf("listen to %s: %w", l.cfg.Bucket, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("listen to %s: %w", l.cfg.Bucket, statusError(resp))
	}
	l.connected.Store(true)
	defer l.connected.Store(false)
	connected()
	idle := time.AfterFunc(l.cfg.IdleTimeout, cancel)
	defer idle.Stop()
	dec := json.NewDecoder(&activity{r: resp.Body, idle: idle, after: l.cfg.IdleTimeout})
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("listen to %s: the backend ended the stream", l.cfg.Bucket)
			}
			return fmt.Errorf("read the listen stream of %s: %w", l.cfg.Bucket, err)
		}
		hints, err := parseNotification(raw, false)
		if err != nil {
			return fmt.Errorf("read the listen stream of %s: %w", l.cfg.Bucket, err)
		}
		for _, h := range hints {
			sink.Hint(h)
		}
	}
}

// activity restarts the idle timer on every read that returns bytes.
type activity struct {
	r     io.Reader
	idle  *time.Timer
	after time.Duration
}

func (a *activity) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.idle.Reset(a.after)
	}
	return n, err
}

// statusError describes a failed answer by its status and, for an S3
// error body, its code and message.
func statusError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	var code, message string
	if decodeXMLError(b, &code, &message) == nil && code != "" {
		return fmt.Errorf("status %d: %s: %s", resp.StatusCode, code, message)
	}
	return fmt.Errorf("status %d", resp.StatusCode)
}
