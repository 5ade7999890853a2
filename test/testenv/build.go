package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// RepoRoot is the root of the checkout this package was compiled from.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// BuildRingside builds ./cmd/ringside into a new temporary directory and
// returns the binary's path and a function that removes the directory.
func BuildRingside() (string, func(), error) {
	dir, err := os.MkdirTemp("", "ringside-test-bin-")
	if err != nil {
		return "", nil, fmt.Errorf("make a directory for the binary: %w", err)
	}
	remove := func() { os.RemoveAll(dir) }
	bin := filepath.Join(dir, "ringside")
	build := exec.Command("go", "build", "-o", bin, "./cmd/ringside")
	build.Dir = RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		remove()
		return "", nil, fmt.Errorf("build ringside: %w\n%s", err, out)
	}
	return bin, remove, nil
}

// RunWithRingside is a TestMain body: it builds ringside, sets *bin to
// the binary's path, runs the tests and removes the binary, returning the
// exit code.
func RunWithRingside(m *testing.M, bin *string) int {
	path, remove, err := BuildRingside()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer remove()
	*bin = path
	return m.Run()
}

// FreeAddr returns a loopback address whose port was free a moment ago.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Addr is FreeAddr that fails the test when no port can be had.
func Addr(t testing.TB) string {
	t.Helper()
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// CleanEnv is the environment without the variables that start with any
// of the given prefixes, so that a developer's own settings do not leak
// into the processes under test.
func CleanEnv(drop ...string) []string {
	var env []string
outer:
	for _, kv := range os.Environ() {
		for _, p := range drop {
			if strings.HasPrefix(kv, p) {
				continue outer
			}
		}
		env = append(env, kv)
	}
	return env
}

// Tail is the last lines of s, with a note of how many were cut.
func Tail(s string, lines int) string {
	parts := strings.Split(s, "\n")
	if len(parts) <= lines {
		return s
	}
	return fmt.Sprintf("[... %d lines cut ...]\n", len(parts)-lines) + strings.Join(parts[len(parts)-lines:], "\n")
}
