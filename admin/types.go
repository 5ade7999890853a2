package admin

import (
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/feed"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// The admin API's wire types. No type the API answers with has a secret
// in it: a location shows its access key and a mask where the secret key
// would be. Only NewLocation and LocationUpdate, request bodies, carry a
// secret, and only from the client to the server.

// Error is a refusal as the admin API relays it, as JSON: the code,
// message and status of the catalog's or the ingester's refusal.
type Error = s3err.Error

// secretMask stands for the secret key of every location the API shows.
const secretMask = "********"

// Location is a location as the admin API shows it: the secret
// masked, the target bucket's versioning state, the buckets bound to it,
// and its mirroring indicator.
type Location struct {
	Name         string    `json:"name"`
	Endpoint     string    `json:"endpoint"` // normalised URL: scheme://host:port
	Region       string    `json:"region"`
	AccessKey    string    `json:"accessKey"`
	MaskedSecret string    `json:"secretKey"` // always secretMask
	TargetBucket string    `json:"targetBucket"`
	NoPrefix     bool      `json:"noPrefix"`
	CAFile       string    `json:"caFile,omitempty"`
	Insecure     bool      `json:"insecureSkipVerify,omitempty"`
	Created      time.Time `json:"created"`
	// Versioning is the target bucket's state as the backend reports it:
	// "Enabled", "Suspended", "Unversioned" (never enabled), or "Unknown"
	// when the backend did not answer.
	Versioning string `json:"versioning"`
	// Mirroring is "off" when no mirror bucket uses the location, else
	// its mirror bucket's state as `mirror status` shows it.
	Mirroring   string   `json:"mirroring"`
	MirrorError string   `json:"mirrorError,omitempty"`
	Buckets     []string `json:"buckets"`
	Warning     string   `json:"warning,omitempty"`
	// Backend is the backend's health as the location's breaker sees it;
	// absent until ringside has called the backend.
	Backend *backend.Health `json:"backend,omitempty"`
	// Feed is the change feed a mirror bucket on the location follows:
	// none, webhook, listen or raftlog.
	Feed string `json:"feed"`
	// FeedPath is where the backend posts to a webhook feed, on the admin
	// listener.
	FeedPath string `json:"feedPath,omitempty"`
	// FeedToken is the webhook's bearer token, shown only in the answer
	// to the location's creation or to an update that changed it: give
	// it to the backend then (the feed-token route shows it again).
	FeedToken string `json:"feedToken,omitempty"`
	// Timeouts are the backend timeouts the location's client uses.
	Timeouts Timeouts `json:"timeouts"`
}

// Timeouts are a location's effective backend timeouts: its own, or
// serve's --backend-*-timeout flags' values.
type Timeouts struct {
	Connect  Duration `json:"connect"`
	Response Duration `json:"response"`
	Stall    Duration `json:"stall"`
	// Overridden names those the location sets itself, of "connect",
	// "response" and "stall".
	Overridden []string `json:"overridden"`
}

// Duration is a duration on the wire, as Go writes it: "30s", "1m30s".
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"30s\" or \"2m\", not %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"30s\" or \"2m\"", s)
	}
	*d = Duration(v)
	return nil
}

// Bucket is a gateway bucket as the admin API shows it: its record, with
// the backend's versioning read now, and for a mirror bucket the state
// `mirror status` shows ("off" for a write-through bucket).
type Bucket struct {
	index.Bucket
	Mirroring   string `json:"mirroring"`
	MirrorError string `json:"mirrorError,omitempty"`
}

// NewLocation is the body of POST /api/v1/locations: a location to add,
// with the secret key of its target bucket.
type NewLocation struct {
	Name         string `json:"name"`
	Endpoint     string `json:"endpoint"` // a URL, or a host or IP with an optional port
	Region       string `json:"region"`
	AccessKey    string `json:"accessKey"`
	SecretKey    string `json:"secretKey"`
	TargetBucket string `json:"targetBucket"`
	NoPrefix     bool   `json:"noPrefix"`
	CAFile       string `json:"caFile,omitempty"`
	Insecure     bool   `json:"insecureSkipVerify,omitempty"`
	// Feed is none (default), webhook, listen or raftlog; a webhook's
	// token is generated unless FeedToken gives one (16 characters at
	// least).
	Feed      string `json:"feed,omitempty"`
	FeedToken string `json:"feedToken,omitempty"`
	// The location's own backend timeouts; left out, serve's flags'.
	ConnectTimeout  Duration `json:"connectTimeout,omitempty"`
	ResponseTimeout Duration `json:"responseTimeout,omitempty"`
	StallTimeout    Duration `json:"stallTimeout,omitempty"`
}

