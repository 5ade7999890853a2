package testenv

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ringside/ringside/certs"
)

// MinIOOptions tune a MinIO server.
type MinIOOptions struct {
	User, Password string
	// DataDir is where MinIO keeps its data; StartMinIO uses a directory
	// of the test's own when it is empty.
	DataDir string
	// Env is added to MinIO's environment (notification targets, say).
	Env []string
	// TLS, when set, makes MinIO serve HTTPS only, with its certificate.
	TLS *MinIOCert
}

// MinIOCert is a self-signed certificate for 127.0.0.1 in a directory
// laid out as MinIO's --certs-dir wants it: public.crt and private.key.
type MinIOCert struct {
	Dir, CertFile, KeyFile string
	// Roots trusts the certificate and nothing else.
	Roots *x509.CertPool
}

// NewMinIOCert generates a MinIOCert under dir.
func NewMinIOCert(dir string) (*MinIOCert, error) {
	if _, _, err := certs.SelfSigned(dir, []string{"127.0.0.1"}); err != nil {
		return nil, fmt.Errorf("generate a TLS certificate: %w", err)
	}
	c := &MinIOCert{Dir: dir, CertFile: filepath.Join(dir, "public.crt"), KeyFile: filepath.Join(dir, "private.key"), Roots: x509.NewCertPool()}
	for from, to := range map[string]string{certs.SelfSignedCertFile: c.CertFile, certs.SelfSignedKeyFile: c.KeyFile} {
		if err := os.Rename(filepath.Join(dir, from), to); err != nil {
			return nil, fmt.Errorf("name the TLS files as MinIO wants them: %w", err)
		}
	}
	pem, err := os.ReadFile(c.CertFile)
	if err != nil {
		return nil, err
	}
	if !c.Roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in %s", c.CertFile)
	}
	return c, nil
}

// HTTPClient is an HTTP client that trusts the certificate.
func (c *MinIOCert) HTTPClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: c.Roots}}}
}

// MinIO is a MinIO server on a free loopback port, restartable on the
// same address and data dir.
type MinIO struct {
	URL            string
	User, Password string

	bin, addr, console string
	opts               MinIOOptions
	proc               *Process
}

// MinIOBinary is $RINGSIDE_MINIO, or where test/deps.sh installs MinIO.
func MinIOBinary() string {
	if p := os.Getenv("RINGSIDE_MINIO"); p != "" {
		return p
	}
	return filepath.Join(RepoRoot(), ".tools", "minio")
}

// NewMinIO finds the binary and two free ports for a server that Start
// then runs; a missing binary is an error, never a reason to skip.
func NewMinIO(opts MinIOOptions) (*MinIO, error) {
	bin := MinIOBinary()
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("no MinIO server binary at %s (%v): run test/deps.sh to install it, or set RINGSIDE_MINIO", bin, err)
	}
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	console, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	scheme := "http://"
	if opts.TLS != nil {
		scheme = "https://"
	}
	return &MinIO{URL: scheme + addr, User: opts.User, Password: opts.Password,
		bin: bin, addr: addr, console: console, opts: opts}, nil
}

// Start starts (or restarts) the server and waits until it is ready.
func (m *MinIO) Start(ctx context.Context) error {
	env := append(CleanEnv("MINIO_", "AWS_"),
		"MINIO_ROOT_USER="+m.User, "MINIO_ROOT_PASSWORD="+m.Password,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	env = append(env, m.opts.Env...)
	args := []string{"server", "--quiet", "--address", m.addr, "--console-address", m.console}
	if m.opts.TLS != nil {
		args = append(args, "--certs-dir", m.opts.TLS.Dir)
	}
	p, err := StartProcess(m.bin, append(args, m.opts.DataDir), env)
	if err != nil {
		return fmt.Errorf("start MinIO: %w", err)
	}
	m.proc = p
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := WaitHTTPWith(ctx, m.HTTPClient(), m.URL+"/minio/health/ready", p); err != nil {
		return fmt.Errorf("wait for MinIO at %s: %w", m.URL, err)
	}
	return m.waitInitialized(ctx)
}

// waitInitialized waits until MinIO answers S3 requests: a MinIO that
// says it is ready may still refuse them (XMinioServerNotInitialized)
// while it sets its notification targets up.
func (m *MinIO) waitInitialized(ctx context.Context) error {
	c := S3Client(m.URL, m.User, m.Password, m.HTTPClient())
	for {
		_, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("MinIO at %s does not answer S3 requests: %w\n%s", m.URL, err, Tail(m.proc.Logs(), 100))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop ends the server (thawing it first, should it be frozen).
func (m *MinIO) Stop() {
	if m.proc != nil {
		_ = m.proc.Signal(syscall.SIGCONT)
		m.proc.Stop(10 * time.Second)
	}
}

// HTTPClient is a client for the server: one that trusts its
// certificate when it serves HTTPS.
func (m *MinIO) HTTPClient() *http.Client {
	if m.opts.TLS != nil {
		return m.opts.TLS.HTTPClient()
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// Proc is the server's current process.
func (m *MinIO) Proc() *Process { return m.proc }

// StartMinIO runs a MinIO server of the test's own, stopped when the test
// ends, its output logged if the test failed.
func StartMinIO(t testing.TB, opts MinIOOptions) *MinIO {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	m, err := NewMinIO(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		m.Stop()
		if t.Failed() && m.proc != nil {
			t.Logf("MinIO output:\n%s", Tail(m.proc.Logs(), 100))
		}
	})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m
}
