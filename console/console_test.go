package console

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/mirror"
)

func TestSignInRequired(t *testing.T) {
	r := newRig(t)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/console/", http.StatusSeeOther},
		{"GET", "/console/locations", http.StatusSeeOther},
		{"GET", "/console/buckets/b/objects", http.StatusSeeOther},
		{"GET", "/console/buckets/b/download?key=k", http.StatusSeeOther},
		{"GET", "/console/api/mirror", http.StatusUnauthorized},
		{"POST", "/console/locations", http.StatusForbidden},
		{"POST", "/console/buckets/b/upload", http.StatusForbidden},
		{"POST", "/console/mirror/b/pause", http.StatusForbidden},
		{"GET", "/console/signin", http.StatusOK},
		{"GET", "/console/static/console.js", http.StatusOK},
	} {
		rec := r.do(httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, rec.Code, tc.status)
		}
		if tc.status == http.StatusSeeOther && rec.Header().Get("Location") != "/console/signin" {
			t.Errorf("%s %s: redirected to %q", tc.method, tc.path, rec.Header().Get("Location"))
		}
	}
	if len(r.cat.added) != 0 || len(r.m.calls) != 0 {
		t.Errorf("a request without a session changed something: %v %v", r.cat.added, r.m.calls)
	}
}

func TestSignInCookie(t *testing.T) {
	for _, tc := range []struct {
		name   string
		token  string
		tls    bool
		status int
	}{
		{"wrong token", "nope", false, http.StatusUnauthorized},
		{"empty token", "", false, http.StatusUnauthorized},
		{"right token over http", testToken, false, http.StatusSeeOther},
		{"right token over TLS", testToken, true, http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			req := form("/console/signin", nil, url.Values{"token": {tc.token}})
			if tc.tls {
				req.TLS = &tls.ConnectionState{}
			}
			rec := r.do(req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			cks := rec.Result().Cookies()
			if tc.status != http.StatusSeeOther {
				if len(cks) != 0 {
					t.Fatalf("a refused sign-in set cookies: %v", cks)
				}
				return
			}
			ck := cks[0]
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/console/" || ck.Secure != tc.tls || ck.Expires.IsZero() {
				t.Errorf("cookie %+v", ck)
			}
			if len(ck.Value) != 64 {
				t.Errorf("session id %q is not 32 random bytes", ck.Value)
			}
			if got := r.do(withCookie(httptest.NewRequest("GET", "/console/locations", nil), ck)); got.Code != http.StatusOK {
				t.Errorf("signed in, GET locations: %d", got.Code)
			}
		})
	}
}

func TestSessionExpires(t *testing.T) {
	r := newRig(t)
	ck, _ := r.signIn(t)
	now := time.Now()
	r.c.sessions.now = func() time.Time { return now.Add(9 * time.Hour) }
	if rec := r.do(withCookie(httptest.NewRequest("GET", "/console/locations", nil), ck)); rec.Code != http.StatusSeeOther {
		t.Fatalf("an expired session got %d", rec.Code)
	}
}

func TestSignOutEndsTheSession(t *testing.T) {
	r := newRig(t)
	ck, csrf := r.signIn(t)
	if rec := r.do(form("/console/signout", ck, url.Values{"csrf": {csrf}})); rec.Code != http.StatusSeeOther {
		t.Fatalf("sign out: %d", rec.Code)
	}
	if rec := r.do(withCookie(httptest.NewRequest("GET", "/console/locations", nil), ck)); rec.Code != http.StatusSeeOther {
		t.Fatalf("after sign-out the old cookie still gets %d", rec.Code)
	}
}

