package feeds

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/feed"
)

const (
	minioUser   = "feedsminioroot"
	minioSecret = "feeds-minio-secret-Q81x"
)

// minIO is a MinIO server process of one test.
type minIO struct {
	URL string
	S3  *s3.Client
	cmd *exec.Cmd
	out *syncBuffer
}

// startMinIO runs MinIO on a free loopback port with a fresh data dir and
// the extra environment given; it is stopped when the test ends, its
// output printed if the test failed. A missing binary fails the test: the
// feeds' MinIO tests are the only proof of those sources.
func startMinIO(t *testing.T, env ...string) *minIO {
	t.Helper()
	bin := os.Getenv("RINGSIDE_MINIO")
	if bin == "" {
		_, here, _, _ := runtime.Caller(0)
		bin = filepath.Join(filepath.Dir(here), "..", "..", ".tools", "minio")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("no MinIO server binary at %s (%v): run test/deps.sh, or set RINGSIDE_MINIO", bin, err)
	}
	addr, console := freeAddr(t), freeAddr(t)
	m := &minIO{URL: "http://" + addr, out: &syncBuffer{}}
	m.cmd = exec.Command(bin, "server", "--quiet", "--address", addr, "--console-address", console, t.TempDir())
	m.cmd.Env = append(cleanEnv("MINIO_", "AWS_"),
		"MINIO_ROOT_USER="+minioUser, "MINIO_ROOT_PASSWORD="+minioSecret,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	m.cmd.Env = append(m.cmd.Env, env...)
	m.cmd.Stdout, m.cmd.Stderr = m.out, m.out
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("start MinIO: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = m.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = m.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = m.cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("MinIO output:\n%s", m.out.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(m.URL + "/minio/health/live")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-exited:
			t.Fatalf("MinIO exited:\n%s", m.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("MinIO at %s did not come up:\n%s", m.URL, m.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.S3 = s3.New(s3.Options{
		BaseEndpoint: aws.String(m.URL), UsePathStyle: true, Region: "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider(minioUser, minioSecret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	return m
}

// versionedBucket creates a bucket with versioning Enabled.
func (m *minIO) versionedBucket(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := m.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	_, err := m.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(name),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	if err != nil {
		t.Fatalf("enable versioning on %s: %v", name, err)
	}
}

func (m *minIO) client(t *testing.T, bucket string) *backend.Client {
	t.Helper()
	c, err := backend.New(backend.Config{Endpoint: m.URL, AccessKey: minioUser, SecretKey: minioSecret, Bucket: bucket})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (m *minIO) put(t *testing.T, bucket, key string) string {
	t.Helper()
	out, err := m.S3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("body of " + key)})
	if err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
	return aws.ToString(out.VersionId)
}

func (m *minIO) delete(t *testing.T, bucket, key string) {
	t.Helper()
	if _, err := m.S3.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		t.Fatalf("delete %s/%s: %v", bucket, key, err)
	}
}

// recorder is a feed.Sink that keeps what it is given.
type recorder struct {
	mu    sync.Mutex
	hints []feed.Hint
	gaps  []feed.Gap
}

func (r *recorder) Hint(h feed.Hint) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hints = append(r.hints, h)
}

func (r *recorder) Gap(g feed.Gap) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gaps = append(r.gaps, g)
}

func (r *recorder) Checkpoint(feed.Position) {}

func (r *recorder) snapshot() ([]feed.Hint, []feed.Gap) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]feed.Hint(nil), r.hints...), append([]feed.Gap(nil), r.gaps...)
}

// run runs src into a recorder until the test ends.
func run(t *testing.T, src feed.Source) *recorder {
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = src.Run(ctx, "", rec) }()
	t.Cleanup(func() { cancel(); <-done })
	return rec
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// cleanEnv is the environment without variables starting with the given
// prefixes, so that a developer's settings do not reach MinIO.
func cleanEnv(drop ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		keep := true
		for _, p := range drop {
			keep = keep && !strings.HasPrefix(kv, p)
		}
		if keep {
			env = append(env, kv)
		}
	}
	return env
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
