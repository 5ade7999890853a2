package deploy

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/ringside/ringside/test/testenv"
)

var (
	repoRoot    string
	ringsideBin string
)

func TestMain(m *testing.M) {
	repoRoot = testenv.RepoRoot()
	os.Exit(testenv.RunWithRingside(m, &ringsideBin))
}

// surface is what one ringside command accepts: its flags (long and short
// names, without dashes) and the environment variables they read.
type surface struct {
	flags map[string]bool
	env   map[string]bool
}

var (
	surfaceMu sync.Mutex
	surfaces  = map[string]surface{}
	flagRE    = regexp.MustCompile(`(?m)^\s+(-{1,2}[a-z0-9][a-z0-9-]*(?:, -{1,2}[a-z0-9][a-z0-9-]*)*)`)
	envRE     = regexp.MustCompile(`\$(RINGSIDE_[A-Z0-9_]+)`)
)

// commandSurface reads a command's flags and variables from the built
// binary's own help, so that the check follows the binary, not a copy of
// its flag list.
func commandSurface(t *testing.T, command string) surface {
	t.Helper()
	surfaceMu.Lock()
	defer surfaceMu.Unlock()
	if s, ok := surfaces[command]; ok {
		return s
	}
	out, err := exec.Command(ringsideBin, command, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("ringside %s --help: %v\n%s", command, err, out)
	}
	s := surface{flags: map[string]bool{}, env: map[string]bool{}}
	for _, m := range flagRE.FindAllStringSubmatch(string(out), -1) {
		for _, name := range strings.Split(m[1], ", ") {
			s.flags[strings.TrimLeft(name, "-")] = true
		}
	}
	for _, m := range envRE.FindAllStringSubmatch(string(out), -1) {
		s.env[m[1]] = true
	}
	// A command whose help lists no flag or no variable means the help
	// format changed under the parser: fail rather than check nothing.
	if len(s.flags) < 2 || len(s.env) == 0 {
		t.Fatalf("ringside %s --help: read %d flags and %d variables; the help format changed?\n%s", command, len(s.flags), len(s.env), out)
	}
	surfaces[command] = s
	return s
}

// checkArgs checks a ringside command line (without the binary).
func checkArgs(t *testing.T, where string, args []string) {
	t.Helper()
	for _, p := range argProblems(t, args) {
		t.Errorf("%s: %s", where, p)
	}
}

// argProblems lists the flags of a ringside command line that the binary
// does not have. Its first word, if not a flag, is the command (serve when
// there is none, as after the image's entrypoint).
func argProblems(t *testing.T, args []string) []string {
	t.Helper()
	command := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		command, args = args[0], args[1:]
	}
	s := commandSurface(t, command)
	var problems []string
	for _, a := range args {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !s.flags[name] {
			problems = append(problems, fmt.Sprintf("ringside %s has no flag --%s", command, name))
		}
	}
	return problems
}

// checkEnv checks that a RINGSIDE_* variable is one `ringside serve` reads,
// or the _FILE form of one.
func checkEnv(t *testing.T, where, name string) {
	t.Helper()
	if !strings.HasPrefix(name, "RINGSIDE_") {
		return
	}
	env := commandSurface(t, "serve").env
	if !env[name] && !env[strings.TrimSuffix(name, "_FILE")] {
		t.Errorf("%s: ringside serve reads no variable %s", where, name)
	}
}

func TestArgProblems(t *testing.T) {
	tests := []struct {
		args []string
		bad  int
	}{
		{nil, 0},
		{[]string{"--listen=0.0.0.0:7480", "--log-level", "debug", "--tls-self-signed"}, 0},
		{[]string{"serve", "--memory-limit", "96MiB", "-h"}, 0},
		{[]string{"healthcheck", "--liveness", "--admin-listen", "127.0.0.1:7481"}, 0},
		{[]string{"--no-such-flag"}, 1},
		{[]string{"healthcheck", "--listen", "x", "--timeout=3s"}, 2},
		{[]string{"serve", "--", "--not-a-flag"}, 0},
	}
	for _, tt := range tests {
		if got := argProblems(t, tt.args); len(got) != tt.bad {
			t.Errorf("argProblems(%q) = %q, want %d problems", tt.args, got, tt.bad)
		}
	}
}

// needTool returns the path of an external checker, skipping the test when
// it is missing outside CI and failing it under CI.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing under CI: test/deps.sh installs it (Debian package %s)", name, pkg)
	}
	t.Skipf("%s not installed (Debian package %s; test/deps.sh installs it)", name, pkg)
	return ""
}
