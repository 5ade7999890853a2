package mirror

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/feed"
)

// FeedTarget is what a mirror bucket's change feed is made from: the kind
// its location names ("" for none), the webhook token, and the backend
// bucket with a client of it.
type FeedTarget struct {
	Kind     string
	Location string
	Token    string // webhook only; a secret
	Bucket   string // the backend bucket
	Prefix   string // stripped from backend keys, as Target.Prefix
	Client   feed.Getter
	// Source, when set, is used as it is instead of one made from the
	// fields above.
	Source feed.Source
}

// FeedResolver finds the feed of a mirror bucket.
type FeedResolver func(bucket string) (FeedTarget, error)

// FeedsFromCatalog is the FeedResolver of the catalog's Resolve.
func FeedsFromCatalog(resolve func(bucket string) (catalog.Target, error)) FeedResolver {
	return func(bucket string) (FeedTarget, error) {
		t, err := resolve(bucket)
		if err != nil {
			return FeedTarget{}, err
		}
		return FeedTarget{
			Kind: t.Location.Feed, Location: t.Location.Name, Token: t.Location.FeedToken,
			Bucket: t.Location.TargetBucket, Prefix: t.Prefix, Client: currentClient{resolve: resolve, bucket: bucket},
		}, nil
	}
}

// currentClient signs each request of a feed with the location's client of
// the moment, as passes resolve theirs, so that new keys or a moved
// endpoint reach a running feed.
type currentClient struct {
	resolve func(bucket string) (catalog.Target, error)
	bucket  string
}

func (c currentClient) SignedGet(ctx context.Context, op, path string, query url.Values) (*http.Response, error) {
	t, err := c.resolve(c.bucket)
	if err != nil {
		return nil, fmt.Errorf("resolve %s for its feed: %w", c.bucket, err)
	}
	return t.Client.SignedGet(ctx, op, path, query)
}

// newFeedSource makes the source a FeedTarget names; nil for none.
func newFeedSource(ft FeedTarget, log *slog.Logger) (feed.Source, error) {
	if ft.Source != nil {
		return ft.Source, nil
	}
	switch ft.Kind {
	case "", catalog.FeedNone:
		return nil, nil
	case catalog.FeedWebhook:
		return feed.NewWebhook(feed.WebhookConfig{Location: ft.Location, Token: ft.Token, Logger: log})
	case catalog.FeedListen:
		return feed.NewListen(feed.ListenConfig{Client: ft.Client, Bucket: ft.Bucket, Logger: log})
	case catalog.FeedRaftLog:
		return feed.NewRaftLog(feed.RaftLogConfig{Client: ft.Client, Bucket: ft.Bucket, Logger: log})
	}
	return nil, fmt.Errorf("unknown feed kind %q", ft.Kind)
}

// FeedHandler serves the webhook receivers of the mirror buckets whose
// location has a webhook feed, at feed.PathPrefix + location, on the admin
// listener. Each receiver checks its location's own token; a location
// with no running receiver is answered 404 without detail.
func (m *Manager) FeedHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		location, ok := strings.CutPrefix(r.URL.Path, feed.PathPrefix)
		if !ok || location == "" || strings.Contains(location, "/") {
			http.NotFound(w, r)
			return
		}
		if h := m.webhook(location); h != nil {
			h.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	})
}

// webhook is the receiver of a location, or nil.
func (m *Manager) webhook(location string) http.Handler {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, l := range m.loops {
		f := l.feed()
		if l.location != location || f == nil {
			continue
		}
		if h, ok := f.src.(http.Handler); ok {
			return h
		}
	}
	return nil
}
