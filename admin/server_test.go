package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/mirror"
)

const adminTestToken = "test-admin-token-0123456789"

// adminFakeCatalog records what the admin API asks and answers from its
// maps; err, when set, is returned by every call.
type adminFakeCatalog struct {
	mu        sync.Mutex
	err       error
	locations map[string]catalog.LocationInfo
	buckets   map[string]index.Bucket
	added     []index.Location
	changes   []catalog.LocationChange
	health    map[string]backend.Health
}

func newAdminFakeCatalog() *adminFakeCatalog {
	return &adminFakeCatalog{locations: map[string]catalog.LocationInfo{}, buckets: map[string]index.Bucket{}}
}

func (f *adminFakeCatalog) AddLocation(_ context.Context, l index.Location) (catalog.LocationInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return catalog.LocationInfo{}, f.err
	}
	f.added = append(f.added, l)
	// Deliberately unmasked: the admin API must not show it anyway.
	info := catalog.LocationInfo{Location: l, Versioning: "Enabled", Mirroring: "off", Buckets: []string{}}
	f.locations[l.Name] = info
	return info, nil
}

func (f *adminFakeCatalog) Locations(context.Context) ([]catalog.LocationInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fakeList(f.err, f.locations)
}

func (f *adminFakeCatalog) Location(_ context.Context, name string) (catalog.LocationInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fakeLookup(f.err, f.locations, "location", name)
}

func (f *adminFakeCatalog) UpdateLocation(_ context.Context, name string, ch catalog.LocationChange) (catalog.LocationInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, err := fakeLookup(f.err, f.locations, "location", name)
	if err != nil {
		return catalog.LocationInfo{}, err
	}
	f.changes = append(f.changes, ch)
	if ch.Endpoint != nil {
		l.Endpoint = *ch.Endpoint
	}
	if ch.SecretKey != nil {
		l.SecretKey = *ch.SecretKey // unmasked: the admin API must mask it
	}
	f.locations[name] = l
	return l, nil
}

func (f *adminFakeCatalog) FeedToken(_ context.Context, name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, err := fakeLookup(f.err, f.locations, "location", name)
	if err != nil {
		return "", err
	}
	if l.Feed != catalog.FeedWebhook {
		return "", s3err.New(s3err.InvalidArgument, "Location %s has no webhook feed, hence no token.", name)
	}
	return l.FeedToken, nil
}

func (f *adminFakeCatalog) RemoveLocation(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := fakeLookup(f.err, f.locations, "location", name); err != nil {
		return err
	}
	delete(f.locations, name)
	return nil
}

func (f *adminFakeCatalog) CreateBucket(_ context.Context, name, location string, mirrorMode bool, _ catalog.Ingester) (index.Bucket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return index.Bucket{}, f.err
	}
	b := index.Bucket{Name: name, Location: location, Mirror: mirrorMode, Versioning: "Enabled",
		Created: time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)}
	f.buckets[name] = b
	return b, nil
}

func (f *adminFakeCatalog) DeleteBucket(_ context.Context, name string, _ catalog.Ingester) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := fakeLookup(f.err, f.buckets, "bucket", name); err != nil {
		return err
	}
	delete(f.buckets, name)
	return nil
}

func (f *adminFakeCatalog) Buckets(context.Context) ([]index.Bucket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fakeList(f.err, f.buckets)
}

func (f *adminFakeCatalog) BackendHealth(location string) (backend.Health, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h, ok := f.health[location]
	return h, ok
}

func (f *adminFakeCatalog) Bucket(_ context.Context, name string) (index.Bucket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fakeLookup(f.err, f.buckets, "bucket", name)
}

// fakeLookup answers for one entry of a fake's map as the catalog does:
// the fake's error if it has one, else the entry or a not-found.
func fakeLookup[T any](err error, m map[string]T, what, name string) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	v, ok := m[name]
	if !ok {
		return zero, fmt.Errorf("%s %s: %w", what, name, index.ErrNotFound)
	}
	return v, nil
}

// fakeList answers for all of a fake's map: the fake's error if it has
// one, else every entry, in no order.
func fakeList[T any](err error, m map[string]T) ([]T, error) {
	if err != nil {
		return nil, err
	}
	var out []T
	for _, v := range m {
		out = append(out, v)
	}
	return out, nil
}

