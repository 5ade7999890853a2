package main

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ringside/ringside/certs"
)

// With --admin-tls the admin API (and the console on it) is served over
// TLS with the S3 listener's certificate; the admin commands trust the
// self-signed one from the data dir as they read the token from there,
// and a plain-HTTP client is refused.
func TestAdminOverTLS(t *testing.T) {
	n, _, _ := startTestNodeWith(t, func(c *serveConfig) { c.tlsSelfSigned, c.adminTLS = true, true })
	if !strings.HasPrefix(n.adminURL, "https://") {
		t.Fatalf("admin URL %s, want https", n.adminURL)
	}
	dir := n.cfg.dataDir
	out := mustCLI(t, "location", "list", "--admin", n.adminURL, "--data-dir", dir)
	if !strings.HasPrefix(out, "NAME") {
		t.Fatalf("location list over TLS:\n%s", out)
	}
	caFile := filepath.Join(dir, certs.SelfSignedCertFile)
	if _, err := runCLI(t, "location", "list", "--admin", n.adminURL, "--data-dir", t.TempDir(), "--admin-token", "x", "--admin-ca-file", caFile); err == nil || strings.Contains(err.Error(), "certificate") {
		t.Fatalf("with the CA file given, a wrong token must be refused by the server, not the TLS check: %v", err)
	}
	if _, err := runCLI(t, "location", "list", "--admin", n.adminURL, "--data-dir", t.TempDir(), "--admin-token", "x"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without the certificate, the client must refuse the server's: %v", err)
	}
	plain := "http://" + strings.TrimPrefix(n.adminURL, "https://")
	if _, err := runCLI(t, "location", "list", "--admin", plain, "--data-dir", dir); err == nil {
		t.Fatal("plain HTTP to a TLS admin listener was answered")
	}
	u, err := url.Parse(n.adminURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkHealth(context.Background(), u.Host, "/readyz", true); err != nil {
		t.Fatalf("healthcheck --admin-tls: %v", err)
	}
	if err := checkHealth(context.Background(), u.Host, "/readyz", false); err == nil {
		t.Fatal("a plain-HTTP healthcheck of a TLS admin listener passed")
	}
}
