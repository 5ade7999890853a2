package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Buckets of the run. Each is a backend bucket of the same name and,
// through ringside, a gateway bucket on a no-prefix location of its own.
const (
	dataBucket        = "bench-data"   // objects; a plain gateway bucket, unversioned backend bucket
	listBucket        = "bench-list"   // plan.ListKeys keys; a mirror bucket
	mirrorSmallBucket = "bench-mirror" // plan.MirrorSmallKeys keys; a mirror bucket
)

// path is one way to the backend bucket: direct or through ringside.
type path struct {
	Name      string // direct or gateway
	C         *s3.Client
	transport *http.Transport
}

func newPath(name, endpoint, ak, sk string, o clientOptions) path {
	c, tr := newClient(endpoint, ak, sk, o)
	return path{Name: name, C: c, transport: tr}
}

// bench is a run in progress.
type bench struct {
	plan    plan
	flags   flags
	be      *backendServer
	rs      *ringsideServer // nil with --direct-only
	direct  path
	gateway path
	pat     pattern
	rep     *report
	started time.Time
	// profileErr ends the run after --profile: errProfiled, or why the
	// profile failed.
	profileErr error
	// smallWritten is set once the objects GET and HEAD read are written.
	smallWritten bool
	// populated is closed when the mirror buckets' backend buckets hold
	// their keys.
	populated chan error
	// hooks is where MinIO's webhook targets post: ringside's admin
	// address, picked before MinIO starts, and the locations' token.
	hooks webhookTargets
	// ws holds the run's directories; root is the repository's.
	ws   *workspace
	root string
}

// ownPIDs are the processes of the benchmark: the harness (with the
// embedded backend, if that is the backend), MinIO and ringside.
func (b *bench) ownPIDs() []int {
	pids := []int{os.Getpid()}
	if b.be != nil && b.be.proc != nil {
		pids = append(pids, b.be.proc.pid())
	}
	if b.rs != nil && b.rs.proc != nil {
		pids = append(pids, b.rs.pid())
	}
	return pids
}

// serverCPU is the CPU time used so far by the backend (when it is a
// process of its own) and by ringside; -1 for one that is not there.
func (b *bench) serverCPU() (backend, gateway float64) {
	backend, gateway = -1, -1
	if b.be.proc != nil {
		if s, err := cpuSeconds(b.be.proc.pid()); err == nil {
			backend = s
		}
	}
	if b.rs != nil {
		if s, err := cpuSeconds(b.rs.pid()); err == nil {
			gateway = s
		}
	}
	return backend, gateway
}

// clientCPU is the CPU time the harness has used so far, -1 when the
// backend runs inside it (its CPU would count as the client's).
func (b *bench) clientCPU() float64 {
	if b.be.proc == nil {
		return -1
	}
	s, err := cpuSeconds(os.Getpid())
	if err != nil {
		return -1
	}
	return s
}

// paths are the paths each comparison runs, direct first.
func (b *bench) paths() []path {
	if b.rs == nil {
		return []path{b.direct}
	}
	return []path{b.direct, b.gateway}
}

// workspace is the directories and processes of a run.
type workspace struct {
	workDir    string // ringside's binary and data dir
	backendDir string // MinIO's data
	keep       bool
	stops      []func()
}

func newWorkspace(f flags) (*workspace, error) {
	workDir, err := os.MkdirTemp("", "ringside-bench-")
	if err != nil {
		return nil, fmt.Errorf("create the work dir: %w", err)
	}
	backendDir, err := os.MkdirTemp(f.backendDir, "ringside-bench-backend-")
	if err != nil {
		os.RemoveAll(workDir)
		return nil, fmt.Errorf("create the backend's data dir: %w", err)
	}
	return &workspace{workDir: workDir, backendDir: backendDir, keep: f.keep}, nil
}

// cleanup stops the processes, last started first, and removes the
// directories unless asked to keep them.
func (w *workspace) cleanup() {
	for i := len(w.stops) - 1; i >= 0; i-- {
		w.stops[i]()
	}
	if w.keep {
		logf("kept the work dirs %s and %s", w.workDir, w.backendDir)
		return
	}
	os.RemoveAll(w.workDir)
	os.RemoveAll(w.backendDir)
}

