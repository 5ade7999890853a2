package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// pathStats are one path's figures for a workload.
type pathStats struct {
	Median     float64   `json:"median"`
	Rounds     []float64 `json:"rounds"`
	P50Ms      float64   `json:"p50Ms"`
	P99Ms      float64   `json:"p99Ms"`
	Requests   int64     `json:"requests"`
	Errors     int64     `json:"errors"`
	FirstError string    `json:"firstError,omitempty"`
	// BackendCPUus and GatewayCPUus are the CPU microseconds the backend
	// and ringside spent per operation (per MiB for MiB/s workloads),
	// medians over the rounds: unlike rates, they hardly depend on what
	// else the machine is doing.
	BackendCPUus float64 `json:"backendCpuUsPerUnit"`
	GatewayCPUus float64 `json:"gatewayCpuUsPerUnit"`
	// ClientCPUus is what the client (the harness) spent, likewise; NaN
	// when the backend runs inside the harness.
	ClientCPUus float64 `json:"clientCpuUsPerUnit"`
}

// result is one side-by-side comparison.
type result struct {
	ID       string    `json:"id"`
	Group    string    `json:"group"`
	Workload string    `json:"workload"`
	Conc     int       `json:"concurrency"`
	Unit     string    `json:"unit"`
	Direct   pathStats `json:"direct"`
	Gateway  pathStats `json:"gateway"`
	Ratio    float64   `json:"ratio"` // gateway median / direct median
	// ModelRatio and CeilingRatio are cpuBound's: the ratio the CPU per
	// operation predicts on a saturated machine, and the same with
	// ringside's CPU at zero.
	ModelRatio   float64  `json:"cpuModelRatio"`
	CeilingRatio float64  `json:"zeroCostGatewayRatio"`
	Target       *float64 `json:"targetRatio,omitempty"`
	Met          *bool    `json:"met,omitempty"`
}

// figure is a measurement of ringside alone (the ingester, memory).
type figure struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Value   float64 `json:"value"`
	Unit    string  `json:"unit"`
	Compare string  `json:"compare,omitempty"`
	Target  string  `json:"target,omitempty"`
	Met     *bool   `json:"met,omitempty"`
	Note    string  `json:"note,omitempty"`
}

// report is everything a run writes.
type report struct {
	Date    time.Time `json:"date"`
	Command string    `json:"command"`
	Machine machine   `json:"machine"`
	Plan    plan      `json:"plan"`
	Client  string    `json:"client"`
	Results []result  `json:"results"`
	Figures []figure  `json:"figures"`
	Seconds float64   `json:"seconds"`
	// LoadAverage is the machine's 1-minute load average as the
	// measurements began; OtherCores the cores that processes other than
	// the benchmark's kept busy, on average, during them.
	LoadAverage float64 `json:"loadAverage"`
	OtherCores  float64 `json:"otherCores"`
}

func newReport(f flags, p plan, be *backendServer, root string) *report {
	payload := "payload SHA-256 signed (the SDK's default over HTTP)"
	if f.unsigned {
		payload = "UNSIGNED-PAYLOAD"
	}
	return &report{
		Date:    time.Now().UTC().Truncate(time.Second),
		Command: strings.Join(append([]string{"go run ./test/bench"}, os.Args[1:]...), " "),
		Machine: describeMachine(root, be),
		Plan:    p,
		Client: "aws-sdk-go-v2 s3, path style, RequestChecksumCalculation=WhenRequired, no retries, " + payload +
			", 256 idle connections per host, 64 KiB socket buffers",
	}
}

func (r *report) figure(f figure) { r.Figures = append(r.Figures, f) }

func metText(m *bool) string {
	switch {
	case m == nil:
		return ""
	case *m:
		return "yes"
	}
	return "**no**"
}

func num(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "-"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func errText(p pathStats) string {
	if p.Errors == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d errors)", p.Errors)
}