func TestCSRF(t *testing.T) {
	r := newRig(t)
	ck, csrf := r.signIn(t)
	other, _ := r.signIn(t)
	_, otherCSRF := r.signIn(t)
	_ = other
	loc := url.Values{"name": {"ring"}, "accessKey": {"ak"}, "secretKey": {"sk-SECRET"}, "targetBucket": {"target"}, "endpoint": {"127.0.0.1:8000"}}
	for _, tc := range []struct {
		name   string
		token  string
		status int
	}{
		{"missing", "", http.StatusForbidden},
		{"wrong", strings.Repeat("0", 64), http.StatusForbidden},
		{"another session's", otherCSRF, http.StatusForbidden},
		{"right", csrf, http.StatusSeeOther},
	} {
		v := url.Values{}
		for k, vs := range loc {
			v[k] = vs
		}
		if tc.token != "" {
			v.Set("csrf", tc.token)
		}
		before := len(r.cat.added)
		rec := r.do(form("/console/locations", ck, v))
		if rec.Code != tc.status {
			t.Errorf("%s CSRF token: %d, want %d", tc.name, rec.Code, tc.status)
		}
		if changed := len(r.cat.added) != before; changed != (tc.status == http.StatusSeeOther) {
			t.Errorf("%s CSRF token: catalog changed = %v", tc.name, changed)
		}
	}
	rec := r.do(form("/console/mirror/b/pause", ck, url.Values{}))
	if rec.Code != http.StatusForbidden || len(r.m.calls) != 0 {
		t.Errorf("pause without CSRF: %d, calls %v", rec.Code, r.m.calls)
	}
}

func TestSecurityHeaders(t *testing.T) {
	r := newRig(t)
	ck, _ := r.signIn(t)
	for _, path := range []string{"/console/signin", "/console/locations", "/console/static/console.css"} {
		rec := r.do(withCookie(httptest.NewRequest("GET", path, nil), ck))
		h := rec.Header()
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
}

// TestNoInlineScriptOrStyle keeps the pages within the CSP.
func TestNoInlineScriptOrStyle(t *testing.T) {
	r := newRig(t)
	ck, _ := r.signIn(t)
	r.cat.locs = []catalog.LocationInfo{{Location: index.Location{Name: "ring", NoPrefix: true}, Versioning: "Enabled", Mirroring: "active", Buckets: []string{"b"}}}
	r.cat.buckets = []index.Bucket{{Name: "b", Location: "ring", Mirror: true}}
	r.m.status = []mirror.Status{{Bucket: "b", Location: "ring", State: "idle"}}
	for _, path := range []string{"/console/signin", "/console/locations", "/console/locations/new", "/console/buckets", "/console/buckets/new", "/console/mirror"} {
		page := body(t, r.do(withCookie(httptest.NewRequest("GET", path, nil), ck)))
		for _, bad := range []string{"<script>", "style=", "<style", "onclick", "onload", "javascript:"} {
			if strings.Contains(page, bad) {
				t.Errorf("%s has %q", path, bad)
			}
		}
	}
}

func TestAddLocationNeverRendersTheSecret(t *testing.T) {
	r := newRig(t)
	ck, csrf := r.signIn(t)
	const secret = "very-SECRET-key-42"
	v := url.Values{"csrf": {csrf}, "name": {"ring"}, "accessKey": {"AK1"}, "secretKey": {secret},
		"targetBucket": {"Bad_Name"}, "endpoint": {"127.0.0.1:8000"}, "noPrefix": {"on"}}
	rec := r.do(form("/console/locations", ck, v))
	page := body(t, rec)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(page, `Target bucket name &#34;Bad_Name&#34; is invalid`) {
		t.Fatalf("bad target: %d\n%s", rec.Code, page)
	}
	if strings.Contains(page, secret) {
		t.Fatal("the refused form sent the secret key back")
	}
	if !strings.Contains(page, catalog.NoPrefixWarning) || strings.Contains(page, `id="noprefix-warning" hidden`) {
		t.Error("the no-prefix warning is not shown with the box checked")
	}
	v.Set("targetBucket", "good-target")
	if rec := r.do(form("/console/locations", ck, v)); rec.Code != http.StatusSeeOther {
		t.Fatalf("good location: %d %s", rec.Code, rec.Body)
	}
	if got := r.cat.added[len(r.cat.added)-1]; got.SecretKey != secret || !got.NoPrefix || got.TargetBucket != "good-target" {
		t.Errorf("the catalog got %+v", got)
	}
	list := body(t, r.do(withCookie(httptest.NewRequest("GET", "/console/locations", nil), ck)))
	if strings.Contains(list, secret) || !strings.Contains(list, "********") || !strings.Contains(list, `ind-off`) {
		t.Errorf("location list: secret shown or mask/grayed indicator missing:\n%s", list)
	}
}

func TestConstraints(t *testing.T) {
	loc := func(name string, noPrefix bool, versioning string, buckets ...string) catalog.LocationInfo {
		return catalog.LocationInfo{Location: index.Location{Name: name, NoPrefix: noPrefix, TargetBucket: name + "-t"},
			Versioning: versioning, Buckets: buckets}
	}
	got := constraints([]catalog.LocationInfo{
		loc("plain", false, "Enabled", "x", "y"),
		loc("free", true, "Enabled"),
		loc("taken", true, "Enabled", "b1"),
		loc("unversioned", true, "Suspended"),
	}, "free:ingest")
	want := []struct {
		value, label string
		refused      bool
		selected     bool
	}{
		{"plain", "plain", false, false},
		{"free", "free", false, false},
		{"free:ingest", "free (Mirror mode)", false, true},
		{"taken", "taken", true, false},
		{"taken:ingest", "taken (Mirror mode)", true, false},
		{"unversioned", "unversioned", false, false},
		{"unversioned:ingest", "unversioned (Mirror mode)", true, false},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d entries: %+v", len(got), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Value != w.value || g.Label != w.label || (g.Refused != "") != w.refused || g.Selected != w.selected {
			t.Errorf("entry %d: %+v, want %+v", i, g, w)
		}
	}
	if !strings.Contains(got[6].Refused, "versioning Enabled") || !strings.Contains(got[3].Refused, "b1") {
		t.Errorf("reasons: %q, %q", got[6].Refused, got[3].Refused)
	}
}

