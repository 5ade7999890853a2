package fault

// The harness: the ringside binary (built once per run), MinIO servers
// (one per test, so that a test may freeze or kill its own), ringside
// gateway processes, and the measures the tests take of them.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

const (
	gwAccessKey  = "FAULTGATEWAYKEY"
	gwSecretKey  = "fault-gateway-secret-Hq27"
	adminToken   = "fault-admin-token-Lm90"
	minAccessKey = "faultminioroot"
	minSecretKey = "fault-minio-secret-Pz18"
)

var (
	repoRoot    string
	ringsideBin string
	// long runs the long version of every test.
	long = os.Getenv("RINGSIDE_FAULT_LONG") != ""
)

// pick is short in the short version, long in the long one.
func pick[T any](short, longer T) T {
	if long {
		return longer
	}
	return short
}

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		fmt.Fprintln(os.Stderr, "find the repository root:", err)
		return 1
	}
	repoRoot = root
	dir, err := os.MkdirTemp("", "ringside-fault-bin-")
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
	return m.Run()
}

// ---------------------------------------------------------------------------
// MinIO

// minio is a MinIO server of one test, restartable on the same address
// and data dir.
type minio struct {
	t       *testing.T
	URL     string
	S3      *s3.Client
	addr    string
	console string
	dataDir string
	proc    *process
}

func minioPath() string {
	if p := os.Getenv("RINGSIDE_MINIO"); p != "" {
		return p
	}
	return filepath.Join(repoRoot, ".tools", "minio")
}

func startMinIO(t *testing.T) *minio {
	t.Helper()
	if _, err := os.Stat(minioPath()); err != nil {
		t.Fatalf("no MinIO server binary at %s (%v): run test/deps.sh, or set RINGSIDE_MINIO", minioPath(), err)
	}
	m := &minio{t: t, addr: freeAddr(), console: freeAddr(), dataDir: t.TempDir()}
	m.URL = "http://" + m.addr
	m.S3 = newS3Client(m.URL, minAccessKey, minSecretKey, nil)
	m.Start()
	t.Cleanup(func() {
		if m.proc != nil {
			_ = m.proc.cmd.Process.Signal(syscall.SIGCONT)
			m.proc.stop(10 * time.Second)
		}
	})
	return m
}

// Start starts (or restarts) MinIO and waits until it is live.
func (m *minio) Start() {
	m.t.Helper()
	env := append(cleanEnv("MINIO_"), "MINIO_ROOT_USER="+minAccessKey, "MINIO_ROOT_PASSWORD="+minSecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	p, err := startProcess(minioPath(), []string{"server", "--quiet", "--address", m.addr, "--console-address", m.console, m.dataDir}, env)
	if err != nil {
		m.t.Fatalf("start MinIO: %v", err)
	}
	m.proc = p
	if err := waitHTTP(p, m.URL+"/minio/health/ready", time.Minute); err != nil {
		m.t.Fatalf("MinIO is not live: %v", err)
	}
}

// Freeze stops the process (SIGSTOP): its sockets stay open, and nothing
// answers on them.
func (m *minio) Freeze() { m.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen process.
func (m *minio) Thaw() { m.signal(syscall.SIGCONT) }

// Kill ends the process with SIGKILL: connections are refused until
// Start.
func (m *minio) Kill() { m.proc.kill() }

func (m *minio) signal(s syscall.Signal) {
	m.t.Helper()
	if err := m.proc.cmd.Process.Signal(s); err != nil {
		m.t.Fatalf("signal MinIO: %v", err)
	}
}

// NewBucket creates a versioned bucket.
func (m *minio) NewBucket(name string) {
	m.t.Helper()
	ctx := context.Background()
	// A MinIO that says it is ready may still answer "not initialized".
	eventually(m.t, time.Minute, "create backend bucket "+name, func() error {
		_, err := m.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
		return err
	})
	_, err := m.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(name),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
	})
	if err != nil {
		m.t.Fatalf("enable versioning on %s: %v", name, err)
	}
}

// ---------------------------------------------------------------------------
// Gateway processes

// gateway is a `ringside serve` process, restartable on the same ports
// and data dir.
type gateway struct {
	t        *testing.T
	DataDir  string
	S3URL    string
	AdminURL string
	S3       *s3.Client
	// HTTP is the transport of S3, whose idle connections a test closes
	// before it counts the gateway's goroutines.
	HTTP *http.Transport

	s3Addr, adminAddr string
	extra             []string
	proc              *process
	runs              []*process
}

// startGateway runs `ringside serve` with extra flags; clientTimeout
// bounds each S3 request of the test's client, so that a hang fails the
// test instead of blocking it.
func startGateway(t *testing.T, clientTimeout time.Duration, extra ...string) *gateway {
	t.Helper()
	g := &gateway{t: t, DataDir: t.TempDir(), s3Addr: freeAddr(), adminAddr: freeAddr(), extra: extra}
	g.S3URL = "http://" + g.s3Addr
	g.AdminURL = "http://" + g.adminAddr
	g.HTTP = &http.Transport{MaxIdleConnsPerHost: 64}
	g.S3 = newS3Client(g.S3URL, gwAccessKey, gwSecretKey, &http.Client{Transport: g.HTTP, Timeout: clientTimeout})
	t.Cleanup(g.cleanup)
	g.Start()
	return g
}

