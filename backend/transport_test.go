package backend

import (
	"bytes"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tlsBackend serves the embedded backend over TLS with httptest's own CA,
// and writes that CA's certificate to a PEM file.
func tlsBackend(t *testing.T) (endpoint, caFile string) {
	t.Helper()
	srv := startBackend(t)
	ts := httptest.NewTLSServer(proxy(srv.URL(), nil))
	t.Cleanup(ts.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	if err := os.WriteFile(caFile, block, 0o600); err != nil {
		t.Fatal(err)
	}
	return ts.URL, caFile
}

func TestTLSTrust(t *testing.T) {
	endpoint, caFile := tlsBackend(t)
	notPEM := filepath.Join(t.TempDir(), "junk.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		bundle   string // AWS_CA_BUNDLE
		cfg      Config
		newFails string // what New says, if it fails
		trusted  bool
	}{
		{name: "system roots only"},
		{name: "CA file", cfg: Config{CAFile: caFile}, trusted: true},
		{name: "AWS_CA_BUNDLE", bundle: caFile, trusted: true},
		{name: "insecure", cfg: Config{InsecureSkipVerify: true}, trusted: true},
		{name: "AWS_CA_BUNDLE without the CA, CA file with it", bundle: notPEMOrSystem(t), cfg: Config{CAFile: caFile}, trusted: true},
		{name: "missing AWS_CA_BUNDLE", bundle: filepath.Join(t.TempDir(), "none.pem"), newFails: "AWS_CA_BUNDLE"},
		{name: "AWS_CA_BUNDLE not PEM", bundle: notPEM, newFails: "no PEM certificate"},
		{name: "CA file not PEM", cfg: Config{CAFile: notPEM}, newFails: "CA file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AWS_CA_BUNDLE", tt.bundle)
			cfg := tt.cfg
			cfg.Endpoint, cfg.AccessKey, cfg.SecretKey, cfg.Bucket = endpoint, testAccessKey, testSecretKey, testBucket
			c, err := New(cfg)
			if tt.newFails != "" {
				if err == nil || !strings.Contains(err.Error(), tt.newFails) {
					t.Fatalf("New: %v, want an error saying %q", err, tt.newFails)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			state, err := c.Versioning(ctxT(t))
			if !tt.trusted {
				if err == nil || !strings.Contains(err.Error(), "certificate") {
					t.Fatalf("an untrusted server answered: %q, %v", state, err)
				}
				return
			}
			if err != nil || state != "Enabled" {
				t.Fatalf("Versioning over TLS: %q, %v", state, err)
			}
			// Over TLS too the body must arrive as sent, not aws-chunked.
			body := randomBytes(t, 200_000)
			v := put(t, c, "tls", body, nil)
			if got, _ := get(t, c, "tls", v.VersionID); !bytes.Equal(got, body) {
				t.Fatal("the object read back over TLS differs")
			}
		})
	}
}

// notPEMOrSystem is a PEM bundle that does not hold the test CA: the
// system's own when it has one.
func notPEMOrSystem(t *testing.T) string {
	for _, p := range []string{"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("no system CA bundle on this machine")
	return ""
}
