package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

// --metrics-listen serves /metrics without the admin token, which the
// admin API's /metrics still needs; the series a dashboard starts from
// are there, and every name follows Prometheus's rules.
func TestMetricsListenerAndNames(t *testing.T) {
	n, be, _ := startTestNodeWith(t, func(c *serveConfig) { c.metricsListen = "127.0.0.1:0" })
	adminFlags := []string{"--admin", n.adminURL, "--data-dir", n.cfg.dataDir}
	mustCLI(t, append([]string{"location", "add", "ring", "--endpoint", be.URL(), "--access-key", testBackendKey,
		"--secret-key", testBackendSecret, "--bucket", "store", "--no-prefix"}, adminFlags...)...)
	mustCLI(t, append([]string{"bucket", "create", "photos", "--location", "ring", "--mirror"}, adminFlags...)...)

	if status, _ := get(t, n.adminURL+"/metrics"); status != http.StatusUnauthorized {
		t.Errorf("the admin API's /metrics without a token: %d, want 401", status)
	}
	for _, path := range []string{"/api/v1/locations", "/api/v1/buckets"} {
		if status, _ := get(t, n.metricsURL+path); status != http.StatusNotFound {
			t.Errorf("the metrics listener serves %s: %d, want 404", path, status)
		}
	}
	eventually(t, 20*time.Second, "the mirror's series", func() error {
		status, body := get(t, n.metricsURL+"/metrics")
		if status != http.StatusOK {
			return fmt.Errorf("status %d", status)
		}
		for _, want := range []string{
			`ringside_build_info{goversion="go`,
			`ringside_mirror_state{bucket="photos",state="idle"} 1`,
			`ringside_mirror_state{bucket="photos",state="error"} 0`,
			`ringside_mirror_errors_total{bucket="photos"} 0`,
		} {
			if !strings.Contains(body, want) {
				return fmt.Errorf("no %s in\n%s", want, body)
			}
		}
		return nil
	})

	// The S3 front end's series appear with its first request.
	get(t, n.s3URL+"/photos/nothing")
	mfs, err := n.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("metric %s: %s", p.Metric, p.Text)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	for _, want := range []string{"ringside_s3_requests_total", "ringside_backend_requests_total", "ringside_mirror_passes_total", "ringside_build_info"} {
		if !names[want] {
			t.Errorf("%s was not linted: not gathered", want)
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
