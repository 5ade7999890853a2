package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// firstLine fails unless err's first line has every part of want.
func firstLine(t *testing.T, what string, err error, out string, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error\n%s", what, out)
	}
	line, _, _ := strings.Cut(err.Error(), "\n")
	for _, w := range want {
		if !strings.Contains(line, w) {
			t.Errorf("%s: first line %q lacks %q", what, line, w)
		}
	}
	if strings.Contains(out, "USAGE:") {
		t.Errorf("%s: the whole help was printed:\n%s", what, out)
	}
}

func TestStartRefusalsSayCauseAndFix(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "credentials")
	if err := os.WriteFile(empty, []byte("# no keys yet\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"duration without a unit", []string{"serve", "--access-key", "a", "--secret-key", "s", "--mirror-interval", "2"},
			[]string{"--mirror-interval 2", "needs a unit", "2s"}},
		{"empty credentials file", []string{"serve", "--credentials-file", empty, "--data-dir", dir},
			[]string{empty, "holds no credentials", "ACCESS_KEY SECRET_KEY", "--access-key"}},
		{"bad flag value", []string{"serve", "--access-key", "a", "--secret-key", "s", "--tls-self-signed=maybe"},
			[]string{"--tls-self-signed maybe", "--help"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runCLI(t, tt.args...)
			firstLine(t, tt.name, err, out, tt.want...)
		})
	}
}

func TestNodeRefusalsSayCauseAndFix(t *testing.T) {
	n, be, _ := startTestNode(t)
	adminFlags := []string{"--admin", n.adminURL, "--data-dir", n.cfg.dataDir}
	mustCLI(t, append([]string{"location", "add", "plain", "--endpoint", be.URL(), "--access-key", testBackendKey,
		"--secret-key", testBackendSecret, "--bucket", "other"}, adminFlags...)...)
	mustCLI(t, append([]string{"bucket", "create", "docs", "--location", "plain"}, adminFlags...)...)

	out, err := runCLI(t, append([]string{"mirror", "pause", "nope"}, adminFlags...)...)
	firstLine(t, "mirror pause nope", err, out, "NoSuchMirrorBucket", "Bucket nope does not exist", "ringside mirror status")
	out, err = runCLI(t, append([]string{"mirror", "rescan", "docs"}, adminFlags...)...)
	firstLine(t, "mirror rescan of a write-through bucket", err, out, "NotAMirrorBucket", "docs is a write-through bucket")

	// A second ringside on the same data dir.
	log := slog.New(slog.DiscardHandler)
	_, err = openNode(context.Background(), n.cfg, log)
	firstLine(t, "second node on the data dir", err, "", "data dir "+n.cfg.dataDir+" is in use by another ringside", "--data-dir")

	// An unknown default location, once locations exist.
	n.close()
	cfg := n.cfg
	cfg.defaultLocation = "nowhere"
	n2, err := openNode(context.Background(), cfg, log)
	if err == nil {
		n2.close()
	}
	firstLine(t, "unknown --default-location", err, "", "--default-location nowhere", "no such location", "plain")
	cfg.defaultLocation = "plain"
	n3, err := openNode(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("a known --default-location: %v", err)
	}
	n3.close()
}
