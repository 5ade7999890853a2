package feeds

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ringside/ringside/admin"
	"github.com/ringside/ringside/embedded"
	"github.com/ringside/ringside/test/testenv"
)

const (
	embKey    = "feedsembkey"
	embSecret = "feeds-embedded-secret-7Qz"
)

// switchRig is `ringside serve` with passes an hour apart, mirroring the
// embedded backend's bucket "src" as "mir" through location "loc", which
// starts without a feed.
type switchRig struct {
	t     *testing.T
	srv   *embedded.Server
	be    *s3.Client // the backend, written to directly
	gw    *s3.Client
	serve testenv.Serve
	proc  *testenv.Process
	admin *admin.Client
}

func startSwitchRig(t *testing.T) *switchRig {
	srv, err := embedded.Start("127.0.0.1:0", embKey, embSecret, "src")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	serve := testenv.Serve{Bin: ringsideBin, S3Addr: testenv.Addr(t), AdminAddr: testenv.Addr(t),
		DataDir: filepath.Join(t.TempDir(), "data"), AccessKey: "feedsclient", SecretKey: "feeds-client-secret-0001",
		AdminToken: "feeds-admin-token-0123456789"}
	proc, err := serve.Start("--mirror-interval", "1h")
	if proc != nil {
		t.Cleanup(func() {
			proc.Stop(10 * time.Second)
			if t.Failed() {
				t.Logf("ringside logs:\n%s", testenv.Tail(proc.Logs(), 80))
			}
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	r := &switchRig{t: t, srv: srv, serve: serve, proc: proc,
		be:    testenv.S3Client(srv.URL(), embKey, embSecret, nil),
		gw:    testenv.S3Client("http://"+serve.S3Addr, serve.AccessKey, serve.SecretKey, nil),
		admin: admin.NewClient(serve.AdminURL(), serve.AdminToken, http.DefaultClient)}
	r.cli("location", "add", "loc", "--endpoint", srv.URL(), "--access-key", embKey, "--secret-key", embSecret,
		"--bucket", "src", "--no-prefix")
	r.put("before")
	r.cli("bucket", "create", "mir", "--location", "loc", "--mirror")
	r.waitListed("before")
	return r
}

func (r *switchRig) cli(args ...string) string {
	r.t.Helper()
	out, err := r.serve.CLI(args...)
	if err != nil {
		r.t.Fatalf("%v\n%s", err, out)
	}
	return out
}

func (r *switchRig) put(key string) {
	r.t.Helper()
	_, err := r.be.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("src"), Key: aws.String(key),
		Body: strings.NewReader("direct " + key)})
	if err != nil {
		r.t.Fatalf("put %s on the backend: %v", key, err)
	}
}

// waitListed polls the gateway's listing of mir until key is in it.
func (r *switchRig) waitListed(key string) {
	r.t.Helper()
	testenv.Eventually(r.t, 30*time.Second, key+" listed through the gateway", func() error {
		out, err := r.gw.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("mir"), Prefix: aws.String(key)})
		if err != nil {
			return err
		}
		for _, o := range out.Contents {
			if aws.ToString(o.Key) == key {
				return nil
			}
		}
		return fmt.Errorf("not listed")
	})
}

// waitFeed waits until mir follows a running feed of kind with no pass
// due, and returns the passes completed.
func (r *switchRig) waitFeed(kind string) int64 {
	r.t.Helper()
	var passes int64
	testenv.Eventually(r.t, 30*time.Second, "mir follows a healthy "+kind+" feed", func() error {
		st, err := r.admin.MirrorStatus(context.Background(), "mir")
		if err != nil {
			return err
		}
		if st.Feed == nil || st.Feed.Kind != kind || !st.Feed.Healthy || st.State == "syncing" {
			return fmt.Errorf("state %s, feed %+v", st.State, st.Feed)
		}
		passes = st.Passes
		return nil
	})
	return passes
}

var bearer = regexp.MustCompile(`(http://\S+/feed/v1/loc)\s+with the header  Authorization: Bearer (\S+)`)

// location update gives a mirror bucket a feed, then another, without a
// restart: after each switch (and the full pass it forces) a direct write
// to the backend is listed through the gateway with no further pass, which
// with passes an hour apart only the new feed can have brought.
func TestLocationUpdateSwitchesFeed(t *testing.T) {
	r := startSwitchRig(t)

	r.cli("location", "update", "loc", "--feed", "listen")
	passes := r.waitFeed("listen")
	if passes < 2 {
		t.Errorf("%d passes after the switch; want the initial sync and the forced pass", passes)
	}
	r.put("after-listen")
	r.waitListed("after-listen")

	out := r.cli("location", "update", "loc", "--feed", "webhook")
	m := bearer.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("location update printed no webhook URL and token:\n%s", out)
	}
	if err := r.srv.PushEvents(m[1], m[2]); err != nil {
		t.Fatal(err)
	}
	passes = r.waitFeed("webhook")
	r.put("after-webhook")
	r.waitListed("after-webhook")

	st, err := r.admin.MirrorStatus(context.Background(), "mir")
	if err != nil {
		t.Fatal(err)
	}
	if st.Passes != passes || st.Feed.Events == 0 {
		t.Errorf("passes %d (want %d: the feed, not a pass, listed the write), feed events %d", st.Passes, passes, st.Feed.Events)
	}
	logs := r.proc.Logs()
	for _, want := range []string{"from=none to=listen", "from=listen to=webhook"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log does not say the feed switched %s", want)
		}
	}
	if strings.Contains(logs, m[2]) {
		t.Errorf("the webhook token is in the log")
	}
}
