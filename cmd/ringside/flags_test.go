package main

import (
	"flag"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in         string
		offAllowed bool
		want       int64
		wantErr    string
	}{
		{"96MiB", true, 96 << 20, ""},
		{"1GiB", false, 1 << 30, ""},
		{"512 KiB", false, 512 << 10, ""},
		{"2TiB", false, 2 << 40, ""},
		{"65536", false, 65536, ""},
		{"100B", false, 100, ""},
		{"off", true, 0, ""},
		{"OFF", true, 0, ""},
		{"0", true, 0, ""},
		{"0", false, 0, "more than 0"},
		{"off", false, 0, "not a size"},
		{"96M", true, 0, "not a size"},
		{"96mib", true, 0, "not a size"},
		{"-1MiB", true, 0, "not a size"},
		{"1.5GiB", true, 0, "not a size"},
		{"", true, 0, "not a size"},
		{"9000000TiB", true, 0, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSize(tt.in, tt.offAllowed)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseSize(%q) = %d, %v; want an error mentioning %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("parseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestMemoryLimitConfig(t *testing.T) {
	tests := []struct {
		name       string
		args       string
		env        map[string]string
		want       int64
		wantCache  int64
		wantErrMsg string
	}{
		{name: "default", want: 96 << 20, wantCache: 16 << 20},
		{name: "flag", args: "--memory-limit 200MiB --index-cache-size 64MiB", want: 200 << 20, wantCache: 64 << 20},
		{name: "off", args: "--memory-limit off", want: 0, wantCache: 16 << 20},
		{name: "environment", env: map[string]string{"RINGSIDE_MEMORY_LIMIT": "0"}, want: 0, wantCache: 16 << 20},
		{name: "GOMEMLIMIT left to the runtime", env: map[string]string{"GOMEMLIMIT": "300MiB"}, want: 0, wantCache: 16 << 20},
		{name: "the flag wins over GOMEMLIMIT", args: "--memory-limit 64MiB", env: map[string]string{"GOMEMLIMIT": "300MiB"}, want: 64 << 20, wantCache: 16 << 20},
		{name: "bad limit", args: "--memory-limit lots", wantErrMsg: "--memory-limit"},
		{name: "no cache", args: "--index-cache-size 0", wantErrMsg: "--index-cache-size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOMEMLIMIT", "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cfg, err := serveConfigFrom(serveContext(t, strings.Fields(tt.args)))
			if tt.wantErrMsg != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrMsg) {
					t.Fatalf("error %v, want one mentioning %q", err, tt.wantErrMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.memoryLimit != tt.want || cfg.indexCacheSize != tt.wantCache {
				t.Errorf("memory limit %d, index cache %d; want %d, %d", cfg.memoryLimit, cfg.indexCacheSize, tt.want, tt.wantCache)
			}
		})
	}
}

// serveContext is the context `ringside serve args` runs with: the
// command's own flags, parsed from args and the environment.
func serveContext(t *testing.T, args []string) *cli.Context {
	t.Helper()
	app, err := newApp()
	if err != nil {
		t.Fatal(err)
	}
	serve := findCommand(app.Commands, "serve")
	set := flag.NewFlagSet("serve", flag.ContinueOnError)
	for _, f := range serve.Flags {
		if err := f.Apply(set); err != nil {
			t.Fatal(err)
		}
	}
	if err := set.Parse(args); err != nil {
		t.Fatal(err)
	}
	c := cli.NewContext(app, set, nil)
	c.Command = serve
	return c
}
