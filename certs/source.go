package certs

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/ringside/ringside/internal/filewatch"
)

// pollInterval is how often the certificate and key files are checked for
// changes.
const pollInterval = 2 * time.Second

// Source serves the current certificate to TLS handshakes.
type Source struct {
	certFile, keyFile string
	cert              atomic.Pointer[tls.Certificate]
	watch             *filewatch.Watcher
}

// Load reads certFile and keyFile and watches them for changes.
func Load(certFile, keyFile string) (*Source, error) {
	return load(certFile, keyFile, pollInterval)
}

func load(certFile, keyFile string, every time.Duration) (*Source, error) {
	s := &Source{certFile: certFile, keyFile: keyFile}
	s.watch = filewatch.Start(every, s.changed, certFile, keyFile)
	if err := s.reload(); err != nil {
		s.watch.Close()
		return nil, err
	}
	return s, nil
}

// GetCertificate returns the current certificate; it is the
// tls.Config.GetCertificate of TLSConfig.
func (s *Source) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return s.cert.Load(), nil
}

// Leaf returns the current certificate, parsed.
func (s *Source) Leaf() *x509.Certificate {
	return s.cert.Load().Leaf
}

// TLSConfig returns a server config (TLS 1.2 or newer) using the source.
func (s *Source) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: s.GetCertificate,
	}
}

// Close stops watching the files.
func (s *Source) Close() { s.watch.Close() }

// changed reloads the pair when either file changed. A pair that does not
// load (a certificate renewed before its key is written, say) leaves the
// current one in service; the next change is tried again.
func (s *Source) changed() {
	if err := s.reload(); err != nil {
		slog.Warn("TLS certificate not reloaded; keeping the one in service", "err", err)
		return
	}
	slog.Info("TLS certificate reloaded", "cert", s.certFile, "subject", s.Leaf().Subject.String(),
		"not_after", s.Leaf().NotAfter)
}

// reload loads the pair and puts it in service.
func (s *Source) reload() error {
	pair, err := tls.LoadX509KeyPair(s.certFile, s.keyFile)
	if err != nil {
		return fmt.Errorf("load TLS certificate %s and key %s: %w", s.certFile, s.keyFile, err)
	}
	if pair.Leaf == nil {
		if pair.Leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return fmt.Errorf("parse TLS certificate %s: %w", s.certFile, err)
		}
	}
	s.cert.Store(&pair)
	return nil
}
