package fault

// The harness: the ringside binary (built once per run), MinIO servers
// (one per test, so that a test may freeze or kill its own), ringside
// gateway processes, and the measures the tests take of them.

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/ringside/ringside/test/testenv"
)

const (
	gwAccessKey  = "FAULTGATEWAYKEY"
	gwSecretKey  = "fault-gateway-secret-Hq27"
	adminToken   = "fault-admin-token-Lm90"
	minAccessKey = "faultminioroot"
	minSecretKey = "fault-minio-secret-Pz18"
)

var (
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

func TestMain(m *testing.M) { os.Exit(testenv.RunWithRingside(m, &ringsideBin)) }

// ---------------------------------------------------------------------------
// MinIO

// minio is a MinIO server of one test, restartable on the same address
// and data dir.
type minio struct {
	t   *testing.T
	URL string
	S3  *s3.Client
	srv *testenv.MinIO
}

func startMinIO(t *testing.T) *minio {
	t.Helper()
	srv := testenv.StartMinIO(t, testenv.MinIOOptions{User: minAccessKey, Password: minSecretKey})
	return &minio{t: t, URL: srv.URL, S3: newS3Client(srv.URL, minAccessKey, minSecretKey, nil), srv: srv}
}

// Start restarts MinIO and waits until it is ready.
func (m *minio) Start() {
	m.t.Helper()
	if err := m.srv.Start(context.Background()); err != nil {
		m.t.Fatal(err)
	}
}

// Freeze stops the process (SIGSTOP): its sockets stay open, and nothing
// answers on them.
func (m *minio) Freeze() { m.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen process.
func (m *minio) Thaw() { m.signal(syscall.SIGCONT) }

// Kill ends the process with SIGKILL: connections are refused until
// Start.
func (m *minio) Kill() { m.srv.Proc().Kill() }

func (m *minio) signal(s syscall.Signal) {
	m.t.Helper()
	if err := m.srv.Proc().Signal(s); err != nil {
		m.t.Fatalf("signal MinIO: %v", err)
	}
}

// NewBucket creates a versioned bucket.
func (m *minio) NewBucket(name string) {
	m.t.Helper()
	ctx := context.Background()
	// A MinIO that says it is ready may still answer "not initialized".
	testenv.Eventually(m.t, time.Minute, "create backend bucket "+name, func() error {
		_, err := m.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
		return err
	})
	if err := testenv.EnableVersioning(ctx, m.S3, name); err != nil {
		m.t.Fatal(err)
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

	srv   testenv.Serve
	extra []string
	proc  *testenv.Process
	runs  []*testenv.Process
}

// startGateway runs `ringside serve` with extra flags; clientTimeout
// bounds each S3 request of the test's client, so that a hang fails the
// test instead of blocking it.
func startGateway(t *testing.T, clientTimeout time.Duration, extra ...string) *gateway {
	t.Helper()
	g := &gateway{t: t, DataDir: t.TempDir(), extra: extra}
	g.srv = testenv.Serve{Bin: ringsideBin, S3Addr: testenv.Addr(t), AdminAddr: testenv.Addr(t), DataDir: g.DataDir,
		AccessKey: gwAccessKey, SecretKey: gwSecretKey, AdminToken: adminToken}
	g.S3URL = "http://" + g.srv.S3Addr
	g.AdminURL = g.srv.AdminURL()
	g.HTTP = &http.Transport{MaxIdleConnsPerHost: 64}
	g.S3 = newS3Client(g.S3URL, gwAccessKey, gwSecretKey, &http.Client{Transport: g.HTTP, Timeout: clientTimeout})
	t.Cleanup(g.cleanup)
	g.Start()
	return g
}

// Start starts (or restarts) the process and waits until /readyz answers.
func (g *gateway) Start() {
	g.t.Helper()
	p, err := g.srv.Start(append([]string{"--mirror-interval", "200ms"}, g.extra...)...)
	if p != nil {
		g.proc = p
		g.runs = append(g.runs, p)
	}
	if err != nil {
		g.t.Fatal(err)
	}
}

// Kill ends the process with SIGKILL, as a crash would.
func (g *gateway) Kill() { g.proc.Kill() }

func (g *gateway) cleanup() {
	if g.proc != nil && !g.proc.Stop(30*time.Second) {
		g.t.Errorf("ringside serve did not stop within 30s of SIGTERM")
	}
	logs := testenv.RunLogs("ringside serve", g.runs)
	for _, secret := range []string{gwSecretKey, adminToken, minSecretKey} {
		if strings.Contains(logs, secret) {
			g.t.Errorf("a secret (%s...) appears in ringside's logs", secret[:6])
		}
	}
	if g.t.Failed() {
		g.t.Logf("ringside logs:\n%s", testenv.Tail(logs, 300))
	}
}

// CLI runs the ringside binary against this gateway's admin API.
func (g *gateway) CLI(args ...string) string {
	g.t.Helper()
	out, err := g.srv.CLI(args...)
	if err != nil {
		g.t.Fatalf("%v\n%s", err, out)
	}
	return out
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
// Small helpers

// newS3Client is the suite's S3 client of an endpoint, over hc if given.
func newS3Client(endpoint, ak, sk string, hc *http.Client) *s3.Client {
	return testenv.S3Client(endpoint, ak, sk, hc)
}
