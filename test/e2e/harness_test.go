package e2e

// The harness: the ringside binary (built once per run), the backends the
// suite runs against (embedded fake and MinIO, started once per run and
// shared, each test using buckets of its own), and ringside gateway
// processes (one or more per test, each with its own data dir and ports).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ringside/ringside/admin"
	"github.com/ringside/ringside/embedded"
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

var (
	repoRoot    string
	ringsideBin string
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		fmt.Fprintln(os.Stderr, "find the repository root:", err)
		return 1
	}
	repoRoot = root
	dir, err := os.MkdirTemp("", "ringside-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "make a directory for the binary:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	ringsideBin = filepath.Join(dir, "ringside")
	build := exec.Command("go", "build", "-o", ringsideBin, "./cmd/ringside")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build ringside: %v\n%s", err, out)
		return 1
	}
	code := m.Run()
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

// minioPath is where test/deps.sh installs MinIO, unless RINGSIDE_MINIO
// names another binary.
func minioPath() string {
	if p := os.Getenv("RINGSIDE_MINIO"); p != "" {
		return p
	}
	return filepath.Join(repoRoot, ".tools", "minio")
}

func startMinIO() (*Backend, func(), error) {
	bin := minioPath()
	if _, err := os.Stat(bin); err != nil {
		return nil, nil, fmt.Errorf("no MinIO server binary at %s (%v): run test/deps.sh to install it, or set RINGSIDE_MINIO", bin, err)
	}
	dataDir, err := os.MkdirTemp("", "ringside-e2e-minio-")
	if err != nil {
		return nil, nil, err
	}
	addr, console := freeAddr(), freeAddr()
	env := append(cleanEnv("MINIO_"),
		"MINIO_ROOT_USER="+minAccessKey,
		"MINIO_ROOT_PASSWORD="+minSecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
	)
	p, err := startProcess(bin, []string{"server", "--quiet", "--address", addr, "--console-address", console, dataDir}, env)
	if err != nil {
		os.RemoveAll(dataDir)
		return nil, nil, fmt.Errorf("start MinIO: %w", err)
	}
	stop := func() {
		p.stop(10 * time.Second)
		os.RemoveAll(dataDir)
	}
	url := "http://" + addr
	if err := waitHTTP(p, url+"/minio/health/live", 60*time.Second); err != nil {
		stop()
		return nil, nil, fmt.Errorf("wait for MinIO at %s: %w\n%s", url, err, p.logs())
	}
	be := &Backend{Kind: "minio", URL: url, AccessKey: minAccessKey, SecretKey: minSecretKey}
	be.S3 = newS3Client(url, minAccessKey, minSecretKey)
	return be, stop, nil
}

var bucketSeq atomic.Int64

// NewBucket creates a backend bucket with a name unique in this run,
// versioning Enabled if asked (otherwise never configured).
func (be *Backend) NewBucket(t *testing.T, hint string, versioned bool) string {
	t.Helper()
	name := fmt.Sprintf("%s-%d", hint, bucketSeq.Add(1))
	ctx := context.Background()
	if _, err := be.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create backend bucket %s on %s: %v", name, be.Kind, err)
	}
	if versioned {
		_, err := be.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
			Bucket:                  aws.String(name),
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
		})
		if err != nil {
			t.Fatalf("enable versioning on backend bucket %s: %v", name, err)
		}
	}
	return name
}

// newS3Client is an aws-sdk-go-v2 client for an endpoint. Checksums only
// when required, as an S3-compatible server expects; the client builds its
// own transport so that AWS_CA_BUNDLE in the environment does not matter.
func newS3Client(endpoint, ak, sk string) *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint:               aws.String(endpoint),
		UsePathStyle:               true,
		Region:                     "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider(ak, sk, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		RetryMaxAttempts:           1,

		DisableLogOutputChecksumValidationSkipped: true,
	})
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

	s3Addr, adminAddr string
	opts              GatewayOptions
	proc              *process
	runs              []*process // every run, for the logs
}

// startGateway runs `ringside serve` on free loopback ports with a fresh
// data dir; it is stopped (SIGTERM) when the test ends, and its logs are
// printed if the test failed.
func startGateway(t *testing.T, opts GatewayOptions) *Gateway {
	t.Helper()
	if opts.MirrorInterval == "" {
		opts.MirrorInterval = "200ms"
	}
	g := &Gateway{t: t, DataDir: t.TempDir(), s3Addr: freeAddr(), adminAddr: freeAddr(), opts: opts}
	g.S3URL = "http://" + g.s3Addr
	g.AdminURL = "http://" + g.adminAddr
	g.S3 = newS3Client(g.S3URL, gwAccessKey, gwSecretKey)
	g.Admin = admin.NewClient(g.AdminURL, adminToken, nil)
	t.Cleanup(g.cleanup)
	g.Start()
	return g
}

