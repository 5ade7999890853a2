package catalog

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

func TestEffectiveTimeouts(t *testing.T) {
	flags := backend.Timeouts{Connect: 2 * time.Second, Response: 20 * time.Second}
	tests := []struct {
		name string
		base backend.Timeouts
		loc  index.Location
		want LocationTimeouts
	}{
		{"serve's flags", flags, index.Location{},
			LocationTimeouts{Connect: 2 * time.Second, Response: 20 * time.Second, Stall: backend.DefaultStallTimeout, Overridden: []string{}}},
		{"no flags: the defaults", backend.Timeouts{}, index.Location{},
			LocationTimeouts{Connect: backend.DefaultConnectTimeout, Response: backend.DefaultResponseTimeout, Stall: backend.DefaultStallTimeout, Overridden: []string{}}},
		{"overrides", flags, index.Location{ResponseTimeout: time.Minute, StallTimeout: 45 * time.Second},
			LocationTimeouts{Connect: 2 * time.Second, Response: time.Minute, Stall: 45 * time.Second, Overridden: []string{"response", "stall"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := effectiveTimeouts(tt.base, tt.loc); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// A location's timeouts are checked, stored, shown, changed and dropped;
// each change rebuilds its client.
func TestLocationTimeouts(t *testing.T) {
	e := newCatEnv(t, "")
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		edit    func(*index.Location)
		message string
	}{
		{"negative", func(l *index.Location) { l.ConnectTimeout = -time.Second }, "connect timeout of -1s"},
		{"too short", func(l *index.Location) { l.StallTimeout = time.Millisecond }, "stall timeout of 1ms"},
		{"too long", func(l *index.Location) { l.ResponseTimeout = time.Hour }, "response timeout of 1h0m0s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := e.location("far", "shared", false)
			tt.edit(&l)
			_, err := e.cat.AddLocation(ctx, l)
			if re := wantCode(t, err, s3err.InvalidArgument); !strings.Contains(re.Message, tt.message) {
				t.Errorf("message %q does not name %q", re.Message, tt.message)
			}
			if _, err := e.db.GetLocation("far"); !errors.Is(err, index.ErrNotFound) {
				t.Errorf("a refused location was stored: %v", err)
			}
		})
	}

	l := e.location("far", "shared", false)
	l.ResponseTimeout = time.Minute
	info, err := e.cat.AddLocation(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if info.Timeouts.Response != time.Minute || !reflect.DeepEqual(info.Timeouts.Overridden, []string{"response"}) {
		t.Errorf("added: %+v", info.Timeouts)
	}
	e.createBucket("far-b", "far")
	before := e.resolveClient("far-b")

	bad := -time.Second
	_, err = e.cat.UpdateLocation(ctx, "far", LocationChange{StallTimeout: &bad})
	wantCode(t, err, s3err.InvalidArgument)
	if e.resolveClient("far-b") != before {
		t.Error("a refused update rebuilt the client")
	}

	zero, stall := time.Duration(0), 40*time.Second
	info, err = e.cat.UpdateLocation(ctx, "far", LocationChange{ResponseTimeout: &zero, StallTimeout: &stall})
	if err != nil {
		t.Fatal(err)
	}
	want := LocationTimeouts{Connect: backend.DefaultConnectTimeout, Response: backend.DefaultResponseTimeout,
		Stall: 40 * time.Second, Overridden: []string{"stall"}}
	if !reflect.DeepEqual(info.Timeouts, want) || !reflect.DeepEqual(info.Changed, []string{"responseTimeout", "stallTimeout"}) {
		t.Errorf("updated: %+v, changed %v; want %+v", info.Timeouts, info.Changed, want)
	}
	if e.resolveClient("far-b") == before {
		t.Error("the client was not rebuilt with the new timeouts")
	}
	stored, err := e.db.GetLocation("far")
	if err != nil || stored.ResponseTimeout != 0 || stored.StallTimeout != stall {
		t.Errorf("stored: %+v, %v", stored, err)
	}
	if shown, err := e.cat.Location(ctx, "far"); err != nil || !reflect.DeepEqual(shown.Timeouts, want) {
		t.Errorf("shown: %+v, %v", shown.Timeouts, err)
	}
}

// resolveClient is the backend client a bucket's requests use now.
func (e *catEnv) resolveClient(bucket string) *backend.Client {
	e.t.Helper()
	target, err := e.cat.Resolve(bucket)
	if err != nil {
		e.t.Fatalf("resolve %s: %v", bucket, err)
	}
	return target.Client
}
