package feeds

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/feed"
	"github.com/ringside/ringside/test/testenv"
)

const (
	minioUser   = "feedsminioroot"
	minioSecret = "feeds-minio-secret-Q81x"
)

// minIO is a MinIO server process of one test.
type minIO struct {
	URL string
	S3  *s3.Client
}

// startMinIO runs MinIO on a free loopback port with a fresh data dir and
// the extra environment given; it is stopped when the test ends, its
// output printed if the test failed. A missing binary fails the test: the
// feeds' MinIO tests are the only proof of those sources.
func startMinIO(t *testing.T, env ...string) *minIO {
	t.Helper()
	srv := testenv.StartMinIO(t, testenv.MinIOOptions{User: minioUser, Password: minioSecret, Env: env})
	return &minIO{URL: srv.URL, S3: testenv.S3Client(srv.URL, minioUser, minioSecret, nil)}
}

// versionedBucket creates a bucket with versioning Enabled.
func (m *minIO) versionedBucket(t *testing.T, name string) {
	t.Helper()
	if err := testenv.CreateBucket(context.Background(), m.S3, name, true); err != nil {
		t.Fatal(err)
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