// Start starts (or restarts) the process and waits until /readyz answers.
func (g *Gateway) Start() {
	g.t.Helper()
	if g.proc != nil && !g.proc.exited() {
		g.t.Fatalf("ringside serve is already running")
	}
	args := []string{"serve",
		"--listen", g.s3Addr,
		"--admin-listen", g.adminAddr,
		"--data-dir", g.DataDir,
		"--access-key", gwAccessKey,
		"--secret-key", gwSecretKey,
		"--admin-token", adminToken,
		"--mirror-interval", g.opts.MirrorInterval,
	}
	if g.opts.DefaultLocation != "" {
		args = append(args, "--default-location", g.opts.DefaultLocation)
	}
	if g.opts.Domain != "" {
		args = append(args, "--domain", g.opts.Domain)
	}
	p, err := startProcess(ringsideBin, args, cleanEnv("RINGSIDE_"))
	if err != nil {
		g.t.Fatalf("start ringside serve: %v", err)
	}
	g.proc = p
	g.runs = append(g.runs, p)
	if err := waitHTTP(p, g.AdminURL+"/readyz", 30*time.Second); err != nil {
		g.t.Fatalf("ringside serve is not ready: %v", err)
	}
}

// Stop sends SIGTERM and waits for the process to end; a gateway that does
// not shut down in time, or not cleanly, is an error.
func (g *Gateway) Stop() {
	g.t.Helper()
	if g.proc == nil || g.proc.exited() {
		return
	}
	if !g.proc.stop(30 * time.Second) {
		g.t.Errorf("ringside serve did not stop within 30s of SIGTERM")
	} else if g.proc.err != nil {
		g.t.Errorf("ringside serve exited with %v on SIGTERM, want a clean exit", g.proc.err)
	}
}

// Kill ends the process with SIGKILL, as a crash would.
func (g *Gateway) Kill() {
	g.t.Helper()
	if g.proc == nil || g.proc.exited() {
		g.t.Fatalf("ringside serve is not running, cannot kill it")
	}
	g.proc.kill()
}

// Logs is everything every run of this gateway printed.
func (g *Gateway) Logs() string {
	var b strings.Builder
	for i, p := range g.runs {
		fmt.Fprintf(&b, "----- ringside serve run %d -----\n%s", i+1, p.logs())
	}
	return b.String()
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
		g.t.Logf("ringside logs (data dir %s):\n%s", g.DataDir, tail(logs, 400))
	}
}

// CLI runs the ringside binary against this gateway's admin API (its URL
// and token given through the environment, as a user's shell would) and
// returns its combined output.
func (g *Gateway) CLI(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ringsideBin, args...)
	cmd.Env = append(cleanEnv("RINGSIDE_"), "RINGSIDE_ADMIN="+g.AdminURL, "RINGSIDE_ADMIN_TOKEN="+adminToken)
	out, err := cmd.CombinedOutput()
	if err != nil {
		err = fmt.Errorf("ringside %s: %w", strings.Join(args, " "), err)
	}
	return string(out), err
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
	eventually(g.t, timeout, "mirror bucket "+bucket+" synced", func() error {
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

// ---------------------------------------------------------------------------
// Processes

// process is a child process whose output is kept in memory.
type process struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error
}

func startProcess(bin string, args, env []string) (*process, error) {
	p := &process{out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM, waits up to timeout, then SIGKILL; it reports
// whether the process ended on SIGTERM.
func (p *process) stop(timeout time.Duration) bool {
	if p.exited() {
		return true
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return true
	case <-time.After(timeout):
		p.kill()
		return false
	}
}

func (p *process) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

func (p *process) logs() string {
	s := p.out.String()
	if p.exited() {
		s += fmt.Sprintf("[exited: %v]\n", p.err)
	}
	return s
}

// waitHTTP polls url until it answers 200, the process exits, or the
// deadline passes.
func waitHTTP(p *process, url string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if p.exited() {
			return fmt.Errorf("the process exited before %s answered:\n%s", url, tail(p.logs(), 100))
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer 200 within %v (last: %v):\n%s", url, timeout, last, tail(p.logs(), 100))
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// ---------------------------------------------------------------------------
// Small helpers

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("find a free port: %v", err))
	}
	defer l.Close()
	return l.Addr().String()
}

// cleanEnv is the test's environment without variables that start with any
// of the given prefixes (so that a developer's own settings do not leak
// into the processes under test).
func cleanEnv(drop ...string) []string {
	var env []string
outer:
	for _, kv := range os.Environ() {
		for _, p := range drop {
			if strings.HasPrefix(kv, p) {
				continue outer
			}
		}
		env = append(env, kv)
	}
	return env
}

// errNotYet is what an eventually condition returns while it waits.
var errNotYet = errors.New("not yet")

// eventually polls f until it returns nil; the test fails with f's last
// error when timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %v", what, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func tail(s string, lines int) string {
	parts := strings.Split(s, "\n")
	if len(parts) <= lines {
		return s
	}
	return fmt.Sprintf("[... %d lines cut ...]\n", len(parts)-lines) + strings.Join(parts[len(parts)-lines:], "\n")
}
