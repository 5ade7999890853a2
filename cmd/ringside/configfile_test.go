package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ringside/ringside/config"
	"github.com/ringside/ringside/embedded"
)

// configYAML declares the locations and buckets of the round trip; extra
// is appended as is.
func configYAML(endpoint, extra string) string {
	return `
locations:
  ring:
    endpoint: ` + endpoint + `
    accessKey: ` + testBackendKey + `
    secretKey: ${RINGSIDE_TEST_RING_SECRET}
    targetBucket: store
    noPrefix: true
  plain:
    endpoint: ` + endpoint + `
    accessKey: ` + testBackendKey + `
    secretKeyFile: ${RINGSIDE_TEST_SECRET_FILE}
    targetBucket: other
buckets:
  photos: {location: ring, mirror: true}
  docs: {location: plain}
` + extra
}

// The file is declared, applied at start, changed and reapplied: the
// index converges to it, a broken file changes nothing, and prune removes
// only what the catalog would.
func TestConfigFileRoundTrip(t *testing.T) {
	be, err := embedded.Start("127.0.0.1:0", testBackendKey, testBackendSecret, "store", "other", "third")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "plain-secret")
	if err := os.WriteFile(secretFile, []byte(testBackendSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RINGSIDE_TEST_RING_SECRET", testBackendSecret)
	t.Setenv("RINGSIDE_TEST_SECRET_FILE", secretFile)
	path := filepath.Join(dir, "ringside.yaml")
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(configYAML(be.URL(), ""))
	f, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cfg := serveConfig{
		listen: "127.0.0.1:0", adminListen: "127.0.0.1:0", dataDir: filepath.Join(dir, "data"),
		credentials: map[string]string{"nodeclient": testClientSecret}, mirrorInterval: 50 * time.Millisecond,
		configFile: path, file: f, defaultLocation: "plain",
	}
	n, err := openNode(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatalf("open a node with a config file: %v", err)
	}
	t.Cleanup(n.close)
	ctx := context.Background()
	wantCatalog(t, n, "docs@plain photos@ring:mirror", "plain ring")
	waitIndexedAfter(t, n, be)

	// Changed: a new location and bucket, and plain's region moved.
	changed := configYAML(be.URL(), "  more: {location: extra}\n")
	changed = strings.Replace(changed, "targetBucket: other", "targetBucket: other\n    region: eu-west-1", 1)
	changed = strings.Replace(changed, "locations:\n", `locations:
  extra:
    endpoint: `+be.URL()+`
    accessKey: `+testBackendKey+`
    secretKey: ${RINGSIDE_TEST_RING_SECRET}
    targetBucket: third
`, 1)
	write(changed)
	n.reloadConfig(ctx)
	wantCatalog(t, n, "docs@plain more@extra photos@ring:mirror", "extra plain ring")
	if l, err := n.db.GetLocation("plain"); err != nil || l.Region != "eu-west-1" {
		t.Errorf("plain's region after the reload: %q, %v", l.Region, err)
	}

	// A file that no longer parses changes nothing.
	write("locations: [\n")
	n.reloadConfig(ctx)
	wantCatalog(t, n, "docs@plain more@extra photos@ring:mirror", "extra plain ring")
	if !strings.Contains(logs.String(), "reload refused") {
		t.Errorf("a refused reload is not logged:\n%s", logs.String())
	}

	// Prune: extra and more go (more is empty, extra then unused); the
	// rest stays as declared.
	write(configYAML(be.URL(), "prune: true\n"))
	n.reloadConfig(ctx)
	wantCatalog(t, n, "docs@plain photos@ring:mirror", "plain ring")

	// SIGHUP rereads the file.
	hupCtx, stop := context.WithCancel(ctx)
	defer stop()
	n.reloadOnHangup(hupCtx)
	write(configYAML(be.URL(), "  hup: {location: plain}\n"))
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the bucket declared before SIGHUP", func() error {
		_, err := n.db.GetBucket("hup")
		return err
	})
	if strings.Contains(logs.String(), testBackendSecret) {
		t.Error("a secret appears in the logs")
	}
}

// wantCatalog compares the node's buckets (name@location[:mirror]) and
// locations with want.
func wantCatalog(t *testing.T, n *node, buckets, locations string) {
	t.Helper()
	bs, err := n.db.ListBuckets()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range bs {
		s := b.Name + "@" + b.Location
		if b.Mirror {
			s += ":mirror"
		}
		got = append(got, s)
	}
	ls, err := n.db.ListLocations()
	if err != nil {
		t.Fatal(err)
	}
	var gotL []string
	for _, l := range ls {
		gotL = append(gotL, l.Name)
	}
	if strings.Join(got, " ") != buckets || strings.Join(gotL, " ") != locations {
		t.Fatalf("catalog: buckets %v locations %v; want %s / %s", got, gotL, buckets, locations)
	}
}

