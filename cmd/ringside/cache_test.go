package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/urfave/cli/v2"
)

func TestObjectCacheConfig(t *testing.T) {
	tests := []struct {
		name       string
		args       string
		env        map[string]string
		size, obj  int64
		wantErrMsg string
	}{
		{name: "default", size: 32 << 20, obj: 256 << 10},
		{name: "flags", args: "--cache-size 64MiB --cache-max-object 1MiB", size: 64 << 20, obj: 1 << 20},
		{name: "off", args: "--cache-size 0", size: 0, obj: 256 << 10},
		{name: "off by name", args: "--cache-size off", size: 0, obj: 256 << 10},
		{name: "environment", env: map[string]string{"RINGSIDE_CACHE_SIZE": "8MiB"}, size: 8 << 20, obj: 256 << 10},
		{name: "object above the cache", args: "--cache-size 1MiB --cache-max-object 2MiB", wantErrMsg: "--cache-max-object"},
		{name: "no object", args: "--cache-max-object 0", wantErrMsg: "--cache-max-object"},
		{name: "not a size", args: "--cache-size lots", wantErrMsg: "--cache-size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, ok := serveArgsOrRefusal(t, tt.args, tt.env, tt.wantErrMsg)
			if !ok {
				return
			}
			if cfg.cacheSize != tt.size || cfg.cacheMaxObject != tt.obj {
				t.Errorf("cache %d, largest object %d; want %d, %d", cfg.cacheSize, cfg.cacheMaxObject, tt.size, tt.obj)
			}
		})
	}
}

// serveArgsOrRefusal reads serve's configuration from args with env set:
// ok is false when wantErrMsg is set, and the args were refused with an
// error mentioning it.
func serveArgsOrRefusal(t *testing.T, args string, env map[string]string, wantErrMsg string) (cfg serveConfig, ok bool) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	cfg, err := parseServeArgs(t, args)
	if wantErrMsg != "" {
		if err == nil || !strings.Contains(err.Error(), wantErrMsg) {
			t.Fatalf("error %v, want one mentioning %q", err, wantErrMsg)
		}
		return cfg, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return cfg, true
}

// parseServeArgs reads serve's configuration from args, as the command
// line would give them.
func parseServeArgs(t *testing.T, args string) (serveConfig, error) {
	t.Helper()
	app, err := newApp()
	if err != nil {
		t.Fatal(err)
	}
	set := flag.NewFlagSet("serve", flag.ContinueOnError)
	for _, f := range findCommand(app.Commands, "serve").Flags {
		if err := f.Apply(set); err != nil {
			t.Fatal(err)
		}
	}
	if err := set.Parse(strings.Fields(args)); err != nil {
		t.Fatal(err)
	}
	return serveConfigFrom(cli.NewContext(app, set, nil))
}

func TestDiskCacheConfig(t *testing.T) {
	tests := []struct {
		name       string
		args       string
		env        map[string]string
		size, obj  int64
		dir        string
		wantErrMsg string
	}{
		{name: "default: off", size: 0, obj: 256 << 20},
		{name: "flags", args: "--cache-disk-size 10GiB --cache-disk-max-object 1GiB --cache-disk-dir /var/cache/ringside", size: 10 << 30, obj: 1 << 30, dir: "/var/cache/ringside"},
		{name: "off by name", args: "--cache-disk-size off", size: 0, obj: 256 << 20},
		{name: "environment", env: map[string]string{"RINGSIDE_CACHE_DISK_SIZE": "2GiB", "RINGSIDE_CACHE_DISK_DIR": "/srv/c"}, size: 2 << 30, obj: 256 << 20, dir: "/srv/c"},
		{name: "object above the tier", args: "--cache-disk-size 1GiB --cache-disk-max-object 2GiB", wantErrMsg: "--cache-disk-max-object"},
		{name: "no object", args: "--cache-disk-max-object 0", wantErrMsg: "--cache-disk-max-object"},
		{name: "not a size", args: "--cache-disk-size lots", wantErrMsg: "--cache-disk-size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, ok := serveArgsOrRefusal(t, tt.args, tt.env, tt.wantErrMsg)
			if !ok {
				return
			}
			if cfg.cacheDiskSize != tt.size || cfg.cacheDiskMaxObject != tt.obj || cfg.cacheDiskDir != tt.dir {
				t.Errorf("disk tier %d in %q, largest object %d; want %d in %q, %d", cfg.cacheDiskSize, cfg.cacheDiskDir, cfg.cacheDiskMaxObject, tt.size, tt.dir, tt.obj)
			}
		})
	}
}

// TestDiskCacheStart starts a node with the disk tier on over a cache
// directory a killed run left files in, a partial fill among them: they
// are removed, the start says so, and both tiers' series are exposed
// under the same names with their tier.
func TestDiskCacheStart(t *testing.T) {
	dataDir := t.TempDir()
	cacheDir := filepath.Join(dataDir, "cache")
	if err := os.MkdirAll(cacheDir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ringside-fill-12", "ringside-obj-11"} {
		if err := os.WriteFile(filepath.Join(cacheDir, name), []byte("left by a killed run"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	n, _, logs := startTestNodeWith(t, func(c *serveConfig) {
		c.dataDir = dataDir
		c.cacheSize, c.cacheMaxObject = 1<<20, 1<<10
		c.cacheDiskSize, c.cacheDiskMaxObject = 1<<30, 1<<20
	})
	if left, err := os.ReadDir(cacheDir); err != nil || len(left) != 0 {
		t.Errorf("cache dir after start: %v (%v), want empty", left, err)
	}
	if !strings.Contains(logs.String(), "disk cache on") || !strings.Contains(logs.String(), "wiped_files=2") {
		t.Errorf("no start line saying 2 files were wiped in\n%s", logs.String())
	}
	mfs, err := n.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	tiers := map[string]bool{}
	for _, mf := range mfs {
		if mf.GetName() == "ringside_cache_hits_total" {
			for _, m := range mf.GetMetric() {
				tiers[m.GetLabel()[0].GetValue()] = true
			}
		}
	}
	if !tiers["memory"] || !tiers["disk"] {
		t.Errorf("ringside_cache_hits_total has tiers %v, want memory and disk", tiers)
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "ringside_cache_") {
			t.Errorf("%s: %s", p.Metric, p.Text)
		}
	}
}
