package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// target is one run's results, in the suite's order.
type target struct {
	label   string
	order   []string
	results map[string]result
}

// report merges the runs given as LABEL=FILE: results.tsv has a row per
// test and a column per target, the summary counts each target's results
// and names the tests that pass on the first target (the reference) and
// not on another.
func report(args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	tsv := fs.String("tsv", "", "per-test results `FILE` (tab-separated)")
	md := fs.String("summary", "", "Markdown summary `FILE`")
	failures := fs.String("failures", "", "`FILE` of every failure on a target other than the first, classified (tab-separated)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 || *tsv == "" || *md == "" || *failures == "" {
		return fmt.Errorf("usage: fullflow report -tsv FILE -summary FILE -failures FILE LABEL=FILE [LABEL=FILE]")
	}
	var targets []target
	for _, arg := range fs.Args() {
		label, file, ok := strings.Cut(arg, "=")
		if !ok {
			return fmt.Errorf("%q is not LABEL=FILE", arg)
		}
		t, err := readTarget(label, file)
		if err != nil {
			return err
		}
		targets = append(targets, t)
	}
	if err := writeFile(*tsv, func(w io.Writer) { writeTSV(w, targets) }); err != nil {
		return err
	}
	if err := writeFile(*failures, func(w io.Writer) { writeFailures(w, targets) }); err != nil {
		return err
	}
	return writeFile(*md, func(w io.Writer) { writeSummary(w, targets) })
}

func readTarget(label, file string) (target, error) {
	t := target{label: label, results: map[string]result{}}
	f, err := os.Open(file)
	if err != nil {
		return t, fmt.Errorf("read results of %s: %w", label, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return t, fmt.Errorf("parse %s: %w", file, err)
		}
		if _, seen := t.results[r.Test]; !seen {
			t.order = append(t.order, r.Test)
		}
		t.results[r.Test] = r
	}
	return t, sc.Err()
}

// allTests is every test any target ran, in the first target's order and
// then any other's.
func allTests(targets []target) []string {
	seen := map[string]bool{}
	var names []string
	for _, t := range targets {
		for _, n := range t.order {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	return names
}

func writeTSV(w io.Writer, targets []target) {
	fmt.Fprint(w, "test")
	for _, t := range targets {
		fmt.Fprint(w, "\t", t.label)
	}
	fmt.Fprintln(w)
	for _, name := range allTests(targets) {
		fmt.Fprint(w, name)
		for _, t := range targets {
			res := "not-run"
			if r, ok := t.results[name]; ok {
				res = r.Result
			}
			fmt.Fprint(w, "\t", res)
		}
		fmt.Fprintln(w)
	}
}

func writeSummary(w io.Writer, targets []target) {
	kinds := []string{"pass", "fail", "panic", "timeout", "skip"}
	fmt.Fprint(w, "| result |")
	for _, t := range targets {
		fmt.Fprintf(w, " %s |", t.label)
	}
	fmt.Fprint(w, "\n|---|")
	for range targets {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	for _, k := range append(kinds, "total") {
		fmt.Fprintf(w, "| %s |", k)
		for _, t := range targets {
			fmt.Fprintf(w, " %d |", count(t, k))
		}
		fmt.Fprintln(w)
	}
	ref := targets[0]
	for _, t := range targets[1:] {
		var lost []string
		for _, name := range ref.order {
			if ref.results[name].Result == "pass" && t.results[name].Result != "pass" {
				lost = append(lost, name)
			}
		}
		fmt.Fprintf(w, "\nPass on %s, not on %s: %d\n", ref.label, t.label, len(lost))
		for _, name := range lost {
			fmt.Fprintf(w, "- %s (%s)\n", name, t.results[name].Result)
		}
	}
}

func count(t target, kind string) int {
	if kind == "total" {
		return len(t.order)
	}
	n := 0
	for _, r := range t.results {
		if r.Result == kind {
			n++
		}
	}
	return n
}

func writeFile(path string, write func(io.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	bw := bufio.NewWriter(f)
	write(bw)
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
