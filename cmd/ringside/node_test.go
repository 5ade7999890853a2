package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ringside/ringside/admin"
	"github.com/ringside/ringside/embedded"
	"github.com/ringside/ringside/test/testenv"
)

const (
	testBackendKey    = "nodebackend"
	testBackendSecret = "node-backend-secret-5501"
	testClientSecret  = "node-client-secret-7310"
)

// syncBuffer is a buffer written by one goroutine and read by another.
type syncBuffer = testenv.SyncBuffer

// eventually polls fn until it succeeds or the deadline passes.
func eventually(t *testing.T, timeout time.Duration, what string, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after %s: %v", what, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runCLI runs the ringside command line in process and returns what it
// printed.
func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	app, err := newApp()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	app.Writer, app.ErrWriter = &out, &out
	argv := append([]string{"ringside"}, args...)
	err = app.RunContext(context.Background(), reorderArgs(app, argv))
	return out.String(), err
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runCLI(t, args...)
	if err != nil {
		t.Fatalf("ringside %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	for _, secret := range []string{testBackendSecret, testClientSecret} {
		if strings.Contains(out, secret) {
			t.Fatalf("ringside %s printed a secret:\n%s", strings.Join(args, " "), out)
		}
	}
	return out
}

// startTestNode runs a node on loopback ports over a fresh data dir, in
// front of an embedded backend with versioned buckets "store", "other" and
// "demo".
func startTestNode(t *testing.T) (*node, *embedded.Server, *syncBuffer) {
	t.Helper()
	return startTestNodeWith(t, nil)
}

// startTestNodeWith is startTestNode with edit changing the configuration
// first.
func startTestNodeWith(t *testing.T, edit func(*serveConfig)) (*node, *embedded.Server, *syncBuffer) {
	t.Helper()
	be, err := embedded.Start("127.0.0.1:0", testBackendKey, testBackendSecret, "store", "other", demoBucket)
	if err != nil {
		t.Fatalf("start the embedded backend: %v", err)
	}
	t.Cleanup(func() { be.Close() })
	logs := &syncBuffer{}
	cfg := serveConfig{
		listen: "127.0.0.1:0", adminListen: "127.0.0.1:0", dataDir: t.TempDir(),
		credentials:    map[string]string{"nodeclient": testClientSecret},
		mirrorInterval: 50 * time.Millisecond, logLevel: slog.LevelDebug,
	}
	if edit != nil {
		edit(&cfg)
	}
	n, err := openNode(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatalf("open the node: %v", err)
	}
	t.Cleanup(n.close)
	if err := n.start(nil); err != nil {
		t.Fatalf("listen: %v", err)
	}
	return n, be, logs
}

func TestServeAndAdminCommands(t *testing.T) {
	n, be, logs := startTestNode(t)
	dir := n.cfg.dataDir
	adminFlags := []string{"--admin", n.adminURL, "--data-dir", dir}
	cli := func(args ...string) string { t.Helper(); return mustCLI(t, append(args, adminFlags...)...) }

	// The token was generated into the data dir, mode 0600, and only its
	// path was logged.
	token, err := readToken(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(tokenFile(dir)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", st, err)
	}
	client := admin.NewClient(n.adminURL, token, nil)
	if err := client.Ready(context.Background()); err != nil {
		t.Fatalf("readyz: %v", err)
	}

	out := cli("location", "add", "ring", "--endpoint", be.URL(), "--access-key", testBackendKey,
		"--secret-key", testBackendSecret, "--bucket", "store", "--no-prefix")
	for _, want := range []string{"location ring added", "Enabled", noPrefixWarning, "********"} {
		if !strings.Contains(out, want) {
			t.Fatalf("location add output lacks %q:\n%s", want, out)
		}
	}
	cli("location", "add", "plain", "--endpoint", be.URL(), "--access-key", testBackendKey,
		"--secret-key", testBackendSecret, "--bucket", "other")

	out = cli("bucket", "create", "photos", "--location", "ring", "--mirror")
	if !strings.Contains(out, "bucket photos created on location ring (mirror)") {
		t.Fatalf("bucket create output:\n%s", out)
	}
	cli("bucket", "create", "docs", "--location", "plain")

	// A second bucket on a no-prefix location is refused with its code.
	_, err = runCLI(t, append([]string{"bucket", "create", "again", "--location", "ring"}, adminFlags...)...)
	var ge *admin.Error
	if !errors.As(err, &ge) || ge.Code == "" || ge.Status/100 != 4 {
		t.Fatalf("second bucket on a no-prefix location: %v, want a 4xx gateway error", err)
	}

	eventually(t, 10*time.Second, "mirror photos idle", func() error {
		st, err := client.MirrorStatus(context.Background(), "photos")
		if err != nil {
			return err
		}
		if st.LastFullPass.IsZero() {
			return errors.New("no full pass yet, state " + st.State)
		}
		return nil
	})
	out = cli("location", "list")
	if !regexp.MustCompile(`(?m)^ring\s.*\s(idle|scanning)\s+up\s+photos$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^plain\s.*\soff\s+up\s+docs$`).MatchString(out) {
		t.Fatalf("location list:\n%s", out)
	}
	cli("mirror", "pause", "photos")
	if out := cli("location", "list"); !regexp.MustCompile(`(?m)^ring\s.*\spaused\s`).MatchString(out) {
		t.Fatalf("location list after pause:\n%s", out)
	}
	cli("mirror", "resume", "photos")
	out = cli("mirror", "rescan", "photos", "--wait")
	if !strings.Contains(out, "rescan of photos finished") {
		t.Fatalf("rescan --wait output:\n%s", out)
	}
	if out := cli("mirror", "status"); !regexp.MustCompile(`(?m)^photos\s+ring\s`).MatchString(out) {
		t.Fatalf("mirror status:\n%s", out)
	}
	if out := cli("mirror", "status", "photos"); !strings.Contains(out, "mirror bucket photos") {
		t.Fatalf("mirror status photos:\n%s", out)
	}
	cli("bucket", "resync", "docs")
	if out := cli("bucket", "list"); !strings.Contains(out, "photos") || !strings.Contains(out, "write-through") {
		t.Fatalf("bucket list:\n%s", out)
	}
	if out := cli("location", "show", "ring"); !strings.Contains(out, "no prefix") || !strings.Contains(out, "photos") {
		t.Fatalf("location show:\n%s", out)
	}

	cli("bucket", "delete", "docs")
	cli("location", "remove", "plain")
	if _, err := runCLI(t, append([]string{"location", "show", "plain"}, adminFlags...)...); !errors.As(err, &ge) || ge.Status != 404 {
		t.Fatalf("show a removed location: %v, want 404", err)
	}

	// A wrong token is refused.
	if _, err := runCLI(t, "bucket", "list", "--admin", n.adminURL, "--admin-token", "wrong"); !errors.As(err, &ge) || ge.Status != 401 {
		t.Fatalf("wrong token: %v, want 401", err)
	}

	n.close()
	if err := client.Healthy(context.Background()); err == nil {
		t.Fatal("the admin API still answers after close")
	}
	for _, secret := range []string{token, testBackendSecret, testClientSecret} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("a secret appears in the logs:\n%s", logs.String())
		}
	}
	if !strings.Contains(logs.String(), tokenFile(dir)) {
		t.Fatalf("the token file's path is not logged:\n%s", logs.String())
	}
}

