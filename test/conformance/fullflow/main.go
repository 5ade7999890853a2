package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"time"
	"unsafe"

	"github.com/versity/versitygw/tests/integration"
)

// result is one test's outcome on one target.
type result struct {
	Test    string  `json:"test"`
	Result  string  `json:"result"` // pass, fail, skip, panic or timeout
	Error   string  `json:"error,omitempty"`
	Seconds float64 `json:"seconds"`
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "report" {
		if err := report(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "fullflow report:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "fullflow:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("fullflow", flag.ContinueOnError)
	endpoint := fs.String("endpoint", "", "S3 endpoint URL")
	access := fs.String("access", os.Getenv("AWS_ACCESS_KEY_ID"), "access key")
	secret := fs.String("secret", os.Getenv("AWS_SECRET_ACCESS_KEY"), "secret key")
	region := fs.String("region", "us-east-1", "region the client signs for")
	out := fs.String("out", "", "JSON-lines result FILE")
	only := fs.String("run", "", "run only the tests whose name matches this regexp")
	list := fs.Bool("list", false, "print the full-flow tests in order and exit")
	timeout := fs.Duration("timeout", 3*time.Minute, "deadline of one test")
	if err := fs.Parse(args); err != nil {
		return err
	}
	conf := integration.NewS3Conf(
		integration.WithAccess(*access),
		integration.WithSecret(*secret),
		integration.WithRegion(*region),
		integration.WithEndpoint(*endpoint),
	)
	tests, err := fullFlowTests(conf)
	if err != nil {
		return err
	}
	if *list {
		for _, t := range tests {
			fmt.Println(testName(t))
		}
		return nil
	}
	if *endpoint == "" || *out == "" {
		return fmt.Errorf("give -endpoint and -out")
	}
	var filter *regexp.Regexp
	if *only != "" {
		if filter, err = regexp.Compile(*only); err != nil {
			return fmt.Errorf("-run: %w", err)
		}
	}
	f, err := os.Create(*out)
	if err != nil {
		return fmt.Errorf("create %s: %w", *out, err)
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	for _, t := range tests {
		name := testName(t)
		if filter != nil && !filter.MatchString(name) {
			continue
		}
		if err := enc.Encode(runOne(name, t, conf, *timeout)); err != nil {
			return fmt.Errorf("write %s: %w", *out, err)
		}
		if err := cleanTarget(conf); err != nil {
			fmt.Printf("CLEANUP after %s: %v\n", name, err)
		}
	}
	return f.Sync()
}

// fullFlowTests is the list full-flow runs, in its order: the suite's
// TestFullFlow queues every test on a TestState in parallel mode, whose
// queue is read here instead of by the suite's worker pool; the tests it
// keeps for the end (Sync) come last, as the suite runs them.
func fullFlowTests(conf *integration.S3Conf) ([]integration.IntTest, error) {
	ts := new(integration.TestState)
	queue := make(chan integration.IntTest, 1<<16)
	for field, value := range map[string]any{
		"mainCh": queue, "conf": conf, "ctx": context.Background(), "parallel": true,
	} {
		if err := setField(ts, field, value); err != nil {
			return nil, err
		}
	}
	integration.TestFullFlow(ts)
	close(queue)
	var tests []integration.IntTest
	for t := range queue {
		tests = append(tests, t)
	}
	sync, err := getField(ts, "syncTests")
	if err != nil {
		return nil, err
	}
	return append(tests, sync.([]integration.IntTest)...), nil
}

// setField and getField reach TestState's unexported fields: the suite
// offers no other way to enumerate a group's tests.
func setField(ts *integration.TestState, name string, value any) error {
	f := reflect.ValueOf(ts).Elem().FieldByName(name)
	if !f.IsValid() {
		return fmt.Errorf("versitygw TestState has no field %s: the pinned suite version changed", name)
	}
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.ValueOf(value))
	return nil
}

func getField(ts *integration.TestState, name string) (any, error) {
	f := reflect.ValueOf(ts).Elem().FieldByName(name)
	if !f.IsValid() {
		return nil, fmt.Errorf("versitygw TestState has no field %s: the pinned suite version changed", name)
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface(), nil
}

func testName(t integration.IntTest) string {
	full := runtime.FuncForPC(reflect.ValueOf(t).Pointer()).Name()
	return full[strings.LastIndex(full, ".")+1:]
}

// runOne runs a test in its own goroutine so that a panic is recovered
// and a hang abandoned after the deadline. The suite counts passes,
// failures and skips globally; the counts' change says what this test did.
func runOne(name string, t integration.IntTest, conf *integration.S3Conf, timeout time.Duration) result {
	pass, fail, skip := integration.PassCount.Load(), integration.FailCount.Load(), integration.SkipCount.Load()
	start := time.Now()
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				fmt.Printf("PANIC %s: %v\n", name, p)
				done <- result{Result: "panic", Error: fmt.Sprint(p)}
			}
		}()
		r := result{Result: "pass"}
		if err := t(conf); err != nil {
			r = result{Result: "fail", Error: err.Error()}
		}
		done <- r
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(timeout):
		fmt.Printf("TIMEOUT %s after %s\n", name, timeout)
		r = result{Result: "timeout", Error: "no answer within " + timeout.String()}
	}
	switch {
	case r.Result != "pass":
	case integration.FailCount.Load() > fail:
		// A test that reports its failure without returning it.
		r = result{Result: "fail", Error: "the test reported a failure"}
	case integration.PassCount.Load() == pass && integration.SkipCount.Load() > skip:
		r.Result = "skip"
	}
	r.Test, r.Seconds = name, time.Since(start).Seconds()
	return r
}