// setup starts the backend and ringside and makes the buckets; the
// returned cleanup stops what was started.
func setup(ctx context.Context, root string, f flags, p plan, fill bool) (*bench, func(), error) {
	b := &bench{plan: p, flags: f, pat: newPattern(20261122), started: time.Now(), populated: make(chan error, 1)}
	hooks, err := newWebhookTargets()
	if err != nil {
		return nil, nil, err
	}
	b.hooks = hooks
	ws, err := newWorkspace(f)
	if err != nil {
		return nil, nil, err
	}
	b.ws, b.root = ws, root
	var bin string
	var buildErr error
	var building sync.WaitGroup
	if !f.directOnly {
		building.Add(1)
		go func() {
			defer building.Done()
			logf("building ringside")
			bin, buildErr = buildRingside(ctx, root, ws.workDir)
		}()
	}
	err = b.startBackend(ctx, root, ws, fill)
	building.Wait()
	if err != nil {
		return nil, ws.cleanup, err
	}
	b.rep = newReport(f, p, b.be, root)
	if f.directOnly {
		return b, ws.cleanup, nil
	}
	if buildErr != nil {
		return nil, ws.cleanup, buildErr
	}
	return b, ws.cleanup, b.startGateway(ctx, bin, ws)
}

// startBackend starts the backend, makes its buckets and, with fill,
// starts filling the mirror buckets' backend buckets, which goes on while
// ringside builds and starts.
func (b *bench) startBackend(ctx context.Context, root string, ws *workspace, fill bool) error {
	logf("starting the %s backend", b.flags.backend)
	var err error
	if b.be, err = startBackend(ctx, b.flags.backend, root, ws.backendDir, b.hooks.minioEnv()...); err != nil {
		return err
	}
	ws.stops = append(ws.stops, b.be.stop)
	if d := b.flags.listDelay; d > 0 {
		url, stop, err := startListDelay(b.be.URL, d)
		if err != nil {
			return err
		}
		ws.stops = append(ws.stops, stop)
		b.be.URL = url
		b.be.Version += fmt.Sprintf(", behind a proxy holding each listing call %s", d)
		logf("backend listing calls held %s each by a proxy at %s", d, url)
	}
	b.direct = newPath("direct", b.be.URL, b.be.AccessKey, b.be.SecretKey, clientOptions{UnsignedPayload: b.flags.unsigned})
	if err := waitS3(ctx, b.direct.C); err != nil {
		return err
	}
	if err := createBackendBucket(ctx, b.direct.C, dataBucket, false); err != nil {
		return err
	}
	for _, bk := range []string{listBucket, mirrorSmallBucket} {
		if err := createBackendBucket(ctx, b.direct.C, bk, true); err != nil {
			return err
		}
	}
	if !fill {
		close(b.populated)
		return nil
	}
	go func() {
		logf("writing %d + %d keys to the backend", b.plan.ListKeys, b.plan.MirrorSmallKeys)
		start := time.Now()
		err := b.populate(ctx, listBucket, b.plan.ListKeys)
		if err == nil {
			err = b.populate(ctx, mirrorSmallBucket, b.plan.MirrorSmallKeys)
		}
		logf("backend keys written in %.1fs", time.Since(start).Seconds())
		b.populated <- err
	}()
	return nil
}

// startGateway starts ringside and binds the objects' bucket.
func (b *bench) startGateway(ctx context.Context, bin string, ws *workspace) error {
	logf("starting ringside")
	var err error
	if b.rs, err = startRingside(ctx, bin, ws.workDir, b.hooks.adminListen,
		"--mirror-list-concurrency", strconv.Itoa(b.flags.listConc)); err != nil {
		return err
	}
	ws.stops = append(ws.stops, b.rs.stop)
	tokenFile := filepath.Join(ws.workDir, "admin-token")
	if err := os.WriteFile(tokenFile, []byte(b.rs.Token), 0o600); err != nil {
		return fmt.Errorf("save the admin token: %w", err)
	}
	logf("ringside: S3 API %s, admin API %s (token in %s, for pprof)", b.rs.URL, b.rs.AdminURL, tokenFile)
	b.gateway = newPath("gateway", b.rs.URL, gwAccessKey, gwSecretKey, clientOptions{UnsignedPayload: b.flags.unsigned})
	return b.rs.bindBucket(ctx, b.be, dataBucket, false)
}

