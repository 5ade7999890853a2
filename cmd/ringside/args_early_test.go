package main

import (
	"strings"
	"testing"
)

func TestReorderArgsMovesFlagsGivenBeforeTheCommand(t *testing.T) {
	app, err := newApp()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in, want string
	}{
		{"ringside --admin http://h:1 location list", "ringside location list --admin http://h:1"},
		{"ringside --admin http://h:1 --admin-token t bucket show photos", "ringside bucket show --admin http://h:1 --admin-token t photos"},
		{"ringside --admin=http://h:1 mirror status photos --json", "ringside mirror status --admin=http://h:1 --json photos"},
		{"ringside --json location list", "ringside location list --json"},
		{"ringside location --json --admin http://h:1 list", "ringside location list --json --admin http://h:1"},
		{"ringside --json --admin http://h:1 location list", "ringside location list --json --admin http://h:1"},
		{"ringside --listen 127.0.0.1:0 serve", "ringside serve --listen 127.0.0.1:0"},
		// Not the command's flags, or not a leaf: left for urfave/cli to
		// refuse or to show help.
		{"ringside --nope location list", "ringside --nope location list"},
		{"ringside --listen x location list", "ringside --listen x location list"},
		{"ringside --json x location list", "ringside --json x location list"},
		{"ringside --admin http://h:1 location", "ringside --admin http://h:1 location"},
		{"ringside --help", "ringside --help"},
		{"ringside -h location list", "ringside -h location list"},
	}
	for _, tt := range tests {
		got := strings.Join(reorderArgs(app, strings.Fields(tt.in)), " ")
		if got != tt.want {
			t.Errorf("reorderArgs(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestAdminFlagsBeforeTheCommand(t *testing.T) {
	n, _, _ := startTestNode(t)
	out := mustCLI(t, "--admin", n.adminURL, "--data-dir", n.cfg.dataDir, "location", "list", "--json")
	if strings.TrimSpace(out) != "[]" {
		t.Fatalf("location list with the admin flags first printed %q, want []", out)
	}
	// The same flags in the wrong place for the command stay refused.
	if _, err := runCLI(t, "--admin", n.adminURL, "version"); err == nil {
		t.Fatal("version accepted --admin")
	}
}
