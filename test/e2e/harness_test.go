package e2e

// The harness: the ringside binary (built once per run), the backends the
// suite runs against (embedded fake and MinIO, started once per run and
// shared, each test using buckets of its own), and ringside gateway
// processes (one or more per test, each with its own data dir and ports).

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ringside/ringside/admin"
	"github.com/ringside/ringside/embedded"
	"github.com/ringside/ringside/test/testenv"
)

// Keys of the gateway's S3 clients and of the backends. The tests check
// that none of the secrets ever shows up in ringside's logs or CLI output.
const (
	gwAccessKey  = "E2EGATEWAYKEY"
	gwSecretKey  = "e2e-gateway-secret-Zq81"
	adminToken   = "e2e-admin-token-Vt42"
	embAccessKey = "E2EEMBEDDEDKEY"
	embSecretKey = "e2e-embedded-secret-Kp55"
	minAccessKey = "e2eminioroot"
	minSecretKey = "e2e-minio-secret-Wd73"
)

var ringsideBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	code := testenv.RunWithRingside(m, &ringsideBin)
	for _, k := range backendKinds {
		k.close()
	}
	return code
}

// ---------------------------------------------------------------------------
// Backends

// Backend is a running S3 server that ringside locations point at.
type Backend struct {
	Kind      string
	URL       string
	AccessKey string
	SecretKey string
	S3        *s3.Client
}

type backendKind struct {
	name  string
	start func() (*Backend, func(), error)

	once sync.Once
	be   *Backend
	stop func()
	err  error
}

var backendKinds = []*backendKind{
	{name: "embedded", start: startEmbedded},
	{name: "minio", start: startMinIO},
}

// get starts the backend on first use; a backend that cannot start fails
// the test (a missing MinIO is an error, never a skip).
func (k *backendKind) get(t *testing.T) *Backend {
	t.Helper()
	k.once.Do(func() { k.be, k.stop, k.err = k.start() })
	if k.err != nil {
		t.Fatalf("start the %s backend: %v", k.name, k.err)
	}
	return k.be
}

func (k *backendKind) close() {
	if k.stop != nil {
		k.stop()
	}
}

// forEachBackend runs f as a parallel subtest per backend.
func forEachBackend(t *testing.T, f func(t *testing.T, be *Backend)) {
	for _, k := range backendKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			f(t, k.get(t))
		})
	}
}

func startEmbedded() (*Backend, func(), error) {
	srv, err := embedded.Start("127.0.0.1:0", embAccessKey, embSecretKey)
	if err != nil {
		return nil, nil, err
	}
	be := &Backend{Kind: "embedded", URL: srv.URL(), AccessKey: embAccessKey, SecretKey: embSecretKey}
	be.S3 = newS3Client(be.URL, be.AccessKey, be.SecretKey)
	return be, func() { srv.Close() }, nil
}

func startMinIO() (*Backend, func(), error) {
	dataDir, err := os.MkdirTemp("", "ringside-e2e-minio-")
	if err != nil {
		return nil, nil, err
	}
	m, err := testenv.NewMinIO(testenv.MinIOOptions{User: minAccessKey, Password: minSecretKey, DataDir: dataDir})
	if err != nil {
		os.RemoveAll(dataDir)
		return nil, nil, err
	}
	stop := func() {
		m.Stop()
		os.RemoveAll(dataDir)
	}
	if err := m.Start(context.Background()); err != nil {
		stop()
		return nil, nil, err
	}
	be := &Backend{Kind: "minio", URL: m.URL, AccessKey: minAccessKey, SecretKey: minSecretKey}
	be.S3 = newS3Client(m.URL, minAccessKey, minSecretKey)
	return be, stop, nil
}

var bucketSeq atomic.Int64

// NewBucket creates a backend bucket with a name unique in this run,
// versioning Enabled if asked (otherwise never configured).
func (be *Backend) NewBucket(t *testing.T, hint string, versioned bool) string {
	t.Helper()
	name := fmt.Sprintf("%s-%d", hint, bucketSeq.Add(1))
	if err := testenv.CreateBucket(context.Background(), be.S3, name, versioned); err != nil {
		t.Fatalf("backend %s: %v", be.Kind, err)
	}
	return name
}

// newS3Client is the suite's S3 client of an endpoint.
func newS3Client(endpoint, ak, sk string) *s3.Client {
	return testenv.S3Client(endpoint, ak, sk, nil)
}

// ---------------------------------------------------------------------------
// Gateway processes

// GatewayOptions tune a `ringside serve` process.
type GatewayOptions struct {
	MirrorInterval  string // default 200ms
	DefaultLocation string
	Domain          string // --domain, if set
}

// Gateway is a `ringside serve` process, restartable on the same ports and
// data dir.
type Gateway struct {
	t        *testing.T
	DataDir  string
	S3URL    string
	AdminURL string
	S3       *s3.Client
	Admin    *admin.Client

	srv  testenv.Serve
	opts GatewayOptions
	proc *testenv.Process
	runs []*testenv.Process // every run, for the logs
}

