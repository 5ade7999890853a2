package console

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/mirror"
)

const testToken = "console-test-token"

// fakeCatalog keeps locations and buckets in memory with the catalog's
// main refusals.
type fakeCatalog struct {
	mu      sync.Mutex
	locs    []catalog.LocationInfo
	buckets []index.Bucket
	added   []index.Location
	changes []catalog.LocationChange
}

func (f *fakeCatalog) AddLocation(ctx context.Context, l index.Location) (catalog.LocationInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.added = append(f.added, l)
	if err := catalog.ValidateBucketName(l.TargetBucket, s3err.InvalidArgument, "Target bucket"); err != nil {
		return catalog.LocationInfo{}, err
	}
	l.SecretKey = ""
	info := catalog.LocationInfo{Location: l, Versioning: "Enabled", Mirroring: "off", Buckets: []string{}}
	f.locs = append(f.locs, info)
	return info, nil
}

func (f *fakeCatalog) Locations(ctx context.Context) ([]catalog.LocationInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]catalog.LocationInfo(nil), f.locs...), nil
}

func (f *fakeCatalog) Location(ctx context.Context, name string) (catalog.LocationInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range f.locs {
		if l.Name == name {
			return l, nil
		}
	}
	return catalog.LocationInfo{}, s3err.New(s3err.NoSuchLocation, "Location %s does not exist.", name)
}

// UpdateLocation records the change and refuses a new target while a
// bucket uses the location, as the catalog does.
func (f *fakeCatalog) UpdateLocation(ctx context.Context, name string, ch catalog.LocationChange) (catalog.LocationInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.changes = append(f.changes, ch)
	for i, l := range f.locs {
		if l.Name != name {
			continue
		}
		if *ch.TargetBucket != l.TargetBucket && len(l.Buckets) > 0 {
			return catalog.LocationInfo{}, s3err.New(s3err.InvalidArgument, "Location %s is used by bucket(s) %v: its target cannot change.", name, l.Buckets)
		}
		f.locs[i].Endpoint, f.locs[i].TargetBucket = *ch.Endpoint, *ch.TargetBucket
		info := f.locs[i]
		info.Changed = []string{"endpoint"}
		return info, nil
	}
	return catalog.LocationInfo{}, s3err.New(s3err.NoSuchLocation, "Location %s does not exist.", name)
}

func (f *fakeCatalog) RemoveLocation(ctx context.Context, name string) error {
	return s3err.New(s3err.LocationInUse, "Location %s is used by bucket(s) [x]: delete them first.", name)
}

func (f *fakeCatalog) CreateBucket(ctx context.Context, name, location string, mirrorMode bool, ing catalog.Ingester) (index.Bucket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := index.Bucket{Name: name, Location: location, Mirror: mirrorMode}
	f.buckets = append(f.buckets, b)
	return b, nil
}

func (f *fakeCatalog) DeleteBucket(ctx context.Context, name string, ing catalog.Ingester) error {
	return s3err.New(s3err.BucketNotEmpty, "The bucket you tried to delete is not empty.")
}

func (f *fakeCatalog) Buckets(ctx context.Context) ([]index.Bucket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]index.Bucket(nil), f.buckets...), nil
}

type fakeMirror struct {
	mu     sync.Mutex
	status []mirror.Status
	calls  []string
}

func (m *fakeMirror) Add(bucket string) error { return nil }
func (m *fakeMirror) Remove(bucket string)    {}
func (m *fakeMirror) StatusAll() []mirror.Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mirror.Status(nil), m.status...)
}
func (m *fakeMirror) record(s string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, s)
	return nil
}
func (m *fakeMirror) Pause(b string) error  { return m.record("pause " + b) }
func (m *fakeMirror) Resume(b string) error { return m.record("resume " + b) }
func (m *fakeMirror) Rescan(ctx context.Context, b string, wait bool) error {
	return m.record("rescan " + b)
}

type rig struct {
	c   *Console
	cat *fakeCatalog
	m   *fakeMirror
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{cat: &fakeCatalog{}, m: &fakeMirror{}}
	c, err := New(Config{Catalog: r.cat, Mirror: r.m, Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	r.c = c
	return r
}

func (r *rig) do(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	r.c.ServeHTTP(rec, req)
	return rec
}

// signIn returns the session cookie and the session's CSRF token.
func (r *rig) signIn(t *testing.T) (*http.Cookie, string) {
	t.Helper()
	rec := r.do(form("/console/signin", nil, url.Values{"token": {testToken}}))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("sign in: %d %s", rec.Code, rec.Body)
	}
	ck := rec.Result().Cookies()[0]
	page := r.do(withCookie(httptest.NewRequest("GET", "/console/locations/new", nil), ck))
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(page.Body.String())
	if m == nil {
		t.Fatalf("no CSRF token on the page: %s", page.Body)
	}
	return ck, m[1]
}

func form(path string, ck *http.Cookie, v url.Values) *http.Request {
	req := httptest.NewRequest("POST", path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return withCookie(req, ck)
}

func withCookie(req *http.Request, ck *http.Cookie) *http.Request {
	if ck != nil {
		req.AddCookie(ck)
	}
	return req
}

func body(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	b, err := io.ReadAll(rec.Result().Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