// adminFakeMirror keeps one status per mirror bucket and records controls.
type adminFakeMirror struct {
	mu       sync.Mutex
	statuses map[string]mirror.Status
	calls    []string
}

func (f *adminFakeMirror) Status(bucket string) (mirror.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.statuses[bucket]
	if !ok {
		return mirror.Status{}, fmt.Errorf("mirror bucket %s: %w", bucket, index.ErrNotFound)
	}
	return st, nil
}

func (f *adminFakeMirror) StatusAll() []mirror.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []mirror.Status
	for _, st := range f.statuses {
		out = append(out, st)
	}
	return out
}

func (f *adminFakeMirror) control(call, bucket, state string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.statuses[bucket]
	if !ok {
		return fmt.Errorf("mirror bucket %s: %w", bucket, index.ErrNotFound)
	}
	f.calls = append(f.calls, call+" "+bucket)
	if state != "" {
		st.State = state
		f.statuses[bucket] = st
	}
	return nil
}

func (f *adminFakeMirror) Add(bucket string) error { return f.control("add", bucket, "") }
func (f *adminFakeMirror) Remove(bucket string)    { _ = f.control("remove", bucket, "") }

func (f *adminFakeMirror) Pause(bucket string) error  { return f.control("pause", bucket, "paused") }
func (f *adminFakeMirror) Resume(bucket string) error { return f.control("resume", bucket, "idle") }

func (f *adminFakeMirror) Rescan(_ context.Context, bucket string, wait bool) error {
	return f.control(fmt.Sprintf("rescan(wait=%v)", wait), bucket, "")
}

func (f *adminFakeMirror) Resync(_ context.Context, bucket string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "resync "+bucket)
	return nil
}

func (f *adminFakeMirror) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

type adminFixture struct {
	cat    *adminFakeCatalog
	mirror *adminFakeMirror
	admin  *Server
	srv    *httptest.Server
	client *Client
}

// do sends a request with the admin token and reads the whole answer;
// the response's Body reads it again, for decodeError.
func (f *adminFixture) do(t *testing.T, method, path, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminTestToken)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: read the answer: %v", method, path, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	return resp, raw
}

func newAdminFixture(t *testing.T) *adminFixture {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "ringside_admin_test_total", Help: "test"}))
	f := &adminFixture{
		cat: newAdminFakeCatalog(),
		mirror: &adminFakeMirror{statuses: map[string]mirror.Status{
			"photos": {Bucket: "photos", Location: "ring", State: "idle", Passes: 3,
				LastPassStart: time.Date(2026, 11, 22, 3, 59, 0, 0, time.UTC), LastPassSeconds: 1.5,
				LastPassScanned: 1200, LastPassChanges: 4, LastFullPass: time.Date(2026, 11, 22, 3, 59, 1, 0, time.UTC)},
		}},
	}
	f.admin = newServer(f.cat, f.mirror, adminTestToken, reg)
	f.srv = httptest.NewServer(f.admin)
	t.Cleanup(f.srv.Close)
	f.client = NewClient(f.srv.URL, adminTestToken, f.srv.Client())
	return f
}

