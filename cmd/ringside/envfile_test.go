package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	secret := write("secret", "file-secret-0042\n")
	token := write("token", "file-token-77")
	empty := write("empty", "\n")
	twoLines := write("two", "a\nb\n")

	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    map[string]string // serve flag -> value
		wantErr string
	}{
		{"files", map[string]string{"RINGSIDE_ACCESS_KEY": "ak", "RINGSIDE_SECRET_KEY_FILE": secret, "RINGSIDE_ADMIN_TOKEN_FILE": token}, nil,
			map[string]string{"secret-key": "file-secret-0042", "admin-token": "file-token-77"}, ""},
		{"flag beats the file", map[string]string{"RINGSIDE_SECRET_KEY_FILE": secret}, []string{"--secret-key", "flag-secret"},
			map[string]string{"secret-key": "flag-secret"}, ""},
		{"both forms", map[string]string{"RINGSIDE_SECRET_KEY": "x", "RINGSIDE_SECRET_KEY_FILE": secret}, nil, nil, "both RINGSIDE_SECRET_KEY and RINGSIDE_SECRET_KEY_FILE"},
		{"missing file", map[string]string{"RINGSIDE_SECRET_KEY_FILE": filepath.Join(dir, "nope")}, nil, nil, "RINGSIDE_SECRET_KEY_FILE: open"},
		{"empty file", map[string]string{"RINGSIDE_ADMIN_TOKEN_FILE": empty}, nil, nil, "is empty"},
		{"two lines", map[string]string{"RINGSIDE_ADMIN_TOKEN_FILE": twoLines}, nil, nil, "more than one line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			app, err := newApp()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("newApp = %v, want an error with %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "file-secret-0042") {
					t.Fatalf("the error shows the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			findCommand(app.Commands, "serve").Action = func(c *cli.Context) error {
				for k := range tt.want {
					got[k] = c.String(k)
				}
				return nil
			}
			if err := app.Run(append([]string{"ringside", "serve"}, tt.args...)); err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("--%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

// TestBackendSecretFromAFile gives location add's required secret key by
// file, and checks the help never shows a value read from a file.
func TestBackendSecretFromAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ring-secret")
	if err := os.WriteFile(path, []byte("ring-file-secret-9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RINGSIDE_LOCATION_SECRET_KEY_FILE", path)
	app, err := newApp()
	if err != nil {
		t.Fatal(err)
	}
	add := findCommand(findCommand(app.Commands, "location").Subcommands, "add")
	var got string
	add.Action = func(c *cli.Context) error { got = c.String("secret-key"); return nil }
	args := strings.Fields("ringside location add ring --endpoint http://h:9000 --access-key a --bucket b")
	if err := app.Run(reorderArgs(app, args)); err != nil {
		t.Fatalf("location add without --secret-key but with its file: %v", err)
	}
	if got != "ring-file-secret-9" {
		t.Fatalf("--secret-key = %q, want the file's content", got)
	}
	out, err := runCLI(t, "location", "add", "--help")
	if err != nil || strings.Contains(out, "ring-file-secret-9") || !strings.Contains(out, "from RINGSIDE_LOCATION_SECRET_KEY_FILE") {
		t.Fatalf("location add --help (%v) shows the secret or not where it comes from:\n%s", err, out)
	}
}