// waitPopulated waits for the backend keys of the mirror buckets.
func (b *bench) waitPopulated(ctx context.Context) error {
	select {
	case err, ok := <-b.populated:
		if !ok {
			return nil
		}
		close(b.populated)
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// runGroups runs the selected groups, the ingester's first, while the
// system is otherwise quiet.
func (b *bench) runGroups(ctx context.Context, groups map[string]bool) error {
	if err := b.waitPopulated(ctx); err != nil {
		return err
	}
	if b.rs != nil {
		if groups["ingest"] {
			if err := b.runIngest(ctx); err != nil {
				return err
			}
		} else if groups["list"] {
			if err := b.mirrorQuietly(ctx, listBucket, b.plan.ListKeys); err != nil {
				return err
			}
		}
	}
	steps := []struct {
		group string
		run   func(context.Context) error
	}{
		{"scale", b.runScale},
		{"large", b.runLarge},
		{"tls", b.runTLS},
		{"small", b.runSmall},
		{"head", b.runHead},
		{"list", b.runList},
		{"rss", b.runRSS},
	}
	for _, s := range steps {
		if !groups[s.group] {
			continue
		}
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.group, err)
		}
		if b.profileErr != nil {
			return b.profileErr
		}
		if b.rs != nil {
			if err := b.rs.alive(); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// benchCase is one workload at one concurrency, run on every path.
type benchCase struct {
	ID       string
	Workload string
	Conc     int
	Unit     string
	Target   float64 // minimum gateway/direct ratio; 0 when none
	Run      func(ctx context.Context, p path, round int) sample
	Rate     func(sample) float64
}

// runCases runs the cases round by round, each case on the direct path
// then the gateway, so that drift in the machine hits both alike.
func (b *bench) runCases(ctx context.Context, group string, cases []benchCase) {
	if b.flags.profile != "" {
		b.profileCase(ctx, cases)
		return
	}
	samples := make([]map[string][]sample, len(cases))
	for i := range samples {
		samples[i] = map[string][]sample{}
	}
	for round := range b.plan.Rounds {
		for i, c := range cases {
			for _, p := range b.paths() {
				if ctx.Err() != nil {
					return
				}
				be0, gw0 := b.serverCPU()
				cl0 := b.clientCPU()
				s := c.Run(ctx, p, round)
				cl1 := b.clientCPU()
				be1, gw1 := b.serverCPU()
				s.BackendCPU, s.GatewayCPU, s.ClientCPU = cpuDelta(be0, be1), cpuDelta(gw0, gw1), cpuDelta(cl0, cl1)
				samples[i][p.Name] = append(samples[i][p.Name], s)
			}
		}
		logf("%s: round %d/%d done", group, round+1, b.plan.Rounds)
	}
	for i, c := range cases {
		r := result{ID: c.ID, Group: group, Workload: c.Workload, Conc: c.Conc, Unit: c.Unit}
		work := func(s sample) float64 { return float64(s.Ops) }
		if c.Unit == "MiB/s" {
			work = func(s sample) float64 { return mib(s.Bytes) }
		}
		r.Direct = summarize(samples[i]["direct"], c.Rate, work)
		r.Gateway = pathStats{Median: math.NaN(), P50Ms: math.NaN(), P99Ms: math.NaN(), BackendCPUus: math.NaN(), GatewayCPUus: math.NaN(), ClientCPUus: math.NaN()}
		r.Ratio, r.ModelRatio, r.CeilingRatio = math.NaN(), math.NaN(), math.NaN()
		if b.rs != nil {
			r.Gateway = summarize(samples[i]["gateway"], c.Rate, work)
			r.Ratio = r.Gateway.Median / r.Direct.Median
			r.ModelRatio, r.CeilingRatio = cpuBound(r.Direct, r.Gateway)
		}
		if c.Target > 0 {
			t := c.Target
			r.Target = &t
			if b.rs != nil {
				met := r.Ratio >= t && r.Gateway.Errors == 0 && r.Direct.Errors == 0
				r.Met = &met
			}
		}
		b.rep.Results = append(b.rep.Results, r)
	}
}

// summarize reduces the rounds of one path; work is what a sample did,
// in the unit CPU time is counted per (operations, or MiB moved).
func summarize(ss []sample, rate, work func(sample) float64) pathStats {
	var ps pathStats
	var lat []time.Duration
	var backendCPU, gatewayCPU, clientCPU []float64
	for _, s := range ss {
		ps.Rounds = append(ps.Rounds, rate(s))
		ps.Requests += s.Ops + s.Errors
		ps.Errors += s.Errors
		if ps.FirstError == "" {
			ps.FirstError = s.FirstErr
		}
		lat = append(lat, s.Lat...)
		if w := work(s); w > 0 {
			if s.BackendCPU >= 0 {
				backendCPU = append(backendCPU, s.BackendCPU/w*1e6)
			}
			if s.GatewayCPU >= 0 {
				gatewayCPU = append(gatewayCPU, s.GatewayCPU/w*1e6)
			}
			if s.ClientCPU >= 0 {
				clientCPU = append(clientCPU, s.ClientCPU/w*1e6)
			}
		}
	}
	ps.Median = median(ps.Rounds)
	ps.P50Ms = percentile(lat, 50)
	ps.P99Ms = percentile(lat, 99)
	ps.BackendCPUus = median(backendCPU)
	ps.GatewayCPUus = median(gatewayCPU)
	ps.ClientCPUus = median(clientCPU)
	return ps
}

// cpuBound models a workload that keeps every core of the machine busy:
// its rate is then the machine's CPU over what client, backend and
// ringside spend per operation together, so the gateway/direct ratio is
// the direct path's CPU per operation over the gateway path's. model is
// that ratio from the measured CPU (it should come near the measured
// ratio when the model holds); ceiling is the same with ringside's own
// CPU at zero: what no gateway in front of this backend, driven by this
// client on this machine, could pass without taking work off the client
// or the backend. NaN when the CPU of a process was not measured.
func cpuBound(direct, gateway pathStats) (model, ceiling float64) {
	d := direct.ClientCPUus + direct.BackendCPUus
	g := gateway.ClientCPUus + gateway.BackendCPUus
	model = d / (g + gateway.GatewayCPUus)
	ceiling = d / g
	return model, ceiling
}

// cpuDelta is the CPU time used between two readings, -1 when either is
// missing.
func cpuDelta(before, after float64) float64 {
	if before < 0 || after < 0 {
		return -1
	}
	return after - before
}

func opsPerSecond(s sample) float64 { return float64(s.Ops) / s.Elapsed.Seconds() }

func mibPerSecond(s sample) float64 { return mib(s.Bytes) / s.Elapsed.Seconds() }

// sizeName is 4KiB, 32MiB and so on.
func sizeName(n int64) string {
	switch {
	case n >= gib && n%gib == 0:
		return fmt.Sprintf("%dGiB", n/gib)
	case n >= mi && n%mi == 0:
		return fmt.Sprintf("%dMiB", n/mi)
	case n >= kib && n%kib == 0:
		return fmt.Sprintf("%dKiB", n/kib)
	}
	return fmt.Sprintf("%dB", n)
}

// putObject writes a generated body.
func (b *bench) putObject(ctx context.Context, c *s3.Client, bucket, key string, size int64) error {
	_, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(bucket),
		Key:           aws.String(key),
		Body:          b.pat.body(key, size),
		ContentLength: aws.Int64(size),
	})
	if err != nil {
		return fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	return nil
}

// putMany writes n objects of size with conc workers; key names object i.
func (b *bench) putMany(ctx context.Context, c *s3.Client, bucket string, n, conc int, size int64, key func(int) string) error {
	var next int64
	var mu sync.Mutex
	s := run(ctx, conc, func(ctx context.Context, w int, r *workerResult) {
		for ctx.Err() == nil {
			mu.Lock()
			i := next
			next++
			mu.Unlock()
			if i >= int64(n) {
				return
			}
			start := time.Now()
			r.record(start, size, b.putObject(ctx, c, bucket, key(int(i)), size))
		}
	})
	if s.Errors > 0 {
		return fmt.Errorf("%d of %d writes to %s failed, the first: %s", s.Errors, n, bucket, s.FirstErr)
	}
	return ctx.Err()
}

// populate writes the keys of a LIST bucket, empty objects, directly.
func (b *bench) populate(ctx context.Context, bucket string, n int) error {
	return b.putMany(ctx, b.direct.C, bucket, n, 32, 0, listKey)
}

// listKey is the i-th key of a LIST bucket. One key in ten has a child,
// so that a listing with the delimiter "/" returns common prefixes among
// the keys.
func listKey(i int) string {
	if i%10 == 0 {
		return fmt.Sprintf("obj/k%06d/x", i)
	}
	return fmt.Sprintf("obj/k%06d", i)
}
