package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// unitFile is a systemd unit's settings: key -> values in order.
type unitFile map[string][]string

func readUnit(t *testing.T, path string) unitFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unitFile{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not key=value", path, line)
		}
		u[k] = append(u[k], v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

// readEnvFile reads the names and values of a systemd EnvironmentFile.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not NAME=value", path, line)
		}
		env[k] = v
	}
	return env
}

func TestSystemdUnitUsesWhatTheBinaryHas(t *testing.T) {
	dir := filepath.Join(repoRoot, "deploy", "systemd")
	u := readUnit(t, filepath.Join(dir, "ringside.service"))
	exec := u["ExecStart"]
	if len(exec) != 1 {
		t.Fatalf("ExecStart = %q, want one", exec)
	}
	words := strings.Fields(exec[0])
	if filepath.Base(words[0]) != "ringside" || len(words) < 2 || words[1] != "serve" {
		t.Fatalf("ExecStart = %q, want ringside serve", exec[0])
	}
	checkArgs(t, "ExecStart", words[1:])

	env := map[string]string{}
	for _, e := range u["Environment"] {
		k, v, _ := strings.Cut(strings.Trim(e, `"`), "=")
		checkEnv(t, "Environment="+k, k)
		env[k] = v
	}
	for k := range readEnvFile(t, filepath.Join(dir, "ringside.env.example")) {
		checkEnv(t, "ringside.env.example", k)
	}
	if len(u["EnvironmentFile"]) == 0 {
		t.Error("no EnvironmentFile: the secrets would have to sit in the unit")
	}
	// The data dir must be the one directory the unit lets it write.
	if want := "/var/lib/" + strings.Join(u["StateDirectory"], ""); env["RINGSIDE_DATA_DIR"] != want {
		t.Errorf("RINGSIDE_DATA_DIR=%s, want the StateDirectory %s", env["RINGSIDE_DATA_DIR"], want)
	}
	for k, want := range map[string]string{
		"ProtectSystem":   "strict",
		"NoNewPrivileges": "yes",
		"PrivateTmp":      "yes",
		"DynamicUser":     "yes",
	} {
		if got := strings.Join(u[k], " "); got != want {
			t.Errorf("%s=%s, want %s", k, got, want)
		}
	}
	for _, k := range []string{"RestrictAddressFamilies", "SystemCallFilter", "MemoryMax"} {
		if len(u[k]) == 0 {
			t.Errorf("no %s", k)
		}
	}
}

// TestSystemdUnitVerifies runs systemd-analyze on the unit, pointed at a
// freshly built binary (verify checks that ExecStart exists), and wants no
// complaint at all: systemd ignores a setting it cannot parse with only a
// warning, which would silently drop hardening.
func TestSystemdUnitVerifies(t *testing.T) {
	analyze := needTool(t, "systemd-analyze", "systemd")
	dir := t.TempDir()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "systemd", "ringside.service"))
	if err != nil {
		t.Fatal(err)
	}
	envFile := filepath.Join(dir, "ringside.env")
	unit := strings.ReplaceAll(string(raw), "/usr/local/bin/ringside", ringsideBin)
	unit = strings.ReplaceAll(unit, "/etc/ringside/ringside.env", envFile)
	unitPath := filepath.Join(dir, "ringside.service")
	if err := os.WriteFile(unitPath, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "systemd", "ringside.env.example"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(envFile, example, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", unitPath).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	// The exposure score systemd computes from the hardening settings:
	// 0 is fully locked down, 10 is none; below 2 is what it calls OK.
	out, err = exec.Command(analyze, "security", "--offline=yes", unitPath).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "unrecognized option") {
			t.Logf("systemd-analyze too old for security --offline: exposure not checked")
			return
		}
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	score := exposure(string(out))
	if score < 0 || score >= 2 {
		t.Fatalf("exposure level %v, want below 2 (OK):\n%s", score, out)
	}
	t.Logf("systemd exposure level %.1f", score)
}

// exposure reads "Overall exposure level for x.service: 1.2 OK"; -1 if absent.
func exposure(out string) float64 {
	const marker = "Overall exposure level for "
	i := strings.Index(out, marker)
	if i < 0 {
		return -1
	}
	_, rest, _ := strings.Cut(out[i:], ": ")
	f, err := strconv.ParseFloat(strings.Fields(rest)[0], 64)
	if err != nil {
		return -1
	}
	return f
}