// waitIndexedAfter writes to the mirror bucket's backend and waits for
// the mirror declared by the file to index it.
func waitIndexedAfter(t *testing.T, n *node, be *embedded.Server) {
	t.Helper()
	putDirect(t, be.URL(), testBackendSecret, "declared")
	waitIndexed(t, n, "photos", "declared")
}

// The file's server settings apply to the flags the command line and the
// environment leave unset; they override it.
func TestConfigFileSetsServerFlags(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("file-token-123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ringside.yaml")
	err := os.WriteFile(path, []byte(`
server:
  listen: 127.0.0.1:9100
  adminListen: 127.0.0.1:9101
  accessKey: filekey
  secretKey: file-secret
  adminTokenFile: `+tokenFile+`
  mirrorInterval: 7s
  logFormat: json
  accessLog: true
  cacheSize: 64MiB
  cacheDiskSize: 2GiB
  cacheDiskDir: `+filepath.Join(dir, "cache")+`
  mirrorListConcurrency: 2
  backendStallTimeout: 45s
  tlsSelfSigned: true
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("RINGSIDE_ADMIN_LISTEN", "127.0.0.1:9201")
	c := serveContext(t, []string{"--config", path, "--listen", "127.0.0.1:9200"})
	if _, err := loadConfigFile(c); err != nil {
		t.Fatal(err)
	}
	cfg, err := serveConfigFrom(c)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.listen != "127.0.0.1:9200" || cfg.adminListen != "127.0.0.1:9201" {
		t.Errorf("listen %s, admin %s: the flag and the environment must override the file", cfg.listen, cfg.adminListen)
	}
	if cfg.credentials["filekey"] != "file-secret" || cfg.adminToken != "file-token-123" || cfg.mirrorInterval != 7*time.Second ||
		cfg.logFormat != "json" || !cfg.accessLog {
		t.Errorf("settings from the file not applied: %+v", cfg)
	}
	if cfg.cacheSize != 64<<20 || cfg.cacheDiskSize != 2<<30 || cfg.cacheDiskDir != filepath.Join(dir, "cache") ||
		cfg.listConcurrency != 2 || cfg.backend.Timeouts.Stall != 45*time.Second || !c.Bool("tls-self-signed") {
		t.Errorf("cache, mirror, backend or TLS settings from the file not applied: cache %d, disk %d in %q, listers %d, stall %s, self-signed %v",
			cfg.cacheSize, cfg.cacheDiskSize, cfg.cacheDiskDir, cfg.listConcurrency, cfg.backend.Timeouts.Stall, c.Bool("tls-self-signed"))
	}
}

func TestConfigCheckCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte("locations:\n  ring: {endpoint: 'http://127.0.0.1:1', accessKey: a, secretKey: s, targetBucket: store, noPrefix: true}\nbuckets:\n  photos: {location: ring, mirror: true}\n"), 0o600)
	os.WriteFile(bad, []byte("buckets:\n  photos: {location: nowhere}\n  two: {location: elsewhere}\n"), 0o600)
	if out := mustCLI(t, "config", "check", good); !strings.Contains(out, "ok (1 locations, 1 buckets)") {
		t.Errorf("config check of a good file:\n%s", out)
	}
	out, err := runCLI(t, "config", "check", bad)
	if err == nil || !strings.Contains(err.Error(), "2 problem(s)") || !strings.Contains(out, "location nowhere is not declared") || !strings.Contains(out, "location elsewhere") {
		t.Errorf("config check of a bad file: %v\n%s", err, out)
	}
}

// Every serve flag but --config has a key in the file's server section,
// so that a new flag cannot be left out of it unnoticed.
func TestConfigFileCoversServeFlags(t *testing.T) {
	app, err := newApp()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	st := reflect.TypeOf(config.Server{})
	for i := range st.NumField() {
		keys[st.Field(i).Tag.Get("flag")] = true
	}
	for _, f := range findCommand(app.Commands, "serve").Flags {
		if name := f.Names()[0]; name != "config" && !keys[name] {
			t.Errorf("--%s has no key in the config file's server section", name)
		}
	}
}