func TestSetUpDemoIsIdempotent(t *testing.T) {
	n, be, _ := startTestNode(t)
	ctx := context.Background()
	for run := 0; run < 2; run++ {
		var out bytes.Buffer
		if err := setUpDemo(ctx, n.cat, n.mirror, be.URL(), testBackendKey, testBackendSecret, &out); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if out.Len() != 0 {
			t.Fatalf("run %d printed a note: %s", run, out.String())
		}
	}
	b, err := n.cat.Bucket(ctx, demoBucket)
	if err != nil || !b.Mirror || b.Location != demoLocation {
		t.Fatalf("demo bucket %+v, %v", b, err)
	}
	// An earlier run's location that points elsewhere is reported.
	var out bytes.Buffer
	if err := setUpDemo(ctx, n.cat, n.mirror, "http://127.0.0.1:1", testBackendKey, testBackendSecret, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "earlier run") {
		t.Fatalf("no note about the stale location: %q", out.String())
	}
}

func TestDemoRunsAndStops(t *testing.T) {
	app, err := newApp()
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	app.Writer, app.ErrWriter = out, out
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- app.RunContext(ctx, []string{"ringside", "demo", "--listen", "127.0.0.1:0",
			"--admin-listen", "127.0.0.1:0", "--backend-listen", "127.0.0.1:0", "--log-level", "error"})
	}()
	var banner string
	eventually(t, 30*time.Second, "demo banner", func() error {
		select {
		case err := <-done:
			t.Fatalf("demo ended early: %v\n%s", err, out.String())
		default:
		}
		banner = out.String()
		if !strings.Contains(banner, "The ingester's view") {
			return errors.New("not yet printed")
		}
		return nil
	})
	for _, want := range []string{demoAccessKey, demoSecretKey, "s3 ls s3://demo", "--endpoint-url http://127.0.0.1:", "(temporary, removed on exit)"} {
		if !strings.Contains(banner, want) {
			t.Fatalf("banner lacks %q:\n%s", want, banner)
		}
	}
	m := regexp.MustCompile(`--admin (\S+) --data-dir (\S+)`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("no admin command in the banner:\n%s", banner)
	}
	adminURL, dir := m[1], m[2]
	token, err := readToken(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := "web console  " + adminURL + "/console/   sign in with the admin token " + token; !strings.Contains(banner, want) {
		t.Fatalf("banner lacks %q:\n%s", want, banner)
	}
	st, err := admin.NewClient(adminURL, token, nil).MirrorStatus(context.Background(), demoBucket)
	if err != nil || st.Location != demoLocation {
		t.Fatalf("demo mirror status: %+v, %v", st, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo stopped with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not stop within 30s of its context ending")
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the temporary data dir %s is still there: %v", dir, err)
	}
}

// nodeCLI runs ringside's CLI against n's admin API and data dir, failing
// t if a command fails, and returns its output.
func nodeCLI(t *testing.T, n *node) func(args ...string) string {
	adminFlags := nodeFlags(n)
	return func(args ...string) string { t.Helper(); return mustCLI(t, append(args, adminFlags...)...) }
}

// mirrorPhotos adds location ring on the backend's bucket store, without
// a prefix, and the mirror bucket photos on it.
func mirrorPhotos(cli func(args ...string) string, backendURL string) {
	cli("location", "add", "ring", "--endpoint", backendURL, "--access-key", testBackendKey,
		"--secret-key", testBackendSecret, "--bucket", "store", "--no-prefix")
	cli("bucket", "create", "photos", "--location", "ring", "--mirror")
}

// nodeFlags are the CLI flags that reach n's admin API and data dir.
func nodeFlags(n *node) []string {
	return []string{"--admin", n.adminURL, "--data-dir", n.cfg.dataDir}
}
