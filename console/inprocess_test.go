package console

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestInProcessRoundTrip(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/continue":
			// What a proxy writes before the response.
			w.WriteHeader(http.StatusContinue)
			w.Header().Set("X-Seen-Expect", r.Header.Get("Expect"))
			w.WriteHeader(http.StatusCreated)
		case "/echo":
			w.Header().Set("Content-Length", r.Header.Get("Content-Length"))
			_, _ = io.Copy(w, r.Body)
		case "/panic":
			panic("handler failed")
		case "/head":
			w.Header().Set("Content-Length", "5")
			w.WriteHeader(http.StatusOK)
		default:
			http.NotFound(w, r)
		}
	})
	c := &http.Client{Transport: inProcess{h: h}}
	for _, tc := range []struct {
		method, path, body string
		status             int
		want               string
		length             int64
	}{
		{"PUT", "/continue", "x", http.StatusCreated, "", -1},
		{"POST", "/echo", "hello body", http.StatusOK, "hello body", 10},
		{"GET", "/missing", "", http.StatusNotFound, "404 page not found\n", -1},
		{"HEAD", "/head", "", http.StatusOK, "", 5},
	} {
		req, _ := http.NewRequest(tc.method, "http://ringside.console"+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Expect", "100-continue")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || string(got) != tc.want || resp.ContentLength != tc.length {
			t.Errorf("%s %s: %d %q length %d, want %d %q length %d", tc.method, tc.path, resp.StatusCode, got, resp.ContentLength, tc.status, tc.want, tc.length)
		}
		if tc.path == "/continue" && resp.Header.Get("X-Seen-Expect") != "" {
			t.Error("the handler was asked for a 100 Continue")
		}
	}
	req, _ := http.NewRequest("GET", "http://ringside.console/panic", nil)
	if resp, err := c.Do(req); err == nil {
		_, rerr := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusInternalServerError || rerr == nil {
			t.Errorf("a panicking handler gave %d, body error %v", resp.StatusCode, rerr)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ = http.NewRequestWithContext(ctx, "GET", "http://ringside.console/echo", nil)
	if _, err := c.Do(req); err == nil {
		t.Error("a cancelled request succeeded")
	}
}

// TestUploadNeedsCSRFBeforeTheFile refuses an upload whose CSRF field is
// missing, wrong or comes after the file, before reading the file.
func TestUploadNeedsCSRFBeforeTheFile(t *testing.T) {
	r := newRig(t)
	ck, csrf := r.signIn(t)
	for _, tc := range []struct {
		name   string
		fields [][2]string // in order; "file" is the file part
		status int
		script bool // sent by the page's script, which follows no redirect
	}{
		{"no CSRF", [][2]string{{"prefix", ""}, {"file", "data"}}, http.StatusForbidden, false},
		{"wrong CSRF", [][2]string{{"csrf", strings.Repeat("1", 64)}, {"file", "data"}}, http.StatusForbidden, false},
		{"CSRF after the file", [][2]string{{"file", "data"}, {"csrf", csrf}}, http.StatusForbidden, false},
		// Without a key pair the console says so after the CSRF check.
		{"CSRF first", [][2]string{{"csrf", csrf}, {"prefix", "a/"}, {"file", "data"}}, http.StatusSeeOther, false},
		{"CSRF first, from the script", [][2]string{{"csrf", csrf}, {"prefix", "a/"}, {"file", "data"}}, http.StatusNoContent, true},
	} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, f := range tc.fields {
			if f[0] == "file" {
				fw, _ := mw.CreateFormFile("file", "f.txt")
				_, _ = fw.Write([]byte(f[1]))
			} else {
				_ = mw.WriteField(f[0], f[1])
			}
		}
		mw.Close()
		req := httptest.NewRequest("POST", "/console/buckets/b/upload", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if tc.script {
			req.Header.Set(nextHeader, "1")
		}
		rec := r.do(withCookie(req, ck))
		if rec.Code != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, rec.Code, tc.status)
		}
		if tc.script && rec.Header().Get(nextHeader) != "/console/buckets/b/objects?prefix=a%2F" {
			t.Errorf("%s: next page %q", tc.name, rec.Header().Get(nextHeader))
		}
	}
}
