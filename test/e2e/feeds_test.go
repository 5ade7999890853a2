package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ringside/ringside/embedded"
	"github.com/ringside/ringside/mirror"
)

// The change feeds end to end: `ringside serve` with passes an hour apart
// (after the initial sync), so that a direct write to the backend listed
// through the gateway can only have come through the feed.

// feedBackend is an embedded backend of the test's own, with the versioned
// bucket "src", so that the test can push its events and prune its log.
func feedBackend(t *testing.T) (*embedded.Server, *Backend) {
	t.Helper()
	srv, err := embedded.Start("127.0.0.1:0", embAccessKey, embSecretKey, "src")
	if err != nil {
		t.Fatalf("start the embedded backend: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	be := &Backend{Kind: "embedded", URL: srv.URL(), AccessKey: embAccessKey, SecretKey: embSecretKey}
	be.S3 = newS3Client(be.URL, be.AccessKey, be.SecretKey)
	return srv, be
}

// feedGateway starts a gateway with passes an hour apart and the mirror
// bucket "mir" on backend bucket "src" following the feed kind; it returns
// the output of location add.
func feedGateway(t *testing.T, be *Backend, kind string) (*Gateway, string) {
	t.Helper()
	g := startGateway(t, GatewayOptions{MirrorInterval: "1h"})
	out := g.MustCLI("location", "add", "loc", "--endpoint", be.URL, "--access-key", be.AccessKey,
		"--secret-key", be.SecretKey, "--bucket", "src", "--no-prefix", "--feed", kind)
	g.MustCLI("bucket", "create", "mir", "--location", "loc", "--mirror")
	g.WaitMirrorIdle("mir", 30*time.Second)
	return g, out
}

func putDirect(t *testing.T, be *Backend, key string) {
	t.Helper()
	_, err := be.S3.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String("src"), Key: aws.String(key), Body: strings.NewReader("direct " + key)})
	if err != nil {
		t.Fatalf("put %s on the backend: %v", key, err)
	}
}

// gatewayKeys lists bucket through the gateway.
func gatewayKeys(g *Gateway, bucket string) (map[string]bool, error) {
	keys := map[string]bool{}
	p := s3.NewListObjectsV2Paginator(g.S3, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			keys[aws.ToString(o.Key)] = true
		}
	}
	return keys, nil
}

// waitListed polls the gateway's listing until every key is in it.
func waitListed(t *testing.T, g *Gateway, bucket string, keys []string, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, fmt.Sprintf("%d keys listed through the gateway", len(keys)), func() error {
		got, err := gatewayKeys(g, bucket)
		if err != nil {
			return err
		}
		var missing []string
		for _, k := range keys {
			if !got[k] {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%d missing, first %s", len(missing), missing[0])
		}
		return nil
	})
}

func feedMirrorStatus(t *testing.T, g *Gateway, bucket string) mirror.Status {
	t.Helper()
	st, err := g.Admin.MirrorStatus(context.Background(), bucket)
	if err != nil {
		t.Fatalf("mirror status of %s: %v", bucket, err)
	}
	return st
}

var tokenLine = regexp.MustCompile(`Authorization: Bearer (\S+)`)

// A direct write to the backend is listed through the gateway by each
// feed, with no full pass since the initial sync.
func TestFeedDirectWriteListed(t *testing.T) {
	for _, kind := range []string{"listen", "raftlog", "webhook"} {
		t.Run(kind, func(t *testing.T) {
			srv, be := feedBackend(t)
			g, out := feedGateway(t, be, kind)
			if kind == "webhook" {
				m := tokenLine.FindStringSubmatch(out)
				if m == nil || !strings.Contains(out, g.AdminURL+"/feed/v1/loc") {
					t.Fatalf("location add printed no webhook URL and token:\n%s", out)
				}
				t.Cleanup(func() {
					if strings.Contains(g.Logs(), m[1]) {
						t.Errorf("the webhook token appears in ringside's logs")
					}
					if show := g.MustCLI("location", "show", "loc"); strings.Contains(show, m[1]) {
						t.Errorf("location show prints the webhook token:\n%s", show)
					}
				})
				if err := srv.PushEvents(g.AdminURL+"/feed/v1/loc", m[1]); err != nil {
					t.Fatal(err)
				}
			}
			before := feedMirrorStatus(t, g, "mir")
			keys := []string{"a.txt", "dir/b c.txt", "ünï.txt"}
			for _, k := range keys {
				putDirect(t, be, k)
			}
			waitListed(t, g, "mir", keys, 20*time.Second)
			after := feedMirrorStatus(t, g, "mir")
			if after.Passes != before.Passes {
				t.Errorf("%d full passes ran since the initial sync; the feed alone should have listed the writes", after.Passes-before.Passes)
			}
			if after.Feed == nil || after.Feed.Kind != kind || !after.Feed.Healthy || after.Feed.Events < int64(len(keys)) {
				t.Errorf("feed status %+v, want a healthy %s feed with %d events at least", after.Feed, kind, len(keys))
			}
			if st := g.MustCLI("mirror", "status", "mir"); !strings.Contains(st, "feed") || !strings.Contains(st, kind+": running, healthy") {
				t.Errorf("mirror status does not show the healthy feed:\n%s", st)
			}
		})
	}
}

