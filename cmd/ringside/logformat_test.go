package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// With --log-format json every line is one JSON object, and with
// --access-log each S3 request adds one, marked log=access.
func TestServeLogsJSONWithAccessLog(t *testing.T) {
	logs := &syncBuffer{}
	cfg := serveConfig{
		listen: "127.0.0.1:0", adminListen: "127.0.0.1:0", dataDir: t.TempDir(),
		credentials:    map[string]string{"nodeclient": testClientSecret},
		mirrorInterval: time.Second, logLevel: slog.LevelInfo,
		logFormat: "json", accessLog: true, logOutput: logs,
	}
	n, err := openNode(context.Background(), cfg, newLogger(cfg.logOutput, cfg.logFormat, cfg.logLevel))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.close)
	if err := n.start(nil); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(n.s3URL + "/somebucket/some/key")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var access map[string]any
	eventually(t, 10*time.Second, "an access line", func() error {
		access = nil
		sc := bufio.NewScanner(strings.NewReader(logs.String()))
		for sc.Scan() {
			var line map[string]any
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("a log line is not JSON: %v: %s", err, sc.Text())
			}
			if line["log"] == "access" {
				access = line
			}
		}
		if access == nil {
			return errors.New("not logged yet")
		}
		return nil
	})
	if access["msg"] != "s3 access" || access["op"] != "GetObject" || access["bucket"] != "somebucket" ||
		access["key"] != "some/key" || access["status"] != float64(resp.StatusCode) || access["requestId"] != resp.Header.Get("X-Amz-Request-Id") {
		t.Errorf("access line %v; answer %d %s", access, resp.StatusCode, resp.Header.Get("X-Amz-Request-Id"))
	}
	if !strings.Contains(logs.String(), `"msg":"serving S3"`) {
		t.Errorf("the lifecycle is not logged as JSON:\n%s", logs.String())
	}
}
