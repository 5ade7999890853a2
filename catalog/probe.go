package catalog

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// The errors of reaching a backend that an operator can fix, each named
// with its fix in the first line: the SDK's wrapping says where the error
// went through, not what is wrong.

// tlsDialTimeout bounds the handshake that tells whether a server
// reached over http:// speaks TLS.
const tlsDialTimeout = 3 * time.Second

// connectionAdvice names a TLS or scheme mistake behind err, or is nil.
func connectionAdvice(l index.Location, err error) error {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var hostname x509.HostnameError
	switch {
	case errors.As(err, &unknown):
		return s3err.New(s3err.InvalidArgument,
			"The backend at %s presented a certificate signed by an unknown authority: give the CA that signed it with --ca-file FILE, or (test rigs only) --insecure-skip-verify.",
			l.Endpoint)
	case errors.As(err, &hostname):
		return s3err.New(s3err.InvalidArgument,
			"The backend's certificate is not valid for %s (%v): use an endpoint name the certificate covers, or (test rigs only) --insecure-skip-verify.",
			l.Endpoint, hostname.Error())
	case errors.As(err, &invalid):
		return s3err.New(s3err.InvalidArgument,
			"The backend at %s presented an invalid certificate (%v): renew it, or give the right CA with --ca-file FILE.",
			l.Endpoint, invalid.Error())
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"),
		strings.Contains(err.Error(), "first record does not look like a TLS handshake"):
		return wrongScheme(l, "http")
	}
	return nil
}

// wrongScheme is the refusal of an endpoint whose server speaks the other
// protocol.
func wrongScheme(l index.Location, want string) error {
	u, _ := url.Parse(l.Endpoint)
	got := "http"
	if want == "http" {
		got = "https"
	}
	return s3err.New(s3err.InvalidArgument,
		"Wrong scheme: the server at %s speaks %s, not %s: use --endpoint %s://%s.",
		u.Host, strings.ToUpper(want), strings.ToUpper(got), want, u.Host)
}

// speaksTLS reports whether the server at a plain-HTTP endpoint answers a
// TLS handshake; only its willingness matters, not its certificate.
func speaksTLS(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: tlsDialTimeout},
		Config: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // only asks whether TLS is spoken; nothing is sent
	ctx, cancel := context.WithTimeout(context.Background(), tlsDialTimeout)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// rootCause is the part of err that says what went wrong: the network
// error under the SDK's wrapping, when there is one.
func rootCause(err error) string {
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
