package s3auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/rclone/gofakes3"
	"github.com/rclone/gofakes3/s3mem"

	"github.com/ringside/ringside/internal/sigv4"
)

// The authentication tests run the authenticator in front of gofakes3 over
// an in-memory backend, with a recorder in between that notes how much of
// each body the handler read and how the reading ended.

const (
	testAccessKey = "AKIDRINGSIDETEST"
	// A secret with the characters that trip naive signers.
	testSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY="
	testRegion    = "us-east-1"
	testBucket    = "bucket"
)

// sinkRead is what the handler behind the authenticator read of one body.
type sinkRead struct {
	method, path string
	n            int64 // bytes read
	eof          bool  // the body ended cleanly
	err          error // the read error, if reading failed
	header       http.Header
}

// recordingSink notes every request that reaches it, then hands it on.
type recordingSink struct {
	next  http.Handler
	mu    sync.Mutex
	reads []sinkRead
}

func (s *recordingSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body := &recordingBody{src: r.Body}
	r.Body = body
	s.next.ServeHTTP(w, r)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads = append(s.reads, sinkRead{
		method: r.Method, path: r.URL.Path,
		n: body.n.Load(), eof: body.eof.Load(), err: body.error(),
		header: r.Header.Clone(),
	})
}

// since returns the reads recorded after the first k.
func (s *recordingSink) since(k int) []sinkRead {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sinkRead(nil), s.reads[k:]...)
}

// lastPut returns the last PUT of key recorded.
func (s *recordingSink) lastPut(key string) sinkRead {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.reads) - 1; i >= 0; i-- {
		if s.reads[i].method == "PUT" && s.reads[i].path == "/"+testBucket+"/"+key {
			return s.reads[i]
		}
	}
	return sinkRead{}
}

func (s *recordingSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reads)
}

type recordingBody struct {
	src io.ReadCloser
	n   atomic.Int64
	eof atomic.Bool
	mu  sync.Mutex
	err error
}

func (b *recordingBody) Read(p []byte) (int, error) {
	k, err := b.src.Read(p)
	b.n.Add(int64(k))
	switch {
	case err == io.EOF:
		b.eof.Store(true)
	case err != nil:
		b.mu.Lock()
		if b.err == nil {
			b.err = err
		}
		b.mu.Unlock()
	}
	return k, err
}

func (b *recordingBody) Close() error { return b.src.Close() }

func (b *recordingBody) error() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// testClock is the authenticator's clock, shifted from the real one.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) now() time.Time        { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) shift(d time.Duration) { c.offset.Add(int64(d)) }
func (c *testClock) set(t time.Time)       { c.offset.Store(int64(time.Until(t))) }

// fixedClock is a clock stopped at t.
func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// authFixture is an HTTP or HTTPS server with the authenticator in front
// of the recorder and gofakes3.
type authFixture struct {
	t     *testing.T
	srv   *httptest.Server
	sink  *recordingSink
	auth  *Authenticator
	clock *testClock
}

type fixtureOptions struct {
	tls       bool
	credsFile string
	poll      time.Duration
	log       *slog.Logger
}

func newAuthFixture(t *testing.T, opts fixtureOptions) *authFixture {
	t.Helper()
	clock := &testClock{}
	poll := opts.poll
	if poll == 0 {
		poll = time.Hour
	}
	auth, err := newWith(Config{
		Credentials:     map[string]string{testAccessKey: testSecretKey},
		CredentialsFile: opts.credsFile,
		Logger:          opts.log,
	}, poll, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(auth.Close)
	fake := gofakes3.New(s3mem.New(), gofakes3.WithAutoBucket(true), gofakes3.WithTimeSkewLimit(0))
	sink := &recordingSink{next: fake.Server()}
	handler := auth.Middleware(sink)
	var srv *httptest.Server
	if opts.tls {
		srv = httptest.NewTLSServer(handler)
	} else {
		srv = httptest.NewServer(handler)
	}
	t.Cleanup(srv.Close)
	return &authFixture{t: t, srv: srv, sink: sink, auth: auth, clock: clock}
}

// client is an aws-sdk-go-v2 S3 client with its default settings (and no
// retries, so each call is one request).
func (f *authFixture) client(accessKey, secretKey string, optFns ...func(*s3.Options)) *s3.Client {
	opts := s3.Options{
		Region:       testRegion,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		BaseEndpoint: aws.String(f.srv.URL),
		UsePathStyle: true,
		HTTPClient:   f.srv.Client(),
		// config.LoadDefaultConfig's defaults, which s3.New alone leaves
		// unset: checksums whenever supported (aws-chunked with a trailing
		// checksum over HTTPS).
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
		// One attempt per call: a refused request must not be sent again.
		RetryMaxAttempts: 1,
		DisableLogOutputChecksumValidationSkipped: true,
	}
	return s3.New(opts, optFns...)
}

// do sends a request made by the test.
func (f *authFixture) do(req *http.Request) *http.Response {
	f.t.Helper()
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	f.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// object reads an object back through the authenticator.
func (f *authFixture) object(key string) []byte {
	f.t.Helper()
	out, err := f.client(testAccessKey, testSecretKey).GetObject(context.Background(), &s3.GetObjectInput{
		Bucket: aws.String(testBucket), Key: aws.String(key),
	})
	if err != nil {
		f.t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		f.t.Fatalf("read %s: %v", key, err)
	}
	return data
}

// missing reports whether an object does not exist.
func (f *authFixture) missing(key string) bool {
	f.t.Helper()
	_, err := f.client(testAccessKey, testSecretKey).HeadObject(context.Background(), &s3.HeadObjectInput{
		Bucket: aws.String(testBucket), Key: aws.String(key),
	})
	var nf interface{ ErrorCode() string }
	if errors.As(err, &nf) && (nf.ErrorCode() == "NotFound" || nf.ErrorCode() == "NoSuchKey") {
		return true
	}
	if err != nil {
		f.t.Fatalf("head %s: %v", key, err)
	}
	return false
}

// url is the path-style URL of a key.
func (f *authFixture) url(key string) string {
	return f.srv.URL + "/" + testBucket + "/" + sigv4.URIEncode(key, false)
}

// signedRequest makes a request signed by the SDK's v4 signer at t with
// the test credentials and the given payload hash (sent as
// X-Amz-Content-Sha256).
func (f *authFixture) signedRequest(method, url string, body []byte, payloadHash string, t time.Time, header http.Header) *http.Request {
	f.t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	for k, v := range header {
		req.Header[k] = v
	}
	signRequest(f.t, req, testAccessKey, testSecretKey, payloadHash, t)
	return req
}

// signRequest signs req as aws-sdk-go-v2 signs S3 requests.
func signRequest(t *testing.T, req *http.Request, accessKey, secretKey, payloadHash string, at time.Time) {
	t.Helper()
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey}
	if err := signer.SignHTTP(context.Background(), creds, req, payloadHash, "s3", testRegion, at); err != nil {
		t.Fatal(err)
	}
}

// s3ErrorOf reads the S3 error code of a response.
func s3ErrorOf(t *testing.T, resp *http.Response) string {
	t.Helper()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Code string `xml:"Code"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("status %d, body %q is not an S3 error: %v", resp.StatusCode, data, err)
	}
	return doc.Code
}

// payload is n pseudo-random bytes.
func payload(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// seedSignature is the signature in a signed request's Authorization.
func seedSignature(req *http.Request) string {
	_, sig, _ := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	return sig
}