// table is the comparison and the figures as Markdown tables, which read
// well on a terminal too.
func (r *report) table() string {
	var sb strings.Builder
	sb.WriteString("| workload | c | unit | direct | gateway | gateway/direct | target | met | direct p50/p99 ms | gateway p50/p99 ms | server CPU µs per op or MiB: direct / gateway (ringside) |\n")
	sb.WriteString("|---|---:|---|---:|---:|---:|---:|---|---:|---:|---:|\n")
	for _, x := range r.Results {
		target := ""
		if x.Target != nil {
			target = fmt.Sprintf(">= %.2f", *x.Target)
		}
		fmt.Fprintf(&sb, "| %s | %d | %s | %s%s | %s%s | %s | %s | %s | %s / %s | %s / %s | %s / %s (%s) |\n",
			x.Workload, x.Conc, x.Unit, num(x.Direct.Median), errText(x.Direct), num(x.Gateway.Median), errText(x.Gateway),
			num(x.Ratio), target, metText(x.Met),
			num(x.Direct.P50Ms), num(x.Direct.P99Ms), num(x.Gateway.P50Ms), num(x.Gateway.P99Ms),
			num(x.Direct.BackendCPUus), num(x.Gateway.BackendCPUus+x.Gateway.GatewayCPUus), num(x.Gateway.GatewayCPUus))
	}
	if len(r.Figures) > 0 {
		sb.WriteString("\n| figure | value | compared with | target | met |\n|---|---:|---|---|---|\n")
		for _, f := range r.Figures {
			cmp := f.Compare
			if f.Note != "" {
				cmp = strings.TrimPrefix(cmp+"; "+f.Note, "; ")
			}
			fmt.Fprintf(&sb, "| %s | %s %s | %s | %s | %s |\n", f.Name, num(f.Value), f.Unit, cmp, f.Target, metText(f.Met))
		}
	}
	return sb.String()
}