func TestAdminRequiresToken(t *testing.T) {
	f := newAdminFixture(t)
	routes := []struct{ method, path string }{
		{"GET", "/api/v1/locations"},
		{"POST", "/api/v1/locations"},
		{"GET", "/api/v1/locations/ring"},
		{"PATCH", "/api/v1/locations/ring"},
		{"DELETE", "/api/v1/locations/ring"},
		{"GET", "/api/v1/locations/ring/feed-token"},
		{"GET", "/api/v1/buckets"},
		{"POST", "/api/v1/buckets"},
		{"GET", "/api/v1/buckets/photos"},
		{"DELETE", "/api/v1/buckets/photos"},
		{"POST", "/api/v1/buckets/photos/resync"},
		{"GET", "/api/v1/mirror"},
		{"GET", "/api/v1/mirror/photos"},
		{"POST", "/api/v1/mirror/photos/pause"},
		{"POST", "/api/v1/mirror/photos/resume"},
		{"POST", "/api/v1/mirror/photos/rescan?wait=true"},
		{"GET", "/metrics"},
		{"GET", "/debug/pprof/"},
		{"GET", "/debug/pprof/heap"},
		{"GET", "/no/such/route"},
	}
	auths := map[string]string{
		"none":         "",
		"wrong token":  "Bearer not-the-token",
		"prefix token": "Bearer " + adminTestToken[:10],
		"longer token": "Bearer " + adminTestToken + "x",
		"no scheme":    adminTestToken,
		"basic":        "Basic " + adminTestToken,
	}
	for _, rt := range routes {
		for name, auth := range auths {
			t.Run(rt.method+" "+rt.path+" "+name, func(t *testing.T) {
				req, err := http.NewRequest(rt.method, f.srv.URL+rt.path, strings.NewReader(`{"name":"x"}`))
				if err != nil {
					t.Fatal(err)
				}
				if auth != "" {
					req.Header.Set("Authorization", auth)
				}
				resp, err := f.srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("status %d, want 401", resp.StatusCode)
				}
				if err := decodeError(resp); err.(*Error).Code != "Unauthorized" {
					t.Fatalf("error %v, want code Unauthorized", err)
				}
			})
		}
	}
	// Nothing reached the gateway or the ingester.
	if len(f.cat.added) != 0 || len(f.cat.changes) != 0 || len(f.cat.buckets) != 0 || len(f.mirror.recorded()) != 0 {
		t.Fatalf("unauthenticated requests changed state: added %v buckets %v calls %v", f.cat.added, f.cat.buckets, f.mirror.recorded())
	}
}

func TestAdminEmptyTokenRefusesEverything(t *testing.T) {
	a := newServer(newAdminFakeCatalog(), &adminFakeMirror{}, "", prometheus.NewRegistry())
	srv := httptest.NewServer(a)
	defer srv.Close()
	for _, auth := range []string{"", "Bearer ", "Bearer x"} {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/buckets", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("auth %q: status %d, want 401", auth, resp.StatusCode)
		}
	}
}

func TestAdminHealthAndReadiness(t *testing.T) {
	f := newAdminFixture(t)
	anon := NewClient(f.srv.URL, "", f.srv.Client())
	ctx := context.Background()
	if err := anon.Healthy(ctx); err != nil {
		t.Fatalf("healthz without token: %v", err)
	}
	var ge *Error
	if err := anon.Ready(ctx); !errors.As(err, &ge) || ge.Status != http.StatusServiceUnavailable || ge.Code != "NotReady" {
		t.Fatalf("readyz before SetReady: %v, want 503 NotReady", err)
	}
	f.admin.SetReady(true)
	if err := anon.Ready(ctx); err != nil {
		t.Fatalf("readyz after SetReady(true): %v", err)
	}
	f.admin.SetReady(false)
	if err := anon.Ready(ctx); !errors.As(err, &ge) || ge.Status != http.StatusServiceUnavailable {
		t.Fatalf("readyz after SetReady(false): %v, want 503", err)
	}
}

func TestAdminRelaysErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		gwErr      error
		call       func(c *Client) error
		wantCode   string
		wantStatus int
		wantMsg    string
	}{
		{
			name:  "gateway error keeps code, message and status",
			gwErr: &Error{Code: "InvalidLocationConstraint", Message: "mirror buckets need a no-prefix location", Status: 400},
			call: func(c *Client) error {
				_, err := c.CreateBucket(ctx, "photos", "ring", true)
				return err
			},
			wantCode: "InvalidLocationConstraint", wantStatus: 400, wantMsg: "mirror buckets need a no-prefix location",
		},
		{
			name:     "wrapped gateway error",
			gwErr:    fmt.Errorf("remove: %w", &Error{Code: "LocationInUse", Message: "location ring holds bucket photos", Status: 409}),
			call:     func(c *Client) error { return c.RemoveLocation(ctx, "ring") },
			wantCode: "LocationInUse", wantStatus: 409, wantMsg: "location ring holds bucket photos",
		},
		{
			name:     "unknown location",
			call:     func(c *Client) error { _, err := c.Location(ctx, "nowhere"); return err },
			wantCode: "NoSuchLocation", wantStatus: 404,
		},
		{
			name:     "unknown bucket",
			call:     func(c *Client) error { return c.DeleteBucket(ctx, "nothing") },
			wantCode: "NoSuchBucket", wantStatus: 404,
		},
		{
			name:     "resync of an unknown bucket",
			call:     func(c *Client) error { return c.ResyncBucket(ctx, "nothing") },
			wantCode: "NoSuchBucket", wantStatus: 404,
		},
		{
			name:     "status of an unknown mirror bucket",
			call:     func(c *Client) error { _, err := c.MirrorStatus(ctx, "nothing"); return err },
			wantCode: "NoSuchMirrorBucket", wantStatus: 404,
		},
		{
			name:     "pause of an unknown mirror bucket",
			call:     func(c *Client) error { _, err := c.PauseMirror(ctx, "nothing"); return err },
			wantCode: "NoSuchMirrorBucket", wantStatus: 404,
			wantMsg: "Bucket nothing does not exist: `ringside mirror status` lists the mirror buckets.",
		},
		{
			name:     "other failures are internal errors",
			gwErr:    errors.New("index closed"),
			call:     func(c *Client) error { _, err := c.Buckets(ctx); return err },
			wantCode: "InternalError", wantStatus: 500, wantMsg: "index closed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newAdminFixture(t)
			f.cat.err = tt.gwErr
			err := tt.call(f.client)
			var ge *Error
			if !errors.As(err, &ge) {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if ge.Code != tt.wantCode || ge.Status != tt.wantStatus {
				t.Fatalf("got %s/%d, want %s/%d", ge.Code, ge.Status, tt.wantCode, tt.wantStatus)
			}
			if tt.wantMsg != "" && ge.Message != tt.wantMsg {
				t.Fatalf("message %q, want %q", ge.Message, tt.wantMsg)
			}
			if len(f.cat.buckets) != 0 || len(f.mirror.recorded()) != 0 {
				t.Fatalf("a refused call changed state: buckets %v calls %v", f.cat.buckets, f.mirror.recorded())
			}
		})
	}
}

func TestAdminRejectsMalformedBodies(t *testing.T) {
	f := newAdminFixture(t)
	for _, body := range []string{`{`, `{"name":"a","unknown":1}`, `[]`} {
		resp, _ := f.do(t, "POST", "/api/v1/buckets", body)
		err := decodeError(resp)
		if ge := err.(*Error); ge.Status != 400 || ge.Code != "MalformedJSON" {
			t.Fatalf("body %q: %v, want 400 MalformedJSON", body, err)
		}
	}
	if len(f.cat.buckets) != 0 {
		t.Fatalf("malformed bodies created buckets: %v", f.cat.buckets)
	}
}

