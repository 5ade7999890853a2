package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/embedded"
)

// A node serving a mirror bucket logs the ingester's lifecycle: the
// initial sync starting and ending with its counts, the sweep that reads
// the headers, a pass that failed with its cause, and the recovery.
func TestServeLogsTheIngesterLifecycle(t *testing.T) {
	n, be, logs := startTestNode(t)
	ctx := context.Background()
	direct, err := backend.New(backend.Config{Endpoint: be.URL(), AccessKey: testBackendKey,
		SecretKey: testBackendSecret, Bucket: demoBucket})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b"} {
		if _, err := direct.PutObject(ctx, k, strings.NewReader(k), 1, map[string]string{"Content-Type": "text/plain"}, backend.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := setUpDemo(ctx, n.cat, n.mirror, be.URL(), testBackendKey, testBackendSecret, &out); err != nil {
		t.Fatal(err)
	}
	bucket := "bucket=" + demoBucket
	waitForLog(t, logs, `level=INFO msg="mirror: initial sync done" `+bucket+` versions=2`)
	for _, want := range []string{
		`level=INFO msg="mirror: ingester started"`,
		`level=INFO msg="bucket created" ` + bucket + ` location=` + demoLocation + ` mode=mirror`,
		`level=INFO msg="mirror: mirroring started" ` + bucket,
		`level=INFO msg="mirror: initial sync started" ` + bucket,
		`level=INFO msg="mirror: metadata sweep done" ` + bucket + ` versions=2`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log has no %q", want)
		}
	}

	// The backend goes away: passes fail, each logged with its cause.
	addr := strings.TrimPrefix(be.URL(), "http://")
	be.Close()
	waitForLog(t, logs, `level=WARN msg="mirror: pass failed" `+bucket+` failedPasses=1 err=`)
	// It comes back on the same address: the next pass recovers.
	back, err := embedded.Start(addr, testBackendKey, testBackendSecret, demoBucket)
	if err != nil {
		t.Fatalf("restart the backend on %s: %v", addr, err)
	}
	t.Cleanup(func() { back.Close() })
	waitForLog(t, logs, `level=INFO msg="mirror: pass recovered" `+bucket+` failedPasses=`)
	if strings.Contains(logs.String(), testBackendSecret) {
		t.Error("the log shows the backend's secret key")
	}
}

// waitForLog polls the log until it has want.
func waitForLog(t *testing.T, logs *syncBuffer, want string) {
	t.Helper()
	eventually(t, 20*time.Second, "log line "+want, func() error {
		if !strings.Contains(logs.String(), want) {
			return fmt.Errorf("not logged yet")
		}
		return nil
	})
}