func TestCreateBucketInMirrorMode(t *testing.T) {
	r := newRig(t)
	ck, csrf := r.signIn(t)
	rec := r.do(form("/console/buckets", ck, url.Values{"csrf": {csrf}, "name": {"docs"}, "location": {"ring:ingest"}}))
	if rec.Code != http.StatusSeeOther || len(r.cat.buckets) != 1 || !r.cat.buckets[0].Mirror || r.cat.buckets[0].Location != "ring" {
		t.Fatalf("create: %d, buckets %+v", rec.Code, r.cat.buckets)
	}
	r.m.status = []mirror.Status{{Bucket: "docs", Location: "ring", State: "initial-sync"}}
	page := body(t, r.do(withCookie(httptest.NewRequest("GET", "/console/buckets", nil), ck)))
	if !strings.Contains(page, `data-ingest="docs"`) || !strings.Contains(page, "initial-sync") || !strings.Contains(page, "in mirror mode: metadata ingestion is active") {
		t.Errorf("bucket list without the ingestion icon or flash:\n%s", page)
	}
}

func TestRefusalsRelayed(t *testing.T) {
	r := newRig(t)
	ck, csrf := r.signIn(t)
	for _, tc := range []struct{ path, want string }{
		{"/console/locations/ring/remove", "is used by bucket(s)"},
		{"/console/buckets/b/delete", "is not empty"},
	} {
		rec := r.do(form(tc.path, ck, url.Values{"csrf": {csrf}}))
		next := r.do(withCookie(httptest.NewRequest("GET", rec.Header().Get("Location"), nil), ck))
		if page := body(t, next); !strings.Contains(page, tc.want) {
			t.Errorf("%s: the refusal %q is not shown", tc.path, tc.want)
		}
	}
}

func TestMirrorControlsAndJSON(t *testing.T) {
	r := newRig(t)
	ck, csrf := r.signIn(t)
	r.m.status = []mirror.Status{{Bucket: "docs", State: "scanning", InitialSynced: 42}}
	for _, a := range []string{"pause", "resume", "rescan"} {
		if rec := r.do(form("/console/mirror/docs/"+a, ck, url.Values{"csrf": {csrf}})); rec.Code != http.StatusSeeOther {
			t.Errorf("%s: %d", a, rec.Code)
		}
	}
	if strings.Join(r.m.calls, ",") != "pause docs,resume docs,rescan docs" {
		t.Errorf("calls %v", r.m.calls)
	}
	js := body(t, r.do(withCookie(httptest.NewRequest("GET", "/console/api/mirror", nil), ck)))
	if !strings.Contains(js, `"initialSynced":42`) || !strings.Contains(js, `"state":"scanning"`) {
		t.Errorf("JSON %s", js)
	}
}