// startGateway runs `ringside serve` on free loopback ports with a fresh
// data dir; it is stopped (SIGTERM) when the test ends, and its logs are
// printed if the test failed.
func startGateway(t *testing.T, opts GatewayOptions) *Gateway {
	t.Helper()
	if opts.MirrorInterval == "" {
		opts.MirrorInterval = "200ms"
	}
	g := newGateway(t, opts)
	g.S3URL = "http://" + g.srv.S3Addr
	g.S3 = newS3Client(g.S3URL, gwAccessKey, gwSecretKey)
	g.Admin = admin.NewClient(g.AdminURL, adminToken, nil)
	t.Cleanup(g.cleanup)
	g.Start()
	return g
}

// newGateway picks the ports and data dir of a gateway not yet started.
func newGateway(t *testing.T, opts GatewayOptions) *Gateway {
	g := &Gateway{t: t, DataDir: t.TempDir(), opts: opts}
	g.srv = testenv.Serve{Bin: ringsideBin, S3Addr: testenv.Addr(t), AdminAddr: testenv.Addr(t), DataDir: g.DataDir,
		AccessKey: gwAccessKey, SecretKey: gwSecretKey, AdminToken: adminToken}
	g.AdminURL = g.srv.AdminURL()
	return g
}

// Start starts (or restarts) the process and waits until /readyz answers.
func (g *Gateway) Start() {
	g.t.Helper()
	if g.proc != nil && !g.proc.Exited() {
		g.t.Fatalf("ringside serve is already running")
	}
	flags := []string{"--mirror-interval", g.opts.MirrorInterval}
	if g.opts.DefaultLocation != "" {
		flags = append(flags, "--default-location", g.opts.DefaultLocation)
	}
	if g.opts.Domain != "" {
		flags = append(flags, "--domain", g.opts.Domain)
	}
	g.run(flags...)
}

// run starts the process with flags and waits until it is ready.
func (g *Gateway) run(flags ...string) {
	g.t.Helper()
	p, err := g.srv.Start(flags...)
	if p != nil {
		g.proc = p
		g.runs = append(g.runs, p)
	}
	if err != nil {
		g.t.Fatal(err)
	}
}

// Stop sends SIGTERM and waits for the process to end; a gateway that does
// not shut down in time, or not cleanly, is an error.
func (g *Gateway) Stop() {
	g.t.Helper()
	if g.proc == nil || g.proc.Exited() {
		return
	}
	if !g.proc.Stop(30 * time.Second) {
		g.t.Errorf("ringside serve did not stop within 30s of SIGTERM")
	} else if err := g.proc.Err(); err != nil {
		g.t.Errorf("ringside serve exited with %v on SIGTERM, want a clean exit", err)
	}
}

// Kill ends the process with SIGKILL, as a crash would.
func (g *Gateway) Kill() {
	g.t.Helper()
	if g.proc == nil || g.proc.Exited() {
		g.t.Fatalf("ringside serve is not running, cannot kill it")
	}
	g.proc.Kill()
}

// Logs is everything every run of this gateway printed.
func (g *Gateway) Logs() string {
	return testenv.RunLogs("ringside serve", g.runs)
}

func (g *Gateway) cleanup() {
	g.Stop()
	logs := g.Logs()
	for _, secret := range []string{gwSecretKey, adminToken, embSecretKey, minSecretKey} {
		if strings.Contains(logs, secret) {
			g.t.Errorf("a secret (%s...) appears in ringside's logs", secret[:6])
		}
	}
	if g.t.Failed() {
		g.t.Logf("ringside logs (data dir %s):\n%s", g.DataDir, testenv.Tail(logs, 400))
	}
}

// CLI runs the ringside binary against this gateway's admin API (its URL
// and token given through the environment, as a user's shell would) and
// returns its combined output.
func (g *Gateway) CLI(args ...string) (string, error) {
	return g.srv.CLI(args...)
}

// MustCLI is CLI that fails the test on error. Its output must never
// contain a secret.
func (g *Gateway) MustCLI(args ...string) string {
	g.t.Helper()
	out, err := g.CLI(args...)
	if err != nil {
		g.t.Fatalf("%v\n%s", err, out)
	}
	checkNoSecrets(g.t, "ringside "+args[0]+" output", out)
	return out
}

// AddLocation adds a location whose target is bucket on be, with the CLI.
func (g *Gateway) AddLocation(name string, be *Backend, bucket string, noPrefix bool) string {
	g.t.Helper()
	args := []string{"location", "add", name,
		"--endpoint", be.URL,
		"--access-key", be.AccessKey,
		"--secret-key", be.SecretKey,
		"--bucket", bucket,
	}
	if noPrefix {
		args = append(args, "--no-prefix")
	}
	return g.MustCLI(args...)
}

// WaitMirrorIdle waits until a mirror bucket's initial sync is done and it
// has finished at least one full comparison.
func (g *Gateway) WaitMirrorIdle(bucket string, timeout time.Duration) {
	g.t.Helper()
	testenv.Eventually(g.t, timeout, "mirror bucket "+bucket+" synced", func() error {
		st, err := g.Admin.MirrorStatus(context.Background(), bucket)
		if err != nil {
			return err
		}
		if st.LastFullPass.IsZero() || st.State == "initial-sync" || st.State == "error" {
			return fmt.Errorf("state %s, last full pass %v, last error %q", st.State, st.LastFullPass, st.LastError)
		}
		return nil
	})
}

func checkNoSecrets(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range []string{gwSecretKey, adminToken, embSecretKey, minSecretKey} {
		if strings.Contains(s, secret) {
			t.Errorf("a secret (%s...) appears in %s:\n%s", secret[:6], what, s)
		}
	}
}
