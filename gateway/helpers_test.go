package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/embedded"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/mirror"
	"github.com/ringside/ringside/objcache"
)

// Test keys: the gateway's client key pair and the backend's.
const (
	clientAccess  = "client-access"
	clientSecret  = "client-secret-key-0123456789"
	backendAccess = "backend-access"
	backendSecret = "backend-secret-key-0123456789"
)

// s3Env is a gateway over a real listener, with an embedded backend holding
// the versioned buckets "ring" and "shared", and two locations: "ring"
// (no prefix, target bucket ring) and "shared" (prefix mode, target bucket
// shared).
type s3Env struct {
	t       *testing.T
	g       *Gateway
	cat     *catalog.Catalog
	mirror  *mirror.Manager // built, not started: a test that needs passes starts it
	db      *index.DB
	dir     string               // the index's directory; "" when it is in memory
	edit    func(*Config)        // changes the gateway's configuration at each start, if set
	opts    *index.Options       // opens the index in dir with these, if set
	reg     *prometheus.Registry // the gateway's metrics
	srv     *httptest.Server
	backend *embedded.Server
	url     string
	s3      *s3.Client // through the gateway
	direct  *s3.Client // straight to the backend
}

func newS3Env(t *testing.T) *s3Env { return newS3EnvIn(t, "") }

// newS3EnvIn is newS3Env with the index in dir ("" for memory); an index
// in a directory lets the gateway be restarted over it.
func newS3EnvIn(t *testing.T, dir string) *s3Env {
	t.Helper()
	return newS3EnvWith(t, dir, nil)
}

// newS3EnvWith is newS3EnvIn with edit changing the gateway's
// configuration first.
func newS3EnvWith(t *testing.T, dir string, edit func(*Config)) *s3Env {
	t.Helper()
	be, err := embedded.Start("127.0.0.1:0", backendAccess, backendSecret, "ring", "shared")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	e := &s3Env{t: t, dir: dir, edit: edit, backend: be, direct: newS3Client(be.URL(), backendAccess, backendSecret)}
	e.start()
	t.Cleanup(e.stop)
	e.addLocation("ring", "ring", true)
	e.addLocation("shared", "shared", false)
	return e
}

// start opens the index and serves a new gateway over it.
func (e *s3Env) start() {
	e.t.Helper()
	var err error
	switch {
	case e.opts != nil:
		e.db, err = index.OpenWith(e.dir, *e.opts)
	case e.dir == "":
		e.db, err = index.OpenInMemory()
	default:
		e.db, err = index.Open(e.dir)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	e.reg = prometheus.NewRegistry()
	e.cat, err = catalog.New(catalog.Config{DB: e.db, Observe: BackendObserver(e.reg)})
	if err != nil {
		e.t.Fatal(err)
	}
	e.mirror = mirror.New(e.db, mirror.FromCatalog(e.cat.Resolve), mirror.Options{Interval: 20 * time.Millisecond})
	cfg := Config{DB: e.db, Catalog: e.cat, Mirror: e.mirror, Credentials: map[string]string{clientAccess: clientSecret}, Registerer: e.reg}
	if e.edit != nil {
		e.edit(&cfg)
	}
	e.g, err = New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	// Served as ringside serves it, on connections that can hold back an
	// answer.
	e.srv = httptest.NewUnstartedServer(e.g.Handler())
	e.srv.Listener = Listener(e.srv.Config, e.srv.Listener)
	e.srv.Start()
	e.url = e.srv.URL
	e.s3 = newS3Client(e.srv.URL, clientAccess, clientSecret)
}

// stop stops the gateway and closes its index.
func (e *s3Env) stop() {
	e.srv.Close()
	e.g.Close()
	e.mirror.Close()
	if err := e.db.Close(); err != nil {
		e.t.Errorf("close the index: %v", err)
	}
}

// restart stops the gateway and starts a new one over the same index and
// backend, as a restart of the process would.
func (e *s3Env) restart() {
	e.t.Helper()
	if e.dir == "" {
		e.t.Fatal("restart: the index is in memory")
	}
	e.stop()
	e.start()
}

func newS3Client(endpoint, access, secret string) *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(endpoint),
		Region:       "us-east-1",
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(access, secret, ""),
		Retryer:      aws.NopRetryer{},
		// The tests read what they wrote; a response checksum would
		// only slow them down.
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// location is a location on the test backend.
func (e *s3Env) location(name, bucket string, noPrefix bool) index.Location {
	return index.Location{
		Name: name, Endpoint: e.backend.URL(), AccessKey: backendAccess, SecretKey: backendSecret,
		TargetBucket: bucket, NoPrefix: noPrefix,
	}
}

func (e *s3Env) addLocation(name, bucket string, noPrefix bool) {
	e.t.Helper()
	if _, err := e.cat.AddLocation(context.Background(), e.location(name, bucket, noPrefix)); err != nil {
		e.t.Fatalf("add location %s: %v", name, err)
	}
}

// createBucket creates a gateway bucket over S3 with a location constraint.
func (e *s3Env) createBucket(name, constraint string) {
	e.t.Helper()
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	if constraint != "" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{
			LocationConstraint: s3types.BucketLocationConstraint(constraint)}
	}
	if _, err := e.s3.CreateBucket(context.Background(), in); err != nil {
		e.t.Fatalf("create bucket %s at %q: %v", name, constraint, err)
	}
}

