package catalog

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/ringside/ringside/index"
)

// A backend user that can read the bucket's versioning but not list its
// versions or uploads is refused at the add of a no-prefix location, and
// the refusal names the action to grant; nothing is stored.
func TestAddLocationNamesAMissingPermission(t *testing.T) {
	for _, tt := range []struct{ query, action string }{
		{"versions", "s3:ListBucketVersions"},
		{"uploads", "s3:ListBucketMultipartUploads"},
	} {
		t.Run(tt.action, func(t *testing.T) {
			e := newCatEnv(t, "")
			target, err := url.Parse(e.backend.URL())
			if err != nil {
				t.Fatal(err)
			}
			proxy := httputil.NewSingleHostReverseProxy(target)
			deny := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Has(tt.query) {
					w.Header().Set("Content-Type", "application/xml")
					w.WriteHeader(http.StatusForbidden)
					_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>`))
					return
				}
				proxy.ServeHTTP(w, r)
			}))
			defer deny.Close()
			l := e.location("narrow", "ring", true)
			l.Endpoint = deny.URL
			_, err = e.cat.AddLocation(context.Background(), l)
			if err == nil || !strings.Contains(err.Error(), tt.action) {
				t.Fatalf("add a location whose user lacks %s: %v; want a refusal naming it", tt.action, err)
			}
			if _, err := e.db.GetLocation("narrow"); !errors.Is(err, index.ErrNotFound) {
				t.Fatalf("the refused location was stored: %v", err)
			}
		})
	}
}
