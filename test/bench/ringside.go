package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ringside/ringside/admin"
)

// ringsideServer is a `ringside serve` process on loopback.
type ringsideServer struct {
	URL      string // S3 API
	AdminURL string
	Token    string
	Admin    *admin.Client
	proc     *process
	bin      string
	args     []string
	// extra are the arguments of the current run beyond args.
	extra []string
	// cgroup, if set, holds the process from its start.
	cgroup *memCgroup
}

// buildRingside compiles ./cmd/ringside into dir.
func buildRingside(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "bin", "ringside")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/ringside")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build ringside: %w\n%s", err, out)
	}
	return bin, nil
}

// startRingside runs `ringside serve` with a fresh data dir, the default
// mirror interval, warnings-only logs and the extra arguments given.
func startRingside(ctx context.Context, bin, workDir, adminListen string, extra ...string) (*ringsideServer, error) {
	r, err := newRingside(bin, workDir, adminListen, extra...)
	if err != nil {
		return nil, err
	}
	if err := r.start(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// newRingside prepares a `ringside serve` as startRingside runs it,
// without starting it.
func newRingside(bin, workDir, adminListen string, extra ...string) (*ringsideServer, error) {
	listen, err := freeAddr()
	if err != nil {
		return nil, err
	}
	token, err := randomToken()
	if err != nil {
		return nil, err
	}
	args := []string{"serve",
		"--listen", listen,
		"--admin-listen", adminListen,
		"--data-dir", filepath.Join(workDir, "ringside"),
		"--access-key", gwAccessKey,
		"--secret-key", gwSecretKey,
		"--admin-token", token,
		"--log-level", "warn",
	}
	args = append(args, extra...)
	r := &ringsideServer{URL: "http://" + listen, AdminURL: "http://" + adminListen, Token: token, bin: bin, args: args}
	r.Admin = admin.NewClient(r.AdminURL, token, nil)
	return r, nil
}

// start runs the process and waits until it is ready.
func (r *ringsideServer) start(ctx context.Context) error {
	bin, args := r.bin, append(append([]string(nil), r.args...), r.extra...)
	if r.cgroup != nil {
		bin, args = r.cgroup.wrap(bin, args)
	}
	p, err := startProcess("ringside", bin, args, envWithout("RINGSIDE_"))
	if err != nil {
		return err
	}
	r.proc = p
	if err := waitHTTP(ctx, p, r.AdminURL+"/readyz", 60*time.Second); err != nil {
		p.stop(5 * time.Second)
		return err
	}
	return nil
}

// restart stops ringside and starts it again on the same ports and data
// dir, so that what it holds in memory is what a gateway that has just
// opened its index holds.
func (r *ringsideServer) restart(ctx context.Context) error {
	r.stop()
	return r.start(ctx)
}

// restartWith restarts ringside with extra arguments (none: its defaults),
// unless it already runs with them.
func (r *ringsideServer) restartWith(ctx context.Context, extra ...string) error {
	if slices.Equal(r.extra, extra) {
		return nil
	}
	r.extra = extra
	return r.restart(ctx)
}

func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make an admin token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func (r *ringsideServer) stop() { r.proc.stop(20 * time.Second) }

func (r *ringsideServer) pid() int { return r.proc.pid() }

// bindBucket adds a no-prefix location on the backend bucket and a gateway
// bucket of the same name on it, in mirror mode if asked.
func (r *ringsideServer) bindBucket(ctx context.Context, b *backendServer, bucket string, mirrorMode bool) error {
	if err := r.addLocation(ctx, b, bucket); err != nil {
		return err
	}
	return r.createBucket(ctx, bucket, mirrorMode)
}

// addLocation adds the no-prefix location loc-<bucket> on a backend bucket.
func (r *ringsideServer) addLocation(ctx context.Context, b *backendServer, bucket string) error {
	_, err := r.Admin.AddLocation(ctx, admin.NewLocation{
		Name:         "loc-" + bucket,
		Endpoint:     b.URL,
		Region:       "us-east-1",
		AccessKey:    b.AccessKey,
		SecretKey:    b.SecretKey,
		TargetBucket: bucket,
		NoPrefix:     true,
	})
	if err != nil {
		return fmt.Errorf("add the location of %s: %w", bucket, err)
	}
	return nil
}

// createBucket creates the gateway bucket on location loc-<bucket>.
func (r *ringsideServer) createBucket(ctx context.Context, bucket string, mirrorMode bool) error {
	if _, err := r.Admin.CreateBucket(ctx, bucket, "loc-"+bucket, mirrorMode); err != nil {
		return fmt.Errorf("create gateway bucket %s: %w", bucket, err)
	}
	return nil
}

// collectGarbage makes ringside run a garbage collection, through the
// heap profile's gc parameter, so that the heap in use read next is
// about the live heap.
func (r *ringsideServer) collectGarbage(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.AdminURL+"/debug/pprof/heap?gc=1", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+r.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("collect garbage: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("collect garbage: %s", resp.Status)
	}
	return nil
}

// metricQuery selects the series of one metric whose labels include
// Labels; their values are summed.
type metricQuery struct {
	Name   string
	Labels map[string]string
}

// scrape reads the admin /metrics and sums the series each query selects.
func (r *ringsideServer) scrape(ctx context.Context, queries ...metricQuery) ([]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.AdminURL+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+r.Token)
	// Compressing the scrape, which Go's client asks for by default, was
	// more than half of what a scrape cost ringside, and the samplers
	// scrape 20 times a second during an initial sync, on the cores the
	// workload shares.
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("scrape metrics: %s: %s", resp.Status, b)
	}
	return parseMetrics(resp.Body, queries)
}

// parseMetrics reads the Prometheus text format.
func parseMetrics(rd io.Reader, queries []metricQuery) ([]float64, error) {
	out := make([]float64, len(queries))
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		name, labels := splitSeries(line[:i])
		for qi, q := range queries {
			if q.Name != name || !labelsInclude(labels, q.Labels) {
				continue
			}
			v, err := strconv.ParseFloat(line[i+1:], 64)
			if err != nil {
				return nil, fmt.Errorf("parse metric %q: %w", line, err)
			}
			out[qi] += v
		}
	}
	return out, sc.Err()
}

// splitSeries splits `name{a="x",b="y"}` into the name and its labels;
// the label values ringside uses (bucket and operation names, statuses)
// hold no quotes or commas.
func splitSeries(series string) (string, map[string]string) {
	name, rest, ok := strings.Cut(series, "{")
	if !ok {
		return series, nil
	}
	labels := map[string]string{}
	for _, pair := range strings.Split(strings.TrimSuffix(rest, "}"), ",") {
		k, v, ok := strings.Cut(pair, "=")
		if ok {
			labels[k] = strings.Trim(v, `"`)
		}
	}
	return name, labels
}

func labelsInclude(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// logs is the end of ringside's output, for error messages.
func (r *ringsideServer) logs() string { return r.proc.Output() }

// alive fails when the gateway process has died.
func (r *ringsideServer) alive() error {
	if r.proc.Exited() {
		return fmt.Errorf("ringside exited (%v); its output:\n%s", r.proc.Err(), r.logs())
	}
	return nil
}