// put writes an object through the gateway and returns its version ID.
func (e *s3Env) put(bucket, key, body string, opts ...func(*s3.PutObjectInput)) *s3.PutObjectOutput {
	e.t.Helper()
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}
	for _, o := range opts {
		o(in)
	}
	out, err := e.s3.PutObject(context.Background(), in)
	if err != nil {
		e.t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
	return out
}

// get reads an object through the gateway.
func (e *s3Env) get(bucket, key string, opts ...func(*s3.GetObjectInput)) (*s3.GetObjectOutput, string) {
	e.t.Helper()
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	for _, o := range opts {
		o(in)
	}
	out, err := e.s3.GetObject(context.Background(), in)
	if err != nil {
		e.t.Fatalf("get %s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		e.t.Fatalf("read %s/%s: %v", bucket, key, err)
	}
	return out, string(b)
}

// directGet reads an object straight from the backend.
func (e *s3Env) directGet(bucket, key string) (*s3.GetObjectOutput, string, error) {
	out, err := e.direct.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, "", err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return out, string(b), err
}

// rawChunked sends a body with chunked transfer encoding and no length.
func (e *s3Env) rawChunked(method, path, body string) *http.Response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, io.NopCloser(strings.NewReader(body)))
	if err != nil {
		e.t.Fatal(err)
	}
	req.ContentLength = -1
	req.TransferEncoding = []string{"chunked"}
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	creds := aws.Credentials{AccessKeyID: clientAccess, SecretAccessKey: clientSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// apiErrorCode is the S3 error code of err, or "" if it has none.
func apiErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// wantS3Code fails unless err has the S3 error code want.
func wantS3Code(t *testing.T, err error, want string) {
	t.Helper()
	if got := apiErrorCode(err); got != want {
		t.Fatalf("error code = %q (%v), want %s", got, err, want)
	}
}

// httpStatusOf is the HTTP status of an SDK error.
func httpStatusOf(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// backendKeys lists every key in a backend bucket.
func (e *s3Env) backendKeys(bucket string) []string {
	e.t.Helper()
	out, err := e.direct.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		e.t.Fatalf("list backend bucket %s: %v", bucket, err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

// bucketNames lists the gateway buckets in the index.
func (e *s3Env) bucketNames() []string {
	e.t.Helper()
	bs, err := e.db.ListBuckets()
	if err != nil {
		e.t.Fatal(err)
	}
	var names []string
	for _, b := range bs {
		names = append(names, b.Name)
	}
	return names
}

// deleteAllVersions removes every version and delete marker of bucket
// through the gateway.
func (e *s3Env) deleteAllVersions(bucket string) {
	e.t.Helper()
	ctx := context.Background()
	out, err := e.s3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
	if err != nil {
		e.t.Fatal(err)
	}
	type ref struct{ key, id *string }
	var refs []ref
	for _, v := range out.Versions {
		refs = append(refs, ref{v.Key, v.VersionId})
	}
	for _, m := range out.DeleteMarkers {
		refs = append(refs, ref{m.Key, m.VersionId})
	}
	for _, r := range refs {
		if _, err := e.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: r.key, VersionId: r.id}); err != nil {
			e.t.Fatal(err)
		}
	}
}

// newGatewayOver builds a gateway with its catalog and an ingester (not
// started) over db, closed when the test ends.
func newGatewayOver(tb testing.TB, db *index.DB, reg prometheus.Registerer) (*Gateway, *catalog.Catalog) {
	return newGatewayOverWith(tb, db, reg, nil)
}

// newGatewayOverWith is newGatewayOver with edit, if not nil, changing
// the gateway's configuration first (its caches).
func newGatewayOverWith(tb testing.TB, db *index.DB, reg prometheus.Registerer, edit func(*Config)) (*Gateway, *catalog.Catalog) {
	tb.Helper()
	cat, err := catalog.New(catalog.Config{DB: db, Observe: BackendObserver(reg)})
	if err != nil {
		tb.Fatal(err)
	}
	m := mirror.New(db, mirror.FromCatalog(cat.Resolve), mirror.Options{})
	tb.Cleanup(m.Close)
	cfg := Config{DB: db, Catalog: cat, Mirror: m, Credentials: map[string]string{clientAccess: clientSecret}, Registerer: reg}
	if edit != nil {
		edit(&cfg)
	}
	g, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { g.Close() })
	return g, cat
}

// benchGateway is a gateway (with cache, if not nil) over an embedded
// backend and an index in memory, with a bucket "bench" on it.
func benchGateway(b *testing.B, reg prometheus.Registerer, cache *objcache.Cache) (*Gateway, *index.DB) {
	return benchGatewayWith(b, reg, func(cfg *Config) { cfg.Cache = cache })
}

// benchGatewayWith is benchGateway with edit changing the gateway's
// configuration first.
func benchGatewayWith(b *testing.B, reg prometheus.Registerer, edit func(*Config)) (*Gateway, *index.DB) {
	be, err := embedded.Start("127.0.0.1:0", backendAccess, backendSecret, "shared")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { be.Close() })
	db, err := index.OpenInMemory()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	g, cat := newGatewayOverWith(b, db, reg, edit)
	ctx := context.Background()
	if _, err := cat.AddLocation(ctx, index.Location{Name: "shared", Endpoint: be.URL(), AccessKey: backendAccess,
		SecretKey: backendSecret, TargetBucket: "shared"}); err != nil {
		b.Fatal(err)
	}
	if _, err := cat.CreateBucket(ctx, "bench", "shared", false, nil); err != nil {
		b.Fatal(err)
	}
	return g, db
}
