package backend

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ringside/ringside/embedded"
)

const (
	testAccessKey = "ringside-test"
	testSecretKey = "s3cr3t-Key-For-Tests-Only"
	testBucket    = "data"
)

// startBackend runs an embedded S3 server with a versioned testBucket.
func startBackend(t *testing.T) *embedded.Server {
	t.Helper()
	srv, err := embedded.Start("127.0.0.1:0", testAccessKey, testSecretKey, testBucket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return srv
}

// newTestClient starts a backend and a client of testBucket on it; edit
// changes the client's configuration first.
func newTestClient(t *testing.T, edit ...func(*Config)) *Client {
	t.Helper()
	srv := startBackend(t)
	return clientFor(t, srv.URL(), edit...)
}

func clientFor(t *testing.T, endpoint string, edit ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{Endpoint: endpoint, AccessKey: testAccessKey, SecretKey: testSecretKey, Bucket: testBucket}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func put(t *testing.T, c *Client, key string, body []byte, meta map[string]string) PutResult {
	t.Helper()
	res, err := c.PutObject(ctxT(t), key, bytes.NewReader(body), int64(len(body)), meta, PutOptions{})
	if err != nil {
		t.Fatalf("put %q: %v", key, err)
	}
	if res.VersionID == "" {
		t.Fatalf("put %q: no VersionID", key)
	}
	return res
}

func get(t *testing.T, c *Client, key, versionID string) ([]byte, *Reader) {
	t.Helper()
	r, err := c.GetObject(ctxT(t), key, versionID, "", Conditions{})
	if err != nil {
		t.Fatalf("get %q@%q: %v", key, versionID, err)
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("read %q@%q: %v", key, versionID, err)
	}
	return b, r
}

// wantCode checks that err is an *Error with code and status.
func wantCode(t *testing.T, err error, code string, status int) {
	t.Helper()
	var be *Error
	if !errors.As(err, &be) {
		t.Fatalf("got %v (%T), want *Error %s", err, err, code)
	}
	if be.Code != code || be.Status != status {
		t.Fatalf("got %s/%d (%v), want %s/%d", be.Code, be.Status, be, code, status)
	}
	if strings.Contains(err.Error(), testSecretKey) {
		t.Fatalf("error shows the secret key: %v", err)
	}
}

// proxy forwards to target, telling seen of each request as soon as its
// headers arrive, before its body is read.
func proxy(target string, seen func(*http.Request)) http.Handler {
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen != nil {
			seen(r)
		}
		rp.ServeHTTP(w, r)
	})
}

// versionsOf lists every version of the bucket under prefix, page by page.
func versionsOf(t *testing.T, c *Client, prefix string, pageSize int) []Object {
	t.Helper()
	var all []Object
	key, vid := "", ""
	for range 1000 {
		page, err := c.ListVersions(ctxT(t), prefix, key, vid, pageSize)
		if err != nil {
			t.Fatal(err)
		}
		if pageSize > 0 && len(page.Versions) > pageSize {
			t.Fatalf("page of %d entries, asked for %d", len(page.Versions), pageSize)
		}
		all = append(all, page.Versions...)
		if !page.IsTruncated {
			return all
		}
		key, vid = page.NextKeyMarker, page.NextVersionIDMarker
	}
	t.Fatal("listing does not end")
	return nil
}
