package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SelfSignedCertFile is the name, under the data dir, of the certificate
// SelfSigned generates: clients of the admin API trust it from there.
const SelfSignedCertFile = "tls-self-signed.crt"

// SelfSignedKeyFile is the name of its key's file, beside it.
const SelfSignedKeyFile = "tls-self-signed.key"

const (
	selfSignedCert = SelfSignedCertFile
	selfSignedKey  = SelfSignedKeyFile
	// selfSignedLifetime is long: clients pin the fingerprint, and a new
	// pair would break every pin.
	selfSignedLifetime = 10 * 365 * 24 * time.Hour
)

// SelfSigned loads (or, on first start, generates) a self-signed pair under
// dir and returns it with the certificate's SHA-256 fingerprint.
func SelfSigned(dir string, hosts []string) (*Source, string, error) {
	certFile := filepath.Join(dir, selfSignedCert)
	keyFile := filepath.Join(dir, selfSignedKey)
	haveCert, err := exists(certFile)
	if err != nil {
		return nil, "", err
	}
	haveKey, err := exists(keyFile)
	if err != nil {
		return nil, "", err
	}
	if !haveCert || !haveKey {
		if haveCert || haveKey {
			// Only a generation cut short leaves one without the other,
			// and a certificate without its key serves nobody.
			slog.Warn("incomplete self-signed TLS pair; generating a new one", "dir", dir)
		}
		if err := generateSelfSigned(dir, certFile, keyFile, hosts); err != nil {
			return nil, "", err
		}
	}
	src, err := Load(certFile, keyFile)
	if err != nil {
		return nil, "", err
	}
	leaf := src.Leaf()
	for _, h := range hosts {
		if err := leaf.VerifyHostname(h); err != nil {
			slog.Warn("the self-signed TLS certificate does not name this host; remove its files to generate a new one",
				"host", h, "cert", certFile)
		}
	}
	return src, Fingerprint(leaf), nil
}

// Fingerprint is the SHA-256 fingerprint of a certificate, as colon
// separated upper-case hex (the form openssl x509 -fingerprint prints).
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// generateSelfSigned writes a new ECDSA P-256 pair for hosts (localhost
// and the loopback addresses if none). Each file is written under a
// temporary name and renamed, so a crash never leaves half a file.
func generateSelfSigned(dir, certFile, keyFile string, hosts []string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create TLS directory: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate TLS key: %w", err)
	}
	tmpl, err := selfSignedTemplate(hosts)
	if err != nil {
		return err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("create self-signed certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode TLS key: %w", err)
	}
	if err := writeAtomic(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return writeAtomic(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

// selfSignedTemplate is the certificate for hosts: its own issuer, so it
// is a CA too, which lets clients trust it as it is (aws --ca-bundle,
// curl --cacert).
func selfSignedTemplate(hosts []string) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("generate certificate serial: %w", err)
	}
	if len(hosts) == 0 {
		hosts = []string{"localhost", "127.0.0.1", "::1"}
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"ringside"}, CommonName: "ringside self-signed"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(selfSignedLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return tmpl, nil
}

// writeAtomic writes data to name with mode perm through a temporary file
// in the same directory.
func writeAtomic(name string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

func exists(name string) (bool, error) {
	_, err := os.Stat(name)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("check %s: %w", name, err)
}