// Start starts (or restarts) the process and waits until /readyz answers.
func (g *gateway) Start() {
	g.t.Helper()
	args := append([]string{"serve",
		"--listen", g.s3Addr, "--admin-listen", g.adminAddr, "--data-dir", g.DataDir,
		"--access-key", gwAccessKey, "--secret-key", gwSecretKey, "--admin-token", adminToken,
		"--mirror-interval", "200ms",
	}, g.extra...)
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

// Kill ends the process with SIGKILL, as a crash would.
func (g *gateway) Kill() { g.proc.kill() }

func (g *gateway) cleanup() {
	if g.proc != nil && !g.proc.stop(30*time.Second) {
		g.t.Errorf("ringside serve did not stop within 30s of SIGTERM")
	}
	var logs strings.Builder
	for i, p := range g.runs {
		fmt.Fprintf(&logs, "----- ringside serve run %d -----\n%s", i+1, p.logs())
	}
	for _, secret := range []string{gwSecretKey, adminToken, minSecretKey} {
		if strings.Contains(logs.String(), secret) {
			g.t.Errorf("a secret (%s...) appears in ringside's logs", secret[:6])
		}
	}
	if g.t.Failed() {
		g.t.Logf("ringside logs:\n%s", tail(logs.String(), 300))
	}
}

// CLI runs the ringside binary against this gateway's admin API.
func (g *gateway) CLI(args ...string) string {
	g.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ringsideBin, args...)
	cmd.Env = append(cleanEnv("RINGSIDE_"), "RINGSIDE_ADMIN="+g.AdminURL, "RINGSIDE_ADMIN_TOKEN="+adminToken)
	out, err := cmd.CombinedOutput()
	if err != nil {
		g.t.Fatalf("ringside %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// AddLocation adds a no-prefix location on bucket of m.
func (g *gateway) AddLocation(name string, m *minio, bucket string) {
	g.t.Helper()
	g.CLI("location", "add", name, "--endpoint", m.URL, "--access-key", minAccessKey,
		"--secret-key", minSecretKey, "--bucket", bucket, "--no-prefix")
}

// CreateBucket creates a gateway bucket at constraint ("loc" or
// "loc:ingest" for a mirror bucket).
func (g *gateway) CreateBucket(name, constraint string) {
	g.t.Helper()
	_, err := g.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{
		Bucket: aws.String(name),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{
			LocationConstraint: types.BucketLocationConstraint(constraint),
		},
	})
	if err != nil {
		g.t.Fatalf("create bucket %s at %s: %v", name, constraint, err)
	}
}

// Metric reads one unlabelled sample (or the sum of a labelled family's
// samples matching labels) from /metrics.
func (g *gateway) Metric(name, labels string) (float64, error) {
	req, err := http.NewRequest(http.MethodGet, g.AdminURL+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("/metrics: %s", resp.Status)
	}
	sum, found := 0.0, false
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) || strings.HasPrefix(line, "#") {
			continue
		}
		series, value, ok := strings.Cut(line, " ")
		if !ok || (series != name && !strings.HasPrefix(series, name+"{")) || !strings.Contains(series, labels) {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return 0, fmt.Errorf("metric %s: %w", line, err)
		}
		sum, found = sum+v, true
	}
	if !found {
		return 0, fmt.Errorf("no %s{%s} in /metrics", name, labels)
	}
	return sum, sc.Err()
}

// Goroutines is the gateway's go_goroutines.
func (g *gateway) Goroutines() int {
	g.t.Helper()
	v, err := g.Metric("go_goroutines", "")
	if err != nil {
		g.t.Fatal(err)
	}
	return int(v)
}

// Status GETs a path of the admin API and returns its status.
func (g *gateway) Status(path string) int {
	g.t.Helper()
	resp, err := http.Get(g.AdminURL + path)
	if err != nil {
		g.t.Fatalf("GET %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// ---------------------------------------------------------------------------
// Processes

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
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
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

// newS3Client is an aws-sdk-go-v2 client that tries each request once, so
// that the test sees every answer the gateway gives.
func newS3Client(endpoint, ak, sk string, hc *http.Client) *s3.Client {
	o := s3.Options{
		BaseEndpoint:               aws.String(endpoint),
		UsePathStyle:               true,
		Region:                     "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider(ak, sk, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		RetryMaxAttempts:           1,

		DisableLogOutputChecksumValidationSkipped: true,
	}
	if hc != nil {
		o.HTTPClient = hc
	}
	return s3.New(o)
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("find a free port: %v", err))
	}
	defer l.Close()
	return l.Addr().String()
}

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
		time.Sleep(50 * time.Millisecond)
	}
}

func tail(s string, lines int) string {
	parts := strings.Split(s, "\n")
	if len(parts) <= lines {
		return s
	}
	return fmt.Sprintf("[... %d lines cut ...]\n", len(parts)-lines) + strings.Join(parts[len(parts)-lines:], "\n")
}
