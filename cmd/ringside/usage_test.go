package main

import (
	"strings"
	"testing"
)

// TestMissingArgumentNamesTheCommand checks that a command run without its
// argument points at its own help, by its full name, and that the help it
// points at exists.
func TestMissingArgumentNamesTheCommand(t *testing.T) {
	for _, path := range []string{"bucket delete", "bucket show", "location show", "location remove", "mirror pause", "mirror rescan", "completion"} {
		t.Run(path, func(t *testing.T) {
			args := strings.Fields(path)
			_, err := runCLI(t, args...)
			want := "see ringside " + path + " --help"
			if err == nil || !strings.HasPrefix(err.Error(), path+" takes exactly one ") || !strings.Contains(err.Error(), want) {
				t.Fatalf("ringside %s = %v, want %q", path, err, want)
			}
			out, err := runCLI(t, append(args, "--help")...)
			if err != nil || !strings.Contains(out, "ringside "+path+" - ") {
				t.Fatalf("ringside %s --help: %v\n%s", path, err, out)
			}
		})
	}
}
