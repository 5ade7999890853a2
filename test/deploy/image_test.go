package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDockerfile checks the image's settings against the binary: its
// environment, the health check command and the labels. The image itself
// is not built here: no container runtime runs in CI.
func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	// Join continued lines, drop comments.
	text := regexp.MustCompile(`\\\n\s*`).ReplaceAllString(string(raw), " ")
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	final := lines[lastIndex(lines, "FROM ")+1:]
	var health, entry string
	labels := map[string]bool{}
	for _, l := range final {
		switch {
		case strings.HasPrefix(l, "ENV "):
			for _, m := range regexp.MustCompile(`(RINGSIDE_[A-Z0-9_]+)=`).FindAllStringSubmatch(l, -1) {
				checkEnv(t, "Dockerfile ENV", m[1])
			}
		case strings.HasPrefix(l, "HEALTHCHECK "):
			health = l
		case strings.HasPrefix(l, "ENTRYPOINT "):
			entry = l
		case strings.HasPrefix(l, "LABEL "):
			for _, m := range regexp.MustCompile(`(org\.opencontainers\.image\.[a-z.]+)=`).FindAllStringSubmatch(l, -1) {
				labels[m[1]] = true
			}
		}
	}
	// Exec form: distroless has no shell to run the shell form.
	m := regexp.MustCompile(`CMD \["([^"]+)", "healthcheck"((?:, "[^"]+")*)\]`).FindStringSubmatch(health)
	if m == nil {
		t.Fatalf("HEALTHCHECK %q: want the exec form of `ringside healthcheck`", health)
	}
	var hcArgs []string
	for _, a := range regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(m[2], -1) {
		hcArgs = append(hcArgs, a[1])
	}
	checkArgs(t, "HEALTHCHECK", append([]string{"healthcheck"}, hcArgs...))
	if !strings.Contains(entry, `"`+m[1]+`"`) {
		t.Errorf("HEALTHCHECK runs %s, the entrypoint %s", m[1], entry)
	}
	for _, l := range []string{"title", "version", "revision", "created", "source"} {
		if !labels["org.opencontainers.image."+l] {
			t.Errorf("no org.opencontainers.image.%s label in the final stage", l)
		}
	}
	if !strings.Contains(text, "-X main.version=${VERSION}") {
		t.Error("the build does not pass VERSION to main.version")
	}
}

func lastIndex(lines []string, prefix string) int {
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], prefix) {
			return i
		}
	}
	return -1
}
