package e2e

// The HTTPS side of the client matrix: a `ringside serve --tls-self-signed`
// gateway, and Go clients that trust the certificate it generated and
// nothing else.

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ringside/ringside/admin"
	"github.com/ringside/ringside/test/testenv"
)

// selfSignedCertFile is where `serve --tls-self-signed` writes its
// certificate, under the data dir.
const selfSignedCertFile = "tls-self-signed.crt"

// startGatewayTLS runs `ringside serve --tls-self-signed` on free loopback
// ports, as startGateway runs the plain one, and returns it with the path
// of the certificate it generated. The gateway's S3 client trusts that
// certificate alone.
func startGatewayTLS(t *testing.T) (*Gateway, string) {
	t.Helper()
	g := newGateway(t, GatewayOptions{MirrorInterval: "200ms"})
	g.S3URL = "https://" + g.srv.S3Addr
	g.Admin = admin.NewClient(g.AdminURL, adminToken, nil)
	t.Cleanup(g.cleanup)
	g.run("--mirror-interval", g.opts.MirrorInterval, "--tls-self-signed")
	ca := filepath.Join(g.DataDir, selfSignedCertFile)
	cert := readCert(t, ca)
	if fp := fingerprint(cert); !strings.Contains(g.Logs(), fp) {
		t.Errorf("ringside did not log the fingerprint %s of its self-signed certificate:\n%s", fp, testenv.Tail(g.Logs(), 20))
	}
	g.S3 = testenv.S3Client(g.S3URL, gwAccessKey, gwSecretKey, httpClientFor(certPool(t, ca)))
	return g, ca
}

// readCert reads the one certificate of a PEM file.
func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the certificate: %v", err)
	}
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("%s holds no PEM certificate", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return cert
}

// fingerprint is a certificate's SHA-256 fingerprint as openssl prints it.
func fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// certPool is a pool holding only the certificates of a PEM file.
func certPool(t *testing.T, path string) *x509.CertPool {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the certificate: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(raw) {
		t.Fatalf("%s holds no certificate", path)
	}
	return pool
}

// httpClientFor is an HTTP client whose TLS trusts roots only (nil: the
// client is for plain HTTP and trusts nothing).
func httpClientFor(roots *x509.CertPool) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	if roots == nil {
		roots = x509.NewCertPool()
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}
}

// checkTLSListener checks what the HTTPS listener refuses: a client that
// does not trust the certificate, a client limited to TLS 1.1, and plain
// HTTP.
func checkTLSListener(t *testing.T, g *Gateway) {
	t.Helper()
	addr := strings.TrimPrefix(g.S3URL, "https://")
	untrusted := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}
	if resp, err := untrusted.Get(g.S3URL + "/"); err == nil {
		resp.Body.Close()
		t.Errorf("a client that does not trust the self-signed certificate got an answer: %s", resp.Status)
	} else if !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a client that does not trust the certificate: %v, want a certificate error", err)
	}
	old := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11}}}
	if resp, err := old.Get(g.S3URL + "/"); err == nil {
		resp.Body.Close()
		t.Errorf("a TLS 1.1 client got an answer: %s", resp.Status)
	}
	plain := &http.Client{Timeout: 10 * time.Second}
	if resp, err := plain.Get("http://" + addr + "/"); err == nil {
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("plain HTTP to the TLS listener: %s, want a refusal", resp.Status)
		}
	}
}