// LocationUpdate is the body of PATCH /api/v1/locations/{name}: the
// fields to change, each left out (null) to keep its value. It may carry
// a new secret key, only from the client to the server.
type LocationUpdate struct {
	Endpoint     *string `json:"endpoint,omitempty"`
	Region       *string `json:"region,omitempty"`
	AccessKey    *string `json:"accessKey,omitempty"`
	SecretKey    *string `json:"secretKey,omitempty"`
	CAFile       *string `json:"caFile,omitempty"`
	Insecure     *bool   `json:"insecureSkipVerify,omitempty"`
	TargetBucket *string `json:"targetBucket,omitempty"`
	NoPrefix     *bool   `json:"noPrefix,omitempty"`
	// Feed is the new change feed kind; a location that becomes a
	// webhook gets a generated token unless FeedToken gives one, and
	// the answer shows a new token once, as the creation does.
	Feed      *string `json:"feed,omitempty"`
	FeedToken *string `json:"feedToken,omitempty"`
	// RotateFeedToken replaces the webhook's token by a generated one.
	RotateFeedToken bool `json:"rotateFeedToken,omitempty"`
	// The location's own backend timeouts; "0s" drops one, for serve's
	// flag's value.
	ConnectTimeout  *Duration `json:"connectTimeout,omitempty"`
	ResponseTimeout *Duration `json:"responseTimeout,omitempty"`
	StallTimeout    *Duration `json:"stallTimeout,omitempty"`
}

// FeedToken is the answer of GET /api/v1/locations/{name}/feed-token: the
// webhook's path on the admin listener and its token, for the operator
// who sets up a backend again. The only answer but a creation's or an
// update's that carries a token.
type FeedToken struct {
	Location  string `json:"location"`
	FeedPath  string `json:"feedPath"`
	FeedToken string `json:"feedToken"`
}

// change is the catalog's form of an update.
func (u LocationUpdate) change() catalog.LocationChange {
	return catalog.LocationChange{Endpoint: u.Endpoint, Region: u.Region, AccessKey: u.AccessKey, SecretKey: u.SecretKey,
		CAFile: u.CAFile, Insecure: u.Insecure, TargetBucket: u.TargetBucket, NoPrefix: u.NoPrefix,
		Feed: u.Feed, FeedToken: u.FeedToken, RotateFeedToken: u.RotateFeedToken,
		ConnectTimeout: u.ConnectTimeout.duration(), ResponseTimeout: u.ResponseTimeout.duration(),
		StallTimeout: u.StallTimeout.duration()}
}

// duration is d as the catalog takes it: nil when left out.
func (d *Duration) duration() *time.Duration {
	if d == nil {
		return nil
	}
	v := time.Duration(*d)
	return &v
}

// CreateBucketRequest is the body of POST /api/v1/buckets.
type CreateBucketRequest struct {
	Name     string `json:"name"`
	Location string `json:"location"`
	Mirror   bool   `json:"mirror"`
}

// location is the index record of a location to add.
func (l NewLocation) location() index.Location {
	return index.Location{Name: l.Name, Endpoint: l.Endpoint, Region: l.Region, AccessKey: l.AccessKey,
		SecretKey: l.SecretKey, TargetBucket: l.TargetBucket, NoPrefix: l.NoPrefix, CAFile: l.CAFile, Insecure: l.Insecure,
		Feed: l.Feed, FeedToken: l.FeedToken, ConnectTimeout: time.Duration(l.ConnectTimeout),
		ResponseTimeout: time.Duration(l.ResponseTimeout), StallTimeout: time.Duration(l.StallTimeout)}
}

// showLocation is a catalog location as the API shows it.
func showLocation(l catalog.LocationInfo) Location {
	return Location{
		Name: l.Name, Endpoint: l.Endpoint, Region: l.Region, AccessKey: l.AccessKey, MaskedSecret: secretMask,
		TargetBucket: l.TargetBucket, NoPrefix: l.NoPrefix, CAFile: l.CAFile, Insecure: l.Insecure, Created: l.Created,
		Versioning: l.Versioning, Mirroring: l.Mirroring, Buckets: l.Buckets, Warning: l.Warning,
		Backend: l.Backend,
		Feed:    showFeed(l.Feed), FeedToken: l.FeedToken, FeedPath: feedPath(l.Location),
		Timeouts: showTimeouts(l.Timeouts),
	}
}

func showTimeouts(t catalog.LocationTimeouts) Timeouts {
	overridden := t.Overridden
	if overridden == nil {
		overridden = []string{}
	}
	return Timeouts{Connect: Duration(t.Connect), Response: Duration(t.Response), Stall: Duration(t.Stall), Overridden: overridden}
}

func showFeed(kind string) string {
	if kind == "" {
		return catalog.FeedNone
	}
	return kind
}

// feedPath is the webhook receiver's path of a location with a webhook
// feed.
func feedPath(l index.Location) string {
	if l.Feed != catalog.FeedWebhook {
		return ""
	}
	return feed.PathPrefix + url.PathEscape(l.Name)
}