// write saves the Markdown and JSON reports (an empty name skips one).
func (r *report) write(mdPath, jsonPath string) error {
	if jsonPath != "" {
		raw, err := json.MarshalIndent(r.forJSON(), "", "  ")
		if err != nil {
			return fmt.Errorf("encode the JSON report: %w", err)
		}
		if err := writeFile(jsonPath, append(raw, '\n')); err != nil {
			return err
		}
	}
	if mdPath != "" {
		if err := writeFile(mdPath, []byte(r.markdown(jsonPath, mdPath))); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(p string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("create the directory of %s: %w", p, err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}

// forJSON replaces the NaN and infinities JSON cannot carry by -1.
func (r *report) forJSON() *report {
	c := *r
	fix := func(v *float64) {
		if math.IsNaN(*v) || math.IsInf(*v, 0) {
			*v = -1
		}
	}
	c.Results = append([]result(nil), r.Results...)
	for i := range c.Results {
		x := &c.Results[i]
		for _, p := range []*pathStats{&x.Direct, &x.Gateway} {
			fix(&p.Median)
			fix(&p.P50Ms)
			fix(&p.P99Ms)
			fix(&p.BackendCPUus)
			fix(&p.GatewayCPUus)
			fix(&p.ClientCPUus)
			p.Rounds = append([]float64(nil), p.Rounds...)
			for j := range p.Rounds {
				fix(&p.Rounds[j])
			}
		}
		fix(&x.Ratio)
		fix(&x.ModelRatio)
		fix(&x.CeilingRatio)
	}
	c.Figures = append([]figure(nil), r.Figures...)
	for i := range c.Figures {
		fix(&c.Figures[i].Value)
	}
	return &c
}

// markdown is docs/BENCHMARKS.md.
func (r *report) markdown(jsonPath, mdPath string) string {
	var sb strings.Builder
	m := r.Machine
	sb.WriteString("# ringside benchmarks\n\n")
	sb.WriteString("Written by the benchmark program in `test/bench` (`make bench`); do not edit by hand. ")
	sb.WriteString("The same aws-sdk-go-v2 client runs each workload directly against the backend and through ")
	sb.WriteString("a `ringside serve` process in front of it, on loopback, in the same run, interleaved: ")
	sb.WriteString("direct, gateway, direct, gateway, one round after another. A figure is the median over ")
	sb.WriteString("the rounds; the ratio is gateway over direct (above 1, ringside is faster); latencies are ")
	sb.WriteString("the p50 and p99 of every request of every round.\n\n")
	if jsonPath != "" {
		rel, err := filepath.Rel(filepath.Dir(mdPath), jsonPath)
		if err != nil {
			rel = jsonPath
		}
		fmt.Fprintf(&sb, "The same figures, with every round, are in [%s](%s).\n\n", filepath.Base(jsonPath), rel)
	}
	sb.WriteString("Runs with other options (the opt-in scale group of 1M objects on the embedded backend, ")
	sb.WriteString("a backend whose listing calls are held as a RING S3 Connector's are) write reports of their ")
	sb.WriteString("own beside this one, named BENCHMARKS-*.md; each names its command.\n\n")
	sb.WriteString("## Run\n\n")
	fmt.Fprintf(&sb, "- Command: `%s` (%s mode, %d rounds), %s, %.0f s\n", r.Command, r.Plan.Mode, r.Plan.Rounds, r.Date.Format("2006-01-02 15:04 UTC"), r.Seconds)
	fmt.Fprintf(&sb, "- Machine: %s, %d cores, %.1f GiB memory, Linux %s; client, ringside and the backend share it\n", m.CPU, m.Cores, m.MemoryGiB, m.Kernel)
	fmt.Fprintf(&sb, "- Go %s; backend %s (%s); ringside commit %s\n", strings.TrimPrefix(m.GoVersion, "go"), m.Backend, m.BackendVer, m.Commit)
	fmt.Fprintf(&sb, "- Client: %s\n", r.Client)
	fmt.Fprintf(&sb, "- Other load: 1-minute load average %.1f at the start; other processes kept %.2f cores busy on average during the measurements\n", r.LoadAverage, r.OtherCores)

	sb.WriteString("- Buckets: objects in a plain gateway bucket, and LIST and the ingester on mirror buckets, each on a no-prefix location of its own; the mirror buckets are paused except while the ingester is measured\n\n")
	if r.OtherCores > 0.1 {
		sb.WriteString("> **Warning:** other processes used the machine during this run, so rates and ratios are less reliable than usual; the server CPU per operation (last column) is the figure least affected.\n\n")
	}
	sb.WriteString("## Results\n\n")
	sb.WriteString(r.table())
	sb.WriteString("\n## Targets\n\n")
	sb.WriteString(r.targets())
	sb.WriteString("\n## Workloads\n\n")
	sb.WriteString(r.workloads())
	return sb.String()
}

// targets lists the targets of the performance and mirror-mode issues
// and whether this run met them.
func (r *report) targets() string {
	var sb strings.Builder
	sb.WriteString("| target | measured | met | CPU model | zero-cost gateway | client CPU µs per op or MiB: direct / gateway |\n|---|---:|---|---:|---:|---:|\n")
	for _, x := range r.Results {
		if x.Target == nil {
			continue
		}
		fmt.Fprintf(&sb, "| %s, c=%d: gateway/direct >= %.2f | %s | %s | %s | %s | %s / %s |\n", x.Workload, x.Conc, *x.Target, num(x.Ratio), metText(x.Met),
			num(x.ModelRatio), num(x.CeilingRatio), num(x.Direct.ClientCPUus), num(x.Gateway.ClientCPUus))
	}
	for _, f := range r.Figures {
		if f.Target == "" {
			continue
		}
		fmt.Fprintf(&sb, "| %s: %s | %s %s | %s | | | |\n", f.Name, f.Target, num(f.Value), f.Unit, metText(f.Met))
	}
	sb.WriteString("\nWhen client, backend and ringside together keep every core busy, a workload's rate is the machine's CPU over what the three spend per operation, so gateway/direct is the direct path's CPU per operation over the gateway path's. \"CPU model\" is that ratio from the CPU measured in this run (near the measured ratio when the machine was the bound); \"zero-cost gateway\" is the same with ringside's own CPU at zero: on this machine, with this client and backend, no gateway passes it without taking work off the client or the backend, as the index (HEAD, LIST) and the object cache do.\n")
	return sb.String()
}

func (r *report) workloads() string {
	p := r.Plan
	var sizes []string
	for _, s := range p.LargeSizes {
		sizes = append(sizes, sizeName(s))
	}
	lines := []string{
		fmt.Sprintf("- Large objects: PUT and GET of %s objects by %v streams; each sample moves at least %s (several objects per stream when needed); MiB/s. Ringside passes large GETs through; \"GET, disk tier warm\" restarts it with the object cache's disk tier on (`%s`), reads each object twice through it, which admits it, and waits for the tier's fills before timing.",
			strings.Join(sizes, " and "), p.LargeStreams, sizeName(p.LargeMinBytes), strings.Join(diskTierArgs, " ")),
		fmt.Sprintf("- TLS: GET and PUT of %s objects by %d streams with TLS on every hop: a second MinIO serves HTTPS with a self-signed ECDSA certificate; the direct path reaches it over TLS, and ringside, restarted with the same certificate (`--tls-cert`), takes the client's TLS and reaches that MinIO over TLS (`--ca-file`). Over HTTPS the SDK sends UNSIGNED-PAYLOAD; ringside decrypts and encrypts every byte again, nothing is spliced.",
			sizeName(tlsSize), tlsStreams),
		fmt.Sprintf("- Small objects: PUT and GET of %s objects at concurrency %v for %s per sample, GET and HEAD over %d objects written through ringside; ops/s. PUT runs with ringside's object cache at its default size; GET with the cache off (`--cache-size 0`: every GET reaches the backend, the cold case); \"GET, hot set cached\" at concurrency %d with the cache at its default size, after every object was read once through ringside.",
			sizeName(p.SmallSize), p.SmallConc, p.SmallDuration, p.SmallObjects, p.HotConc),
		fmt.Sprintf("- LIST: ListObjectsV2 pages of 1,000 entries from a bucket of %d keys (one in ten with a child key, so that the delimiter `/` rolls some up into common prefixes), %d walkers for %s per sample, each starting at its own place; pages/s.",
			p.ListKeys, p.ListConc, p.ListDuration),
		fmt.Sprintf("- Ingester: initial sync of mirror buckets of %d and %d versions, from the bucket's creation to the moment ringside records every version listable (its status's `initialListedAt`), against a single-stream ListObjectVersions of the same bucket; %d no-change passes each (`ringside mirror rescan --wait`) against the same bare listing; the live heap (sampled every 50 ms right after a forced collection) during the pass that follows each bucket's resume; %d backend writes, %s apart, timed until a gateway LIST shows them, with the default mirror interval; %d backend writes each followed at once by a HEAD through the gateway; the metadata sweep of each initial sync of at least %d versions (from all listable to the end of the sweep, `initialMetadataAt`, once the metrics show every version's headers read) against the backend's rate of versioned HEADs at concurrency %d with ringside's backend client, measured before and after the sync.",
			p.MirrorSmallKeys, p.ListKeys, p.IngestRounds, p.VisibilityChanges, p.VisibilitySpacing, p.PointReads, sweepMinKeys, sweepConc),
		fmt.Sprintf("- Peak RSS: VmHWM of the ringside process, reset just before, while a %s multipart upload (%s parts, %d at a time) and a %s download run at once; bodies are generated from a seeded stream, never held in memory.",
			sizeName(p.RSSBytes), sizeName(p.RSSPartSize), p.RSSPartConc, sizeName(p.RSSBytes)),
	}
	return strings.Join(lines, "\n") + "\n"
}
