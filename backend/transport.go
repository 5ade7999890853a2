package backend

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"

	"github.com/ringside/ringside/internal/tcpbuf"
)

// Transport settings for a sidecar: many requests in parallel to one
// backend, over connections kept open. No timeout covers the response as a
// whole, which would cut off a slow large GET; requests are bounded by
// their context and by the Timeouts the guarded round tripper enforces.
const (
	maxIdleConns          = 256
	keepAlive             = 30 * time.Second
	idleConnTimeout       = 90 * time.Second
	expectContinueTimeout = 1 * time.Second
	ioBufferSize          = 64 << 10
)

// newTransport builds the HTTP transport of one backend.
func newTransport(cfg Config) (*http.Transport, error) {
	roots, err := trustedRoots(cfg.CAFile)
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: cfg.Timeouts.Connect, KeepAlive: keepAlive}
	tlsConfig := &tls.Config{
		RootCAs:            roots,
		InsecureSkipVerify: cfg.InsecureSkipVerify, //nolint:gosec // the operator's explicit choice for this location
		MinVersion:         tls.VersionTLS12,
	}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           bulkDial(dialer),
		DialTLSContext:        dialTLS(dialer, tlsConfig, cfg.Timeouts.Connect),
		MaxIdleConns:          maxIdleConns,
		MaxIdleConnsPerHost:   maxIdleConns,
		IdleConnTimeout:       idleConnTimeout,
		TLSHandshakeTimeout:   cfg.Timeouts.Connect,
		ExpectContinueTimeout: expectContinueTimeout,
		// Object bodies pass through byte for byte: never ask for gzip
		// and decode it behind the caller's back.
		DisableCompression: true,
		WriteBufferSize:    ioBufferSize,
		ReadBufferSize:     ioBufferSize,
		// Through a proxy, the transport runs TLS itself with this.
		TLSClientConfig: tlsConfig,
	}, nil
}

// bulkDial dials as dialer does, giving plain TCP connections bulkConn's
// ReadFrom and the socket buffers tcpbuf sizes.
func bulkDial(dialer *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dialer.DialContext(ctx, network, addr)
		if tc, ok := conn.(*net.TCPConn); ok && err == nil {
			tcpbuf.Set(tc)
			return bulkConn{tc}, nil
		}
		return conn, err
	}
}

// bulkConn is a TCP connection that copies a request body to itself
// through a buffer of bulkBufferSize. Go's transport hands a body to
// the connection's ReadFrom, and a TCP connection's own ReadFrom copies
// anything it cannot splice (a PUT body read from a client and hashed on
// the way is never spliceable) 32 KiB at a time.
type bulkConn struct{ *net.TCPConn }

// bulkBufferSize is the size of the reads and writes of a body sent to
// the backend: a large PUT takes an eighth of the system calls of 32 KiB.
const bulkBufferSize = 256 << 10

var bulkBuffers = sync.Pool{New: func() any {
	b := make([]byte, bulkBufferSize)
	return &b
}}

func (c bulkConn) ReadFrom(r io.Reader) (int64, error) {
	buf := bulkBuffers.Get().(*[]byte)
	defer bulkBuffers.Put(buf)
	return io.CopyBuffer(writerOnly{c.TCPConn}, r, *buf)
}

// writerOnly hides the ReadFrom of a writer from io.CopyBuffer.
type writerOnly struct{ w io.Writer }

func (w writerOnly) Write(p []byte) (int, error) { return w.w.Write(p) }

// trustedRoots is the system's roots plus the PEM bundle named by
// $AWS_CA_BUNDLE, as the AWS tools honour it, plus caFile.
func trustedRoots(caFile string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if env := os.Getenv("AWS_CA_BUNDLE"); env != "" {
		if err := addPEM(pool, env); err != nil {
			return nil, fmt.Errorf("trust the CA bundle named by AWS_CA_BUNDLE: %w", err)
		}
	}
	if caFile != "" {
		if err := addPEM(pool, caFile); err != nil {
			return nil, fmt.Errorf("trust the backend CA file: %w", err)
		}
	}
	return pool, nil
}

func addPEM(pool *x509.CertPool, path string) error {
	pem, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !pool.AppendCertsFromPEM(pem) {
		return fmt.Errorf("%s holds no PEM certificate", path)
	}
	return nil
}

// observed tells Config.Observe of every HTTP attempt made to the backend:
// retries count one each, and the duration runs until the response
// headers arrive (a GET's body is streamed afterwards, at the caller's
// pace).
type observed struct {
	next    http.RoundTripper
	observe func(op string, status int, d time.Duration)
}

func (o observed) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := o.next.RoundTrip(r)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	o.observe(operation(r.Context()), status, time.Since(start))
	return resp, err
}

// opKey carries the operation name of a request made outside the SDK.
type opKey struct{}

func withOperation(ctx context.Context, op string) context.Context {
	return context.WithValue(ctx, opKey{}, op)
}

// memoryBodyKey marks a request whose body is held whole in memory.
type memoryBodyKey struct{}

// withMemoryBody marks the requests made with ctx as sending a body read
// whole beforehand: reading it takes none of the caller's time, and it
// must reach the transport as the in-memory reader it is, which Go's
// transport writes together with the headers (see guarded).
func withMemoryBody(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoryBodyKey{}, true)
}

// hasMemoryBody reports whether ctx was marked by withMemoryBody.
func hasMemoryBody(ctx context.Context) bool {
	mem, _ := ctx.Value(memoryBodyKey{}).(bool)
	return mem
}

// operation names the S3 operation a request belongs to.
func operation(ctx context.Context) string {
	if op, ok := ctx.Value(opKey{}).(string); ok {
		return op
	}
	if op := awsmiddleware.GetOperationName(ctx); op != "" {
		return op
	}
	return "Unknown"
}
