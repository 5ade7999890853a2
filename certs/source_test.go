package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writePair writes a self-signed pair named cn for 127.0.0.1.
func writePair(t *testing.T, certFile, keyFile, cn string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds or a deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func servedCN(s *Source) string {
	c, _ := s.GetCertificate(nil)
	return c.Leaf.Subject.CommonName
}

func TestLoadReloadsChangedPair(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	writePair(t, certFile, keyFile, "first")
	s, err := load(certFile, keyFile, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := servedCN(s); got != "first" {
		t.Fatalf("serving %q, want first", got)
	}

	// A broken write keeps the pair in service.
	if err := os.WriteFile(certFile, []byte("not a certificate, and a longer file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.reload(); err == nil {
		t.Fatal("a broken certificate file loaded")
	}
	if got := servedCN(s); got != "first" {
		t.Fatalf("after a broken write serving %q, want first", got)
	}

	writePair(t, certFile, keyFile, "second, renewed")
	waitFor(t, "the renewed pair", func() bool { return servedCN(s) == "second, renewed" })
}

func TestLoadRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	if _, err := Load(certFile, keyFile); err == nil {
		t.Fatal("missing files loaded")
	}
	writePair(t, certFile, keyFile, "one")
	otherCert, otherKey := filepath.Join(dir, "c2.pem"), filepath.Join(dir, "k2.pem")
	writePair(t, otherCert, otherKey, "two")
	if _, err := Load(certFile, otherKey); err == nil {
		t.Fatal("a certificate with another pair's key loaded")
	}
}

func TestSelfSignedGeneratesOnceThenReuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	src, fp, err := SelfSigned(dir, []string{"127.0.0.1", "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if len(fp) != 32*3-1 {
		t.Fatalf("fingerprint %q is not 32 colon-separated bytes", fp)
	}
	key := filepath.Join(dir, selfSignedKey)
	st, err := os.Stat(key)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key mode %v, want 0600", st.Mode().Perm())
	}
	keyBytes, _ := os.ReadFile(key)
	leaf := src.Leaf()
	if leaf.PublicKeyAlgorithm != x509.ECDSA || leaf.PublicKey.(*ecdsa.PublicKey).Curve != elliptic.P256() {
		t.Fatalf("key is %v, want ECDSA P-256", leaf.PublicKeyAlgorithm)
	}
	if err := leaf.VerifyHostname("localhost"); err != nil {
		t.Fatal(err)
	}

	again, fp2, err := SelfSigned(dir, []string{"127.0.0.1", "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	keyAgain, _ := os.ReadFile(key)
	if fp2 != fp || !bytes.Equal(keyBytes, keyAgain) {
		t.Fatalf("second start made a new pair: %s then %s", fp, fp2)
	}

	// A client trusting the certificate alone (as aws --ca-bundle does)
	// completes a handshake.
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	addr := serveTLS(t, again.TLSConfig())
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("handshake trusting the self-signed certificate: %v", err)
	}
	if got := Fingerprint(conn.ConnectionState().PeerCertificates[0]); got != fp {
		t.Fatalf("served fingerprint %s, want %s", got, fp)
	}
	conn.Close()
}

func TestSelfSignedReplacesHalfWrittenPair(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, selfSignedKey), []byte("left over"), 0o600); err != nil {
		t.Fatal(err)
	}
	src, _, err := SelfSigned(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := src.Leaf().VerifyHostname("localhost"); err != nil {
		t.Fatal(err)
	}
}

func TestTLSConfigRefusesOldVersions(t *testing.T) {
	src, _, err := SelfSigned(t.TempDir(), []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	addr := serveTLS(t, src.TLSConfig())
	for _, tc := range []struct {
		name    string
		version uint16
		ok      bool
	}{
		{"TLS 1.0", tls.VersionTLS10, false},
		{"TLS 1.1", tls.VersionTLS11, false},
		{"TLS 1.2", tls.VersionTLS12, true},
		{"TLS 1.3", tls.VersionTLS13, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := tls.Dial("tcp", addr, &tls.Config{
				InsecureSkipVerify: true,
				MinVersion:         tc.version,
				MaxVersion:         tc.version,
			})
			if tc.ok != (err == nil) {
				t.Fatalf("handshake error %v, want success %v", err, tc.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "protocol version") {
				t.Fatalf("refused for another reason than the version: %v", err)
			}
			if err == nil {
				conn.Close()
			}
		})
	}
}

// serveTLS accepts TLS connections on a loopback port and completes their
// handshakes.
func serveTLS(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				_ = conn.(*tls.Conn).Handshake()
				_, _ = conn.Read(make([]byte, 1))
				conn.Close()
			}()
		}
	}()
	return ln.Addr().String()
}