func TestAdminClientRoundTrip(t *testing.T) {
	f := newAdminFixture(t)
	ctx := context.Background()

	loc := NewLocation{Name: "ring", Endpoint: "https://s3.ring.example:443", Region: "us-east-1",
		AccessKey: "AKIDRING", SecretKey: "very-secret-key", TargetBucket: "photos-store", NoPrefix: true,
		CAFile: "/etc/ring-ca.pem"}
	info, err := f.client.AddLocation(ctx, loc)
	if err != nil {
		t.Fatalf("add location: %v", err)
	}
	if got, want := f.cat.added[0], loc.location(); got != want {
		t.Fatalf("the catalog received %+v, want %+v", got, want)
	}
	wantInfo := Location{Name: loc.Name, Endpoint: loc.Endpoint, Region: loc.Region, AccessKey: loc.AccessKey,
		MaskedSecret: secretMask, TargetBucket: loc.TargetBucket, NoPrefix: true, CAFile: loc.CAFile,
		Versioning: "Enabled", Mirroring: "off", Buckets: []string{}, Feed: "none", Timeouts: Timeouts{Overridden: []string{}}}
	if !reflect.DeepEqual(info, wantInfo) {
		t.Fatalf("add location answered %+v, want %+v", info, wantInfo)
	}
	shown, err := f.client.Location(ctx, "ring")
	if err != nil || !reflect.DeepEqual(shown, wantInfo) {
		t.Fatalf("show location: %+v, %v; want %+v", shown, err, wantInfo)
	}
	all, err := f.client.Locations(ctx)
	if err != nil || len(all) != 1 || !reflect.DeepEqual(all[0], wantInfo) {
		t.Fatalf("list locations: %+v, %v", all, err)
	}

	b, err := f.client.CreateBucket(ctx, "photos", "ring", true)
	want := index.Bucket{Name: "photos", Location: "ring", Mirror: true, Versioning: "Enabled",
		Created: time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)}
	if err != nil || !reflect.DeepEqual(b, want) {
		t.Fatalf("create bucket: %+v, %v; want %+v", b, err, want)
	}
	if got, err := f.client.Bucket(ctx, "photos"); err != nil || !got.Created.Equal(want.Created) || got.Name != want.Name {
		t.Fatalf("show bucket: %+v, %v", got, err)
	}
	if bs, err := f.client.Buckets(ctx); err != nil || len(bs) != 1 {
		t.Fatalf("list buckets: %+v, %v", bs, err)
	}

	st, err := f.client.MirrorStatus(ctx, "photos")
	if err != nil {
		t.Fatalf("mirror status: %v", err)
	}
	wantSt := f.mirror.statuses["photos"]
	if st.LastPassSeconds != wantSt.LastPassSeconds || !st.LastPassStart.Equal(wantSt.LastPassStart) ||
		!st.LastFullPass.Equal(wantSt.LastFullPass) || st.LastPassScanned != 1200 || st.Passes != 3 {
		t.Fatalf("mirror status %+v, want %+v", st, wantSt)
	}
	if st, err := f.client.PauseMirror(ctx, "photos"); err != nil || st.State != "paused" {
		t.Fatalf("pause: %+v, %v", st, err)
	}
	if st, err := f.client.ResumeMirror(ctx, "photos"); err != nil || st.State != "idle" {
		t.Fatalf("resume: %+v, %v", st, err)
	}
	if _, err := f.client.Rescan(ctx, "photos", true); err != nil {
		t.Fatalf("rescan: %v", err)
	}
	if _, err := f.client.Rescan(ctx, "photos", false); err != nil {
		t.Fatalf("rescan: %v", err)
	}
	if err := f.client.ResyncBucket(ctx, "photos"); err != nil {
		t.Fatalf("resync: %v", err)
	}
	if sts, err := f.client.MirrorStatusAll(ctx); err != nil || len(sts) != 1 {
		t.Fatalf("mirror status all: %+v, %v", sts, err)
	}
	wantCalls := []string{"pause photos", "resume photos", "rescan(wait=true) photos", "rescan(wait=false) photos", "resync photos"}
	if got := f.mirror.recorded(); !reflect.DeepEqual(got, wantCalls) {
		t.Fatalf("ingester calls %v, want %v", got, wantCalls)
	}

	if err := f.client.DeleteBucket(ctx, "photos"); err != nil {
		t.Fatalf("delete bucket: %v", err)
	}
	if err := f.client.RemoveLocation(ctx, "ring"); err != nil {
		t.Fatalf("remove location: %v", err)
	}
	if bs, err := f.client.Buckets(ctx); err != nil || bs == nil || len(bs) != 0 {
		t.Fatalf("buckets after delete: %#v, %v (want an empty list)", bs, err)
	}
}

// The secret never leaves the admin API, whatever the route.
func TestAdminNeverReturnsSecrets(t *testing.T) {
	f := newAdminFixture(t)
	const secret = "very-secret-key"
	if _, err := f.client.AddLocation(context.Background(), NewLocation{Name: "ring", SecretKey: secret, AccessKey: "AK"}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/locations", "/api/v1/locations/ring"} {
		resp, body := f.do(t, "GET", path, "")
		if resp.StatusCode != 200 || strings.Contains(string(body), secret) || !strings.Contains(string(body), secretMask) {
			t.Fatalf("%s: status %d body %s", path, resp.StatusCode, body)
		}
	}
}

