package backend

import (
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
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
			// Over TLS too the body must arrive as sent, not aws-chunked,
			// and whole across the bulk buffers its records are
			// gathered by.
			body := randomBytes(t, 3*bulkBufferSize+12345)
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

// readSizes records the size of each read asked of it.
type readSizes struct {
	r     io.Reader
	asked []int
}

func (s *readSizes) Read(p []byte) (int, error) {
	s.asked = append(s.asked, len(p))
	return s.r.Read(p)
}

func TestBulkConnCopiesBodiesInLargeReads(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	dial := bulkDial(&net.Dialer{})
	for _, size := range []int{0, 1, bulkBufferSize - 1, bulkBufferSize + 1, 3*bulkBufferSize + 77} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			got := receive(ln, -1)
			conn, err := dial(context.Background(), "tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			bc, ok := conn.(bulkConn)
			if !ok {
				t.Fatalf("dialed a %T, want a bulkConn", conn)
			}
			body := randomBytes(t, size)
			src := &readSizes{r: bytes.NewReader(body)}
			// As Go's transport hands a body of known length over.
			n, err := io.Copy(conn, io.LimitReader(src, int64(size)))
			if err != nil || n != int64(size) {
				t.Fatalf("copied %d bytes, error %v", n, err)
			}
			if err := bc.CloseWrite(); err != nil {
				t.Fatal(err)
			}
			if b := <-got; !bytes.Equal(b, body) {
				t.Fatalf("received %d bytes, not the %d sent", len(b), size)
			}
			conn.Close()
			if size > bulkBufferSize && src.asked[0] != bulkBufferSize {
				t.Fatalf("first read asked %d bytes, want %d", src.asked[0], bulkBufferSize)
			}
		})
	}
}

// receive accepts one connection of ln and sends what it read: limit
// bytes, or until the connection ends when limit is negative; nil when
// the accept failed.
func receive(ln net.Listener, limit int64) <-chan []byte {
	got := make(chan []byte, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer conn.Close()
		var r io.Reader = conn
		if limit >= 0 {
			r = io.LimitReader(conn, limit)
		}
		b, _ := io.ReadAll(r)
		got <- b
	}()
	return got
}