// A metadata log position the backend no longer holds is a gap: the full
// pass it forces lists what was written while ringside was down.
func TestFeedGapForcesPass(t *testing.T) {
	srv, be := feedBackend(t)
	g, _ := feedGateway(t, be, "raftlog")
	srv.SetLogRetention(5)
	g.Stop()
	var keys []string
	for i := range 20 {
		keys = append(keys, fmt.Sprintf("down/%02d", i))
		putDirect(t, be, keys[i])
	}
	g.Start()
	waitListed(t, g, "mir", keys, 30*time.Second)
	eventually(t, 30*time.Second, "the gap and the pass it forced", func() error {
		st := feedMirrorStatus(t, g, "mir")
		if st.Feed == nil || st.Feed.Gaps == 0 || st.Passes == 0 || !st.Feed.Healthy {
			return fmt.Errorf("status %+v feed %+v", st, st.Feed)
		}
		return nil
	})
	if !strings.Contains(g.Logs(), "full pass forced") {
		t.Errorf("the log does not say that a gap forced a pass")
	}
}

// kill -9 of ringside while changes flow through the metadata log: the
// restarted process resumes at its recorded position, and every change is
// listed with no full pass and no gap.
func TestFeedKillResumes(t *testing.T) {
	_, be := feedBackend(t)
	g, _ := feedGateway(t, be, "raftlog")
	const n = 500
	var written atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			_, err := be.S3.PutObject(context.Background(), &s3.PutObjectInput{
				Bucket: aws.String("src"), Key: aws.String(fmt.Sprintf("k/%04d", i)), Body: strings.NewReader("x")})
			if err != nil {
				t.Errorf("put k/%04d: %v", i, err)
				return
			}
			written.Add(1)
			// Paced, so that the kill lands while changes still flow.
			time.Sleep(5 * time.Millisecond)
		}
	}()
	eventually(t, 30*time.Second, "a third of the writes listed", func() error {
		got, err := gatewayKeys(g, "mir")
		if err != nil {
			return err
		}
		if len(got) < n/3 {
			return fmt.Errorf("%d listed", len(got))
		}
		return nil
	})
	g.Kill()
	if written.Load() == n {
		t.Fatalf("every write was done before the kill: the test shows nothing")
	}
	g.Start()
	<-done
	var keys []string
	for i := range n {
		keys = append(keys, fmt.Sprintf("k/%04d", i))
	}
	waitListed(t, g, "mir", keys, 30*time.Second)
	st := feedMirrorStatus(t, g, "mir")
	if st.Passes != 0 || st.Feed == nil || st.Feed.Gaps != 0 {
		t.Errorf("status %+v feed %+v: want every change from the feed, with no pass and no gap", st, st.Feed)
	}
}

// Two gateways mirroring the same backend bucket see each other's writes
// through the feed.
func TestFeedTwoSidecars(t *testing.T) {
	_, be := feedBackend(t)
	a, _ := feedGateway(t, be, "listen")
	b, _ := feedGateway(t, be, "listen")
	for i, pair := range [][2]*Gateway{{a, b}, {b, a}} {
		key := fmt.Sprintf("from-%d.txt", i)
		_, err := pair[0].S3.PutObject(context.Background(), &s3.PutObjectInput{
			Bucket: aws.String("mir"), Key: aws.String(key), Body: strings.NewReader("via a sidecar")})
		if err != nil {
			t.Fatalf("put %s through a gateway: %v", key, err)
		}
		waitListed(t, pair[1], "mir", []string{key}, 20*time.Second)
	}
	for _, g := range []*Gateway{a, b} {
		if st := feedMirrorStatus(t, g, "mir"); st.Passes != 1 {
			t.Errorf("%d full passes, want only the initial sync", st.Passes)
		}
	}
}
