package gateway

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ringside/ringside/internal/s3err"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if n := unreachedCalls.Load(); n > 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "gofakes3 reached %d times an operation ringside serves itself\n", n)
		code = 1
	}
	os.Exit(code)
}

// sampleRequest is a request that line rt of the route table matches, at
// the deepest level the line takes.
func sampleRequest(rt route) *http.Request {
	target := "/"
	switch {
	case rt.level&atObject != 0:
		target = "/data/k"
	case rt.level&atBucket != 0:
		target = "/data"
	}
	q := slices.Clone(rt.has)
	if len(rt.anyOf) > 0 {
		q = append(q, rt.anyOf[0])
	}
	if len(q) > 0 {
		target += "?" + strings.Join(q, "&")
	}
	method := rt.method
	if method == "" {
		// Any method: one no other line takes.
		method = http.MethodPatch
	}
	r := httptest.NewRequest(method, target, nil)
	if rt.copy == withCopy {
		r.Header.Set("X-Amz-Copy-Source", "/data/src")
	}
	return r
}

// TestRouteTableServesEachOperationOnce sends a request for each line of
// the route table and checks that it is answered by the line's handler
// alone: gofakes3 sees it if and only if the line names no handler, and
// never through an s3Backend method the table gives to ringside
// (unreachedCalls, which TestMain also checks after every test).
func TestRouteTableServesEachOperationOnce(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	e.put("data", "src", "source")
	seen := map[op]int{}
	for i, rt := range routes {
		if rt.op != opOther {
			seen[rt.op]++
		}
		r := sampleRequest(rt)
		t.Run(fmt.Sprintf("%d %s %s", i, rt.op, r.URL), func(t *testing.T) {
			bucket, key := splitPath(r.URL.Path)
			if got := lookup(r.Method, bucket, key, r.URL.RawQuery, rt.copy == withCopy); got != &routes[i] {
				t.Fatalf("matched by line %s, an earlier line shadows it", got.op)
			}
			fellBack := false
			fallback := e.g.fallback()
			h := e.g.front(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fellBack = true
				fallback.ServeHTTP(w, r)
			}))
			before := unreachedCalls.Load()
			h.ServeHTTP(httptest.NewRecorder(), r)
			if want := rt.serve == nil; fellBack != want {
				t.Errorf("handed to gofakes3: %v, want %v", fellBack, want)
			}
			if unreachedCalls.Load() != before {
				t.Error("gofakes3 called an s3Backend method of an operation ringside serves")
			}
		})
	}
	for o, n := range seen {
		if n != 1 {
			t.Errorf("%s has %d lines in the route table", o, n)
		}
	}
	if len(seen) != int(numOps)-1 {
		t.Errorf("the table names %d operations, the metrics %d", len(seen), numOps-1)
	}
}

// TestREADMEListsTheRouteTable checks that the README's list of supported
// operations is the route table's.
func TestREADMEListsTheRouteTable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "<!-- operations: the route table")
	section, _, ok2 := strings.Cut(section, "<!-- end of operations -->")
	if !ok || !ok2 {
		t.Fatal("README has no list of operations between its markers")
	}
	var listed []string
	for _, m := range regexp.MustCompile("`([A-Za-z0-9]+)`").FindAllStringSubmatch(section, -1) {
		listed = append(listed, m[1])
	}
	var table []string
	for _, rt := range routes {
		if rt.op != opOther {
			table = append(table, rt.op.String())
		}
	}
	slices.Sort(listed)
	slices.Sort(table)
	if !slices.Equal(listed, table) {
		t.Errorf("README lists\n%v\nthe route table has\n%v", listed, table)
	}
}

// An error of an operation gofakes3 answers keeps its status and
// Retry-After, which gofakes3 alone could not render.
func TestFallbackKeepsStatusAndRetryAfter(t *testing.T) {
	e := newS3Env(t)
	fallback := e.g.fallback()
	h := e.g.front(fallback)
	r := httptest.NewRequest(http.MethodGet, "/data?versioning", nil)
	// A refusal gofakes3 knows no status for, with a Retry-After.
	req := &request{}
	r = r.WithContext(context.WithValue(r.Context(), requestKey{}, req))
	w := httptest.NewRecorder()
	sw := &statusWriter{ResponseWriter: w, req: req}
	_ = e.g.forRouter(r.Context(), s3err.Unavailable(7, "the backend is down"))
	sw.WriteHeader(http.StatusInternalServerError)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "7" {
		t.Errorf("status %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	// And through the router: a versioning read of a bucket that does not
	// exist is gofakes3's NoSuchBucket.
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/nothere?versioning", nil))
	if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "NoSuchBucket") {
		t.Errorf("%d %s", w.Code, w.Body)
	}
}
