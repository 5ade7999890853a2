package deploy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

var metricNameRE = regexp.MustCompile(`\b(?:ringside|go|process)_[a-z0-9_]+\b`)

func monitoringDir() string { return filepath.Join(repoRoot, "deploy", "monitoring") }

// TestAlertRules runs promtool on the rules and on their test cases.
func TestAlertRules(t *testing.T) {
	promtool := needTool(t, "promtool", "prometheus")
	for _, args := range [][]string{
		{"check", "rules", "ringside-alerts.yaml"},
		{"test", "rules", "ringside-alerts.test.yaml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = monitoringDir()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// ruleExprs returns alert name -> expression of the rules file.
func ruleExprs(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(monitoringDir(), "ringside-alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	exprs := map[string]string{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			exprs[r.Alert] = r.Expr
		}
	}
	if len(exprs) == 0 {
		t.Fatal("no alert rules read")
	}
	return exprs
}

// dashboardExprs returns every PromQL expression of the Grafana dashboard
// (panel targets and variable queries), by where it is.
func dashboardExprs(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(monitoringDir(), "ringside-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				RefID string `json:"refId"`
				Expr  string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name  string          `json:"name"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("ringside-dashboard.json: %v", err)
	}
	exprs := map[string]string{}
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			if tg.Expr == "" {
				t.Errorf("dashboard panel %q target %s has no expression", p.Title, tg.RefID)
			}
			exprs["panel "+p.Title+" "+tg.RefID] = tg.Expr
		}
	}
	for _, v := range d.Templating.List {
		var q struct {
			Query string `json:"query"`
		}
		if json.Unmarshal(v.Query, &q) == nil && strings.HasPrefix(q.Query, "label_values(") {
			// label_values(SELECTOR, label): the selector is PromQL.
			sel := strings.TrimPrefix(q.Query, "label_values(")
			exprs["variable "+v.Name] = sel[:strings.LastIndex(sel, ",")]
		}
	}
	if len(exprs) < 10 {
		t.Fatalf("only %d expressions read from the dashboard", len(exprs))
	}
	return exprs
}

// TestDashboardQueriesParse has promtool parse every dashboard query, as
// recording rules, with Grafana's variables replaced by what they expand
// to.
func TestDashboardQueriesParse(t *testing.T) {
	promtool := needTool(t, "promtool", "prometheus")
	expand := strings.NewReplacer("$__rate_interval", "5m", "$instance", ".*", "$bucket", ".*")
	type rule struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	type group struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	}
	g := group{Name: "dashboard"}
	for _, e := range dashboardExprs(t) {
		g.Rules = append(g.Rules, rule{Record: "dashboard:check", Expr: expand.Replace(e)})
	}
	raw, err := yaml.Marshal(map[string][]group{"groups": {g}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dashboard-rules.yaml")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err != nil {
		t.Fatalf("a dashboard query does not parse: %v\n%s", err, out)
	}
}

// codeMetricNames are the ringside_* names written in ringside's Go
// sources (tests excluded).
func codeMetricNames(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	lit := regexp.MustCompile(`"(ringside_[a-z0-9_]+)"`)
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "test" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range lit.FindAllSubmatch(raw, -1) {
			names[string(m[1])] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestMonitoringUsesExportedMetrics checks every series the rules and the
// dashboard name against what a running ringside exports (its /metrics)
// and the metric names in its code (series that appear only once
// something happens), and lints the export with promtool.
func TestMonitoringUsesExportedMetrics(t *testing.T) {
	scrape := scrapeDemo(t)
	known := codeMetricNames(t)
	sc := bufio.NewScanner(bytes.NewReader(scrape))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 3 && f[0] == "#" && f[1] == "TYPE" {
			known[f[2]] = true
		}
	}
	exprs := dashboardExprs(t)
	for name, e := range ruleExprs(t) {
		exprs["alert "+name] = e
	}
	for where, e := range exprs {
		for _, name := range metricNameRE.FindAllString(e, -1) {
			base := name
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if b, ok := strings.CutSuffix(name, suffix); ok && known[b] {
					base = b
				}
			}
			if known[base] {
				continue
			}
			t.Errorf("%s uses %s, which ringside does not export", where, name)
		}
	}
	if promtool, err := exec.LookPath("promtool"); err == nil {
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = bytes.NewReader(scrape)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics on ringside's /metrics: %v\n%s", err, out)
		}
	} else if os.Getenv("CI") == "true" {
		t.Error("promtool is missing under CI: test/deps.sh installs it (Debian package prometheus)")
	}
}

// scrapeDemo runs `ringside demo` (the gateway with an embedded backend
// and a mirror bucket) on loopback and returns its /metrics once the
// mirror has completed a pass.
func scrapeDemo(t *testing.T) []byte {
	t.Helper()
	const token = "deploy-test-admin-token"
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, ringsideBin, "demo", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
		"--backend-listen", "127.0.0.1:0", "--admin-token", token, "--mirror-interval", "100ms", "--data-dir", t.TempDir())
	// Stop it as an operator would, so that it closes its index.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`msg="serving the admin API" url=(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	var adminURL string
	select {
	case adminURL = <-urls:
	case <-time.After(30 * time.Second):
		t.Fatal("ringside demo did not log its admin URL within 30s")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		body, err := get(adminURL+"/metrics", token)
		if err == nil && bytes.Contains(body, []byte("ringside_mirror_passes_total{")) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mirror pass on /metrics within 30s: %v\n%s", err, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func get(url, token string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return body, err
}
