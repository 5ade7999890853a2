package catalog

import (
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// The bounds of a location's own backend timeouts. Under the minimum a
// healthy backend's calls would fail; over the maximum a hung backend
// would hold S3 clients long after their SDKs gave up.
const (
	MinLocationTimeout = 100 * time.Millisecond
	MaxLocationTimeout = 10 * time.Minute
)

// LocationTimeouts are the backend timeouts of a location's client: its
// own where it sets them, serve's flags' values elsewhere.
type LocationTimeouts struct {
	Connect, Response, Stall time.Duration
	// Overridden names the timeouts the location sets itself, of
	// "connect", "response" and "stall".
	Overridden []string
}

// locationTimeouts returns base with l's overrides applied.
func locationTimeouts(base backend.Timeouts, l index.Location) backend.Timeouts {
	for _, o := range timeoutFields(&base, l) {
		if o.set > 0 {
			*o.dst = o.set
		}
	}
	return base
}

// effectiveTimeouts is what LocationInfo shows of l's timeouts.
func effectiveTimeouts(base backend.Timeouts, l index.Location) LocationTimeouts {
	base = base.WithDefaults()
	t := LocationTimeouts{Overridden: []string{}}
	for _, o := range timeoutFields(&base, l) {
		if o.set > 0 {
			t.Overridden = append(t.Overridden, o.name)
		}
	}
	eff := locationTimeouts(base, l)
	t.Connect, t.Response, t.Stall = eff.Connect, eff.Response, eff.Stall
	return t
}

type timeoutField struct {
	name string
	dst  *time.Duration
	set  time.Duration
}

func timeoutFields(t *backend.Timeouts, l index.Location) []timeoutField {
	return []timeoutField{
		{"connect", &t.Connect, l.ConnectTimeout},
		{"response", &t.Response, l.ResponseTimeout},
		{"stall", &t.Stall, l.StallTimeout},
	}
}

// checkTimeouts refuses a location timeout out of bounds; zero is none.
func checkTimeouts(l index.Location) error {
	for _, o := range timeoutFields(&backend.Timeouts{}, l) {
		if o.set == 0 {
			continue
		}
		if o.set < MinLocationTimeout || o.set > MaxLocationTimeout {
			return s3err.New(s3err.InvalidArgument,
				"Location %s: a %s timeout of %s is out of bounds: give one from %s to %s, or 0 to use the serve flag's.",
				l.Name, o.name, o.set, MinLocationTimeout, MaxLocationTimeout)
		}
	}
	return nil
}
