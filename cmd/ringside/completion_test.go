package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// buildRingside builds the binary into a temporary dir and returns the dir,
// for the shell scripts that call `ringside` by name.
func buildRingside(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "ringside"), ".").CombinedOutput()
	if err != nil {
		t.Fatalf("build ringside: %v\n%s", err, out)
	}
	return dir
}

func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	dir := buildRingside(t)
	tests := []struct {
		words string // what is typed; the last word is completed
		want  []string
		not   []string
	}{
		{"ringside loc", []string{"location"}, []string{"bucket"}},
		{"ringside mirror ''", []string{"status", "pause", "resume", "rescan"}, []string{"add"}},
		{"ringside serve --tls", []string{"--tls-cert", "--tls-key", "--tls-self-signed"}, []string{"--listen"}},
		// Flags after a positional argument: the reordering of arguments
		// must leave a completion request alone.
		{"ringside location add ring --no", []string{"--no-prefix"}, nil},
		{"ringside location add ring ''", nil, []string{"NAME:", "USAGE:", "ringside"}},
	}
	for _, tt := range tests {
		t.Run(tt.words, func(t *testing.T) {
			n := len(strings.Fields(tt.words)) - 1
			script := "source <(ringside completion bash)\n" +
				"COMP_WORDS=(" + tt.words + "); COMP_CWORD=" + strconv.Itoa(n) + "\n" +
				"_ringside_complete\necho \"${COMPREPLY[*]}\"\n"
			cmd := exec.Command(bash, "-c", script)
			cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("bash: %v\n%s", err, out)
			}
			got := strings.Fields(string(out))
			for _, w := range tt.want {
				if !contains(got, w) {
					t.Errorf("completing %q offers %q, want %s among them", tt.words, got, w)
				}
			}
			for _, w := range tt.not {
				if contains(got, w) {
					t.Errorf("completing %q offers %s", tt.words, w)
				}
			}
		})
	}
}

func TestCompletionScripts(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "complete -o bashdefault -o default -F _ringside_complete ringside",
		"zsh":  "#compdef ringside",
		"fish": "-c ringside -n '__fish_ringside_no_subcommand' -a 'location'",
	} {
		out, err := runCLI(t, "completion", shell)
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("completion %s: %v; want %q in\n%s", shell, err, want, out)
		}
	}
	if _, err := runCLI(t, "completion", "tcsh"); err == nil || !strings.Contains(err.Error(), "want bash, zsh or fish") {
		t.Errorf("completion tcsh = %v, want a refusal naming the shells", err)
	}
	if _, err := runCLI(t, "completion"); err == nil {
		t.Error("completion without a shell succeeded")
	}
}

func TestVersionFlag(t *testing.T) {
	for _, arg := range []string{"--version", "-v"} {
		out, err := runCLI(t, arg)
		if err != nil || strings.TrimSpace(out) != versionLine() {
			t.Errorf("ringside %s = %q, %v; want %q", arg, out, err, versionLine())
		}
	}
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}
