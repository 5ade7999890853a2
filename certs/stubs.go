// Package certs owns ringside's TLS: loading a certificate and key and
// reloading them when the files change, generating a self-signed pair under
// the data directory, and the trust used for backend endpoints.
package certs

// Stubs: replaced by the implementation.

import "crypto/tls"

// Source serves the current certificate to TLS handshakes.
type Source struct{}

// Load reads certFile and keyFile and watches them for changes.
func Load(certFile, keyFile string) (*Source, error) { panic("todo") }

// SelfSigned loads (or, on first start, generates) a self-signed pair under
// dir and returns it with the certificate's SHA-256 fingerprint.
func SelfSigned(dir string, hosts []string) (*Source, string, error) { panic("todo") }

// TLSConfig returns a server config (TLS 1.2 or newer) using the source.
func (s *Source) TLSConfig() *tls.Config { panic("todo") }

// Close stops watching the files.
func (s *Source) Close() {}