// An update carries only the fields given; the answer masks the secret.
func TestAdminUpdateLocation(t *testing.T) {
	f := newAdminFixture(t)
	ctx := context.Background()
	if _, err := f.client.AddLocation(ctx, NewLocation{Name: "ring", Endpoint: "http://old:80", SecretKey: "old-secret", AccessKey: "AK"}); err != nil {
		t.Fatal(err)
	}
	endpoint, secret := "http://new:80", "rotated-secret-42"
	got, err := f.client.UpdateLocation(ctx, "ring", LocationUpdate{Endpoint: &endpoint, SecretKey: &secret})
	if err != nil {
		t.Fatalf("update location: %v", err)
	}
	if got.Endpoint != endpoint || got.MaskedSecret != secretMask || got.AccessKey != "AK" {
		t.Errorf("update answered %+v", got)
	}
	ch := f.cat.changes[0]
	if ch.Endpoint == nil || *ch.Endpoint != endpoint || ch.SecretKey == nil || *ch.SecretKey != secret ||
		ch.AccessKey != nil || ch.Region != nil || ch.CAFile != nil || ch.Insecure != nil || ch.TargetBucket != nil || ch.NoPrefix != nil {
		t.Errorf("the catalog received %+v; want only endpoint and secret key", ch)
	}
	var ge *Error
	if _, err := f.client.UpdateLocation(ctx, "nowhere", LocationUpdate{Endpoint: &endpoint}); !errors.As(err, &ge) || ge.Status != http.StatusNotFound || ge.Code != "NoSuchLocation" {
		t.Errorf("update of an unknown location: %v, want 404 NoSuchLocation", err)
	}
	resp, _ := f.do(t, "PATCH", "/api/v1/locations/ring", `{"secret":"x"}`)
	if resp.StatusCode != http.StatusBadRequest || len(f.cat.changes) != 1 {
		t.Errorf("unknown field: status %d, %d changes; want 400 and nothing changed", resp.StatusCode, len(f.cat.changes))
	}
}

// A feed change reaches the catalog as given; the token route shows a
// webhook's path and token, refuses a location without one, and answers
// nothing to be cached.
func TestAdminFeedUpdateAndToken(t *testing.T) {
	f := newAdminFixture(t)
	ctx := context.Background()
	const token = "a-webhook-token-0123456789"
	if _, err := f.client.AddLocation(ctx, NewLocation{Name: "hook", Endpoint: "http://b:80", SecretKey: "s", AccessKey: "AK",
		Feed: "webhook", FeedToken: token}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.AddLocation(ctx, NewLocation{Name: "plain", Endpoint: "http://b:80", SecretKey: "s", AccessKey: "AK"}); err != nil {
		t.Fatal(err)
	}
	kind := "listen"
	if _, err := f.client.UpdateLocation(ctx, "plain", LocationUpdate{Feed: &kind, RotateFeedToken: true}); err != nil {
		t.Fatal(err)
	}
	ch := f.cat.changes[0]
	if ch.Feed == nil || *ch.Feed != kind || !ch.RotateFeedToken || ch.FeedToken != nil || ch.Endpoint != nil {
		t.Errorf("the catalog received %+v; want the feed and the rotation only", ch)
	}
	got, err := f.client.FeedToken(ctx, "hook")
	if err != nil {
		t.Fatal(err)
	}
	if want := (FeedToken{Location: "hook", FeedPath: "/feed/v1/hook", FeedToken: token}); got != want {
		t.Errorf("feed token %+v, want %+v", got, want)
	}
	tests := []struct {
		name   string
		status int
		code   string
	}{
		{"plain", http.StatusBadRequest, "InvalidArgument"},
		{"nowhere", http.StatusNotFound, "NoSuchLocation"},
	}
	for _, tt := range tests {
		var ge *Error
		if _, err := f.client.FeedToken(ctx, tt.name); !errors.As(err, &ge) || ge.Status != tt.status || ge.Code != tt.code {
			t.Errorf("feed token of %s: %v, want %d %s", tt.name, err, tt.status, tt.code)
		}
	}
	resp, _ := f.do(t, "GET", "/api/v1/locations/hook/feed-token", "")
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
}

func TestAdminMetricsWithToken(t *testing.T) {
	f := newAdminFixture(t)
	resp, body := f.do(t, "GET", "/metrics", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "ringside_admin_test_total") {
		t.Fatalf("metrics: status %d body %.300s", resp.StatusCode, body)
	}
}

func TestAdminClientNonJSONErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad gateway from a proxy", http.StatusBadGateway)
	}))
	defer srv.Close()
	_, err := NewClient(srv.URL, "t", srv.Client()).Buckets(context.Background())
	var ge *Error
	if !errors.As(err, &ge) || ge.Code != "HTTP502" || ge.Message != "bad gateway from a proxy" {
		t.Fatalf("got %v, want HTTP502 with the proxy's message", err)
	}
}

