// Command bench measures ringside against the backend it fronts: the same
// aws-sdk-go-v2 client runs the same workloads directly against the
// backend and through a `ringside serve` process, interleaved in one run,
// and the gateway/direct ratios of the medians are checked against the
// targets of the performance issue. It prints a table and writes
// docs/BENCHMARKS.md and docs/bench.json.
//
//	go run ./test/bench [--quick] [--backend minio|embedded] [--scale] [--out docs/BENCHMARKS.md]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ringside/ringside/mirror"
)

func main() {
	if err := mainErr(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// flags are the command line.
type flags struct {
	quick      bool
	backend    string
	out        string
	jsonOut    string
	only       string
	directOnly bool
	rounds     int
	unsigned   bool
	keep       bool
	backendDir string
	profile    string
	profileOut string
	// listDelay, when set, holds each listing call to the backend that
	// long (see startListDelay); listConc is the key ranges the ingest
	// group lists at once, directly and through ringside.
	listDelay time.Duration
	listConc  int
	listKeys  int
	scale     bool
}

func parseFlags(root string) flags {
	var f flags
	flag.BoolVar(&f.quick, "quick", false, "smaller sizes and fewer rounds: finishes in under two minutes")
	flag.StringVar(&f.backend, "backend", "minio", "backend to run: minio or embedded")
	flag.StringVar(&f.out, "out", filepath.Join(root, "docs", "BENCHMARKS.md"), "Markdown report `FILE` (empty: none)")
	flag.StringVar(&f.jsonOut, "json", filepath.Join(root, "docs", "bench.json"), "JSON report `FILE` (empty: none)")
	flag.StringVar(&f.only, "only", "", "comma-separated `GROUPS` to run: large, tls, small, head, list, ingest, rss, scale (default all but scale)")
	flag.BoolVar(&f.scale, "scale", false, "also run the scale group: change feed freshness and initial sync at 1M objects (--backend embedded; adds minutes)")
	flag.BoolVar(&f.directOnly, "direct-only", false, "measure the backend alone, without ringside")
	flag.IntVar(&f.rounds, "rounds", 0, "rounds of each workload (default 5, 3 with --quick)")
	flag.BoolVar(&f.unsigned, "unsigned-payload", false, "send UNSIGNED-PAYLOAD instead of hashing bodies for the signature")
	flag.BoolVar(&f.keep, "keep", false, "keep the work directories (backend data, ringside index) after the run")
	flag.StringVar(&f.backendDir, "backend-dir", defaultBackendDir(), "`DIR` under which MinIO keeps its data (default: memory, /dev/shm, so that the backend is bound by CPU like the gateway, not by the disk)")
	flag.StringVar(&f.profile, "profile", "", "instead of a report, run the gateway side of the workload `ID` (e.g. get-32MiB-c2; see bench.json) for 15 s and save ringside's CPU profile")
	flag.StringVar(&f.profileOut, "profile-out", "", "`FILE` for --profile (default: ringside-<ID>.pprof in the temp dir)")
	flag.DurationVar(&f.listDelay, "backend-list-latency", 0, "hold each listing call to the backend this long, through a proxy, as a RING S3 Connector's listing pages take (e.g. 30ms; default none)")
	flag.IntVar(&f.listConc, "list-concurrency", mirror.DefaultListConcurrency, "key ranges the ingest group lists at once: ringside's --mirror-list-concurrency and the backend's own parallel listing")
	flag.IntVar(&f.listKeys, "list-keys", 0, "keys of the LIST bucket, the ingest group's large mirror bucket (default 100000, 10000 with --quick)")
	flag.Parse()
	return f
}

func mainErr() error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	f := parseFlags(root)
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (see -help)", flag.Args())
	}
	p := newPlan(f.quick)
	if f.rounds > 0 {
		p.Rounds = f.rounds
	}
	if f.listKeys > 0 {
		p.ListKeys = f.listKeys
	}
	groups, err := selectGroups(f.only)
	if err != nil {
		return err
	}
	groups["scale"] = groups["scale"] || f.scale
	if groups["scale"] && (f.backend != "embedded" || f.directOnly) {
		return errors.New("the scale group runs ringside on --backend embedded, which it fills at once: filling MinIO over HTTP takes too long")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	b, cleanup, err := setup(ctx, root, f, p, groups["ingest"] || groups["list"])
	if cleanup != nil {
		defer cleanup()
	}
	if err != nil {
		return err
	}
	b.rep.LoadAverage = loadAverage()
	mon := startLoadMonitor(b.ownPIDs)
	err = b.runGroups(ctx, groups)
	if other, merr := mon.result(); merr == nil {
		b.rep.OtherCores = other
	} else {
		logf("measure other load: %v", merr)
	}
	if errors.Is(err, errProfiled) {
		return nil
	}
	if err != nil {
		return err
	}
	b.rep.Seconds = time.Since(b.started).Seconds()
	fmt.Print(b.rep.table())
	if err := b.rep.write(f.out, f.jsonOut); err != nil {
		return err
	}
	if f.out != "" {
		logf("wrote %s and %s", f.out, f.jsonOut)
	}
	return nil
}

// defaultBackendDir is /dev/shm when it is there, else the temp dir.
func defaultBackendDir() string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		return "/dev/shm"
	}
	return os.TempDir()
}

var allGroups = []string{"ingest", "large", "tls", "small", "head", "list", "rss"}

// optInGroups run only when named: they add minutes to a run.
var optInGroups = []string{"scale"}

func selectGroups(only string) (map[string]bool, error) {
	sel := map[string]bool{}
	if only == "" {
		for _, g := range allGroups {
			sel[g] = true
		}
		return sel, nil
	}
	for _, g := range strings.Split(only, ",") {
		g = strings.TrimSpace(g)
		known := false
		for _, a := range slices.Concat(allGroups, optInGroups) {
			known = known || a == g
		}
		if !known {
			return nil, fmt.Errorf("--only: unknown group %q (groups: %s)", g, strings.Join(slices.Concat(allGroups, optInGroups), ", "))
		}
		sel[g] = true
	}
	return sel, nil
}

// repoRoot walks up from the working directory to the module's go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the ringside repository: no go.mod above the working directory")
		}
		dir = parent
	}
}

var logStart = time.Now()

// logf reports progress on stderr, with the time since the start.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%6.1fs] %s\n", time.Since(logStart).Seconds(), fmt.Sprintf(format, args...))
}
