package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestScopedEnvNames runs commands with old and new variable names set and
// checks the value each flag takes and the warning on stderr.
func TestScopedEnvNames(t *testing.T) {
	endpointFile := filepath.Join(t.TempDir(), "endpoint")
	if err := os.WriteFile(endpointFile, []byte("http://from-old-file:9000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	add := "ringside location add ring --endpoint http://h:9000 --access-key a --secret-key s"
	tests := []struct {
		name     string
		env      map[string]string
		args     string
		flag     string
		want     string
		warnings []string // each a line on stderr; none when empty
	}{
		{"new name", map[string]string{"RINGSIDE_LOCATION_BUCKET": "new-b"}, add, "bucket", "new-b", nil},
		{"old name still read, with a warning", map[string]string{"RINGSIDE_BUCKET": "old-b"}, add, "bucket", "old-b",
			[]string{"RINGSIDE_BUCKET is deprecated", "set RINGSIDE_LOCATION_BUCKET instead"}},
		{"new name wins over the old", map[string]string{"RINGSIDE_BUCKET": "old-b", "RINGSIDE_LOCATION_BUCKET": "new-b"}, add, "bucket", "new-b", nil},
		{"the flag wins over both", map[string]string{"RINGSIDE_LOCATION_BUCKET": "new-b"}, add + " --bucket flag-b", "bucket", "flag-b", nil},
		{"old file form", map[string]string{"RINGSIDE_LOCATION_BUCKET": "b", "RINGSIDE_ENDPOINT_FILE": endpointFile},
			"ringside location update ring", "endpoint", "http://from-old-file:9000",
			[]string{"RINGSIDE_ENDPOINT_FILE is deprecated", "set RINGSIDE_LOCATION_ENDPOINT_FILE instead"}},
		{"old bool", map[string]string{"RINGSIDE_JSON": "true"}, "ringside bucket list", "json", "true",
			[]string{"RINGSIDE_JSON is deprecated", "set RINGSIDE_BUCKET_JSON instead"}},
		{"another command's name is not read", map[string]string{"RINGSIDE_LOCATION_JSON": "true"}, "ringside bucket list", "json", "false", nil},
		{"serve's mirror interval is not the watch interval", map[string]string{"RINGSIDE_MIRROR_INTERVAL": "30s"},
			"ringside mirror status", "interval", "2s", nil},
		{"watch interval", map[string]string{"RINGSIDE_MIRROR_WATCH_INTERVAL": "5s"}, "ringside mirror status", "interval", "5s", nil},
		{"old watch interval", map[string]string{"RINGSIDE_INTERVAL": "7s"}, "ringside mirror status", "interval", "7s",
			[]string{"RINGSIDE_INTERVAL is deprecated", "set RINGSIDE_MIRROR_WATCH_INTERVAL instead"}},
		{"shared admin token", map[string]string{"RINGSIDE_ADMIN_TOKEN": "tok"}, "ringside mirror rescan b", "admin-token", "tok", nil},
		{"serve keeps its names", map[string]string{"RINGSIDE_LISTEN": "127.0.0.1:9"}, "ringside serve", "listen", "127.0.0.1:9", nil},
		{"the gateway's key is never a backend's", map[string]string{"RINGSIDE_ACCESS_KEY": "gw", "RINGSIDE_SECRET_KEY": "gws"},
			"ringside location update ring", "access-key", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			got, stderr := runCapturing(t, strings.Fields(tt.args), tt.flag)
			if got != tt.want {
				t.Errorf("--%s = %q, want %q", tt.flag, got, tt.want)
			}
			if len(tt.warnings) == 0 && stderr != "" {
				t.Errorf("unexpected stderr %q", stderr)
			}
			for _, w := range tt.warnings {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
			if strings.Count(stderr, "\n") > 1 {
				t.Errorf("more than one warning: %q", stderr)
			}
		})
	}
}

// runCapturing runs args with the leaf command's action replaced by one
// that records the flag's value, and returns it with stderr.
func runCapturing(t *testing.T, args []string, flag string) (string, string) {
	t.Helper()
	app, err := newApp()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	app.ErrWriter = &stderr
	cmd, _, _, _ := commandOf(app, args)
	if cmd == nil {
		t.Fatalf("no command in %v", args)
	}
	var got string
	cmd.Action = func(c *cli.Context) error {
		got = fmt.Sprint(c.Value(flag))
		return nil
	}
	if err := app.Run(reorderArgs(app, args)); err != nil {
		t.Fatal(err)
	}
	return got, stderr.String()
}

// TestHelpNamesOldVariablesOnlyWhenSet keeps the help free of the old
// names for whoever does not use them.
func TestHelpNamesOldVariablesOnlyWhenSet(t *testing.T) {
	help := func() string {
		app, err := newApp()
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		app.Writer = &out
		if err := app.Run([]string{"ringside", "location", "add", "--help"}); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	h := help()
	if !strings.Contains(h, "$RINGSIDE_LOCATION_BUCKET]") || strings.Contains(h, "$RINGSIDE_BUCKET") {
		t.Fatalf("help without old variables set:\n%s", h)
	}
	t.Setenv("RINGSIDE_BUCKET", "b")
	if h := help(); !strings.Contains(h, "[$RINGSIDE_LOCATION_BUCKET, $RINGSIDE_BUCKET]") {
		t.Fatalf("help with RINGSIDE_BUCKET set does not name it:\n%s", h)
	}
}