// The health of a mirror bucket's backend, as its location's breaker sees
// it, reaches mirror status; a location the gateway never called shows none.
func TestMirrorStatusShowsBackendHealth(t *testing.T) {
	f := newAdminFixture(t)
	ctx := context.Background()
	st, err := f.client.MirrorStatus(ctx, "photos")
	if err != nil || st.Backend != nil {
		t.Fatalf("status before any backend call: %+v, %v; want no backend health", st.Backend, err)
	}
	since := time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)
	f.cat.mu.Lock()
	f.cat.health = map[string]backend.Health{"ring": {Up: false, Since: since, Cause: "dial tcp: connection refused", ConsecutiveFailures: 5}}
	f.cat.mu.Unlock()
	for name, get := range map[string]func() (mirror.Status, error){
		"one": func() (mirror.Status, error) { return f.client.MirrorStatus(ctx, "photos") },
		"all": func() (mirror.Status, error) {
			all, err := f.client.MirrorStatusAll(ctx)
			if err != nil || len(all) != 1 {
				return mirror.Status{}, fmt.Errorf("%d statuses, %v", len(all), err)
			}
			return all[0], nil
		},
	} {
		st, err := get()
		if err != nil || st.Backend == nil || st.Backend.Up || !st.Backend.Since.Equal(since) || st.Backend.Cause != "dial tcp: connection refused" {
			t.Fatalf("%s: status backend %+v, %v; want unreachable since %v", name, st.Backend, err, since)
		}
	}
}

// A location's timeouts travel as duration strings: the new ones reach
// the catalog, the effective ones are shown, and a malformed one is
// refused before the catalog sees it.
func TestAdminLocationTimeouts(t *testing.T) {
	f := newAdminFixture(t)
	ctx := context.Background()
	if _, err := f.client.AddLocation(ctx, NewLocation{Name: "far", Endpoint: "http://far:80", AccessKey: "AK", SecretKey: "secret-key-1",
		ResponseTimeout: Duration(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if got := f.cat.added[0]; got.ResponseTimeout != time.Minute || got.ConnectTimeout != 0 || got.StallTimeout != 0 {
		t.Errorf("the catalog received %+v; want only a response timeout", got)
	}
	f.cat.mu.Lock()
	info := f.cat.locations["far"]
	info.Timeouts = catalog.LocationTimeouts{Connect: 5 * time.Second, Response: time.Minute, Stall: 1500 * time.Millisecond, Overridden: []string{"response"}}
	f.cat.locations["far"] = info
	f.cat.mu.Unlock()
	_, raw := f.do(t, "GET", "/api/v1/locations/far", "")
	want := `"timeouts":{"connect":"5s","response":"1m0s","stall":"1.5s","overridden":["response"]}`
	if !strings.Contains(string(raw), want) {
		t.Errorf("location shown as %s; want %s", raw, want)
	}
	var shown Location
	if err := json.Unmarshal(raw, &shown); err != nil || shown.Timeouts.Stall != Duration(1500*time.Millisecond) {
		t.Errorf("decoded %+v, %v", shown.Timeouts, err)
	}

	zero, stall := Duration(0), Duration(20*time.Second)
	if _, err := f.client.UpdateLocation(ctx, "far", LocationUpdate{ResponseTimeout: &zero, StallTimeout: &stall}); err != nil {
		t.Fatal(err)
	}
	ch := f.cat.changes[0]
	if ch.ConnectTimeout != nil || ch.ResponseTimeout == nil || *ch.ResponseTimeout != 0 || ch.StallTimeout == nil || *ch.StallTimeout != 20*time.Second {
		t.Errorf("the catalog received %+v; want the response timeout dropped and the stall one set", ch)
	}
	for _, body := range []string{`{"stallTimeout":"soon"}`, `{"stallTimeout":30}`} {
		resp, _ := f.do(t, "PATCH", "/api/v1/locations/far", body)
		err := decodeError(resp)
		if ge, ok := err.(*Error); !ok || ge.Status != 400 || !strings.Contains(ge.Message, "duration") || len(f.cat.changes) != 1 {
			t.Errorf("body %s: %v, %d changes; want 400 naming a duration and nothing changed", body, err, len(f.cat.changes))
		}
	}
}