func TestLocationIndicatorAndHealth(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mirroring string
		state     string
		health    *backend.Health
		indicator string
		shown     string
	}{
		{"no mirror bucket", "off", "", nil, "off", "unknown"},
		{"mirroring", "active", "idle", &backend.Health{Up: true}, "active", "up"},
		{"paused", "paused", "paused", &backend.Health{Up: true}, "paused", "up"},
		{"ingester in error", "active", "error", &backend.Health{Up: false, Cause: "dial refused"}, "error", "down"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cat, m := &fakeCatalog{}, &fakeMirror{}
			cat.locs = []catalog.LocationInfo{{Location: index.Location{Name: "ring", NoPrefix: true}, Versioning: "Enabled",
				Mirroring: tc.mirroring, Buckets: []string{"b"}}}
			if tc.state != "" {
				m.status = []mirror.Status{{Bucket: "b", Location: "ring", State: tc.state}}
			}
			health := func(string) (backend.Health, bool) { return backend.Health{}, false }
			if tc.health != nil {
				health = func(string) (backend.Health, bool) { return *tc.health, true }
			}
			c, err := New(Config{Catalog: cat, Mirror: m, Token: testToken, Health: health})
			if err != nil {
				t.Fatal(err)
			}
			r := &rig{c: c, cat: cat, m: m}
			ck, _ := r.signIn(t)
			page := body(t, r.do(withCookie(httptest.NewRequest("GET", "/console/locations", nil), ck)))
			if !strings.Contains(page, `data-indicator="`+tc.indicator+`"`) {
				t.Errorf("indicator is not %s", tc.indicator)
			}
			if !strings.Contains(page, `class="health h-`+tc.shown+`"`) {
				t.Errorf("backend health is not shown as %s", tc.shown)
			}
		})
	}
}

func TestEditLocation(t *testing.T) {
	r := newRig(t)
	ck, csrf := r.signIn(t)
	r.cat.locs = []catalog.LocationInfo{{Location: index.Location{Name: "ring", Endpoint: "http://127.0.0.1:8000", AccessKey: "AK",
		TargetBucket: "target", NoPrefix: true}, Versioning: "Enabled", Mirroring: "active", Buckets: []string{"docs"}}}
	page := body(t, r.do(withCookie(httptest.NewRequest("GET", "/console/locations/ring/edit", nil), ck)))
	if !strings.Contains(page, `value="http://127.0.0.1:8000"`) || !strings.Contains(page, "Used by docs") {
		t.Fatalf("edit page:\n%s", page)
	}
	base := url.Values{"csrf": {csrf}, "endpoint": {"http://127.0.0.1:9000"}, "accessKey": {"AK"}, "targetBucket": {"target"}, "noPrefix": {"on"}}
	for _, tc := range []struct {
		name   string
		set    map[string]string
		status int
		secret bool
		shown  string
	}{
		{"secret left empty keeps it", nil, http.StatusSeeOther, false, "Location ring updated (endpoint)"},
		{"a new secret", map[string]string{"secretKey": "new-SECRET"}, http.StatusSeeOther, true, "updated"},
		{"the catalog's refusal", map[string]string{"targetBucket": "other"}, http.StatusUnprocessableEntity, false, "its target cannot change"},
	} {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		for k, x := range tc.set {
			v.Set(k, x)
		}
		rec := r.do(form("/console/locations/ring", ck, v))
		if rec.Code != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, rec.Code, tc.status)
		}
		ch := r.cat.changes[len(r.cat.changes)-1]
		if (ch.SecretKey != nil) != tc.secret {
			t.Errorf("%s: secret key changed = %v", tc.name, ch.SecretKey != nil)
		}
		shown := body(t, rec)
		if rec.Code == http.StatusSeeOther {
			shown = body(t, r.do(withCookie(httptest.NewRequest("GET", rec.Header().Get("Location"), nil), ck)))
		}
		if !strings.Contains(shown, tc.shown) || strings.Contains(shown, "new-SECRET") {
			t.Errorf("%s: the page lacks %q or shows the secret", tc.name, tc.shown)
		}
	}
}
