package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
)

func TestConsoleMountedUnlessOff(t *testing.T) {
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct {
		on   bool
		path string
		want int
		to   string
	}{
		{true, "/console/locations", http.StatusSeeOther, "/console/signin"},
		{true, "/console", http.StatusMovedPermanently, "/console/"},
		{true, "/console/signin", http.StatusOK, ""},
		{true, "/api/v1/locations", http.StatusUnauthorized, ""},
		{true, "/healthz", http.StatusOK, ""},
		// Off, /console/ is just another admin API path, behind the token.
		{false, "/console/signin", http.StatusUnauthorized, ""},
	} {
		cfg := serveConfig{
			listen: "127.0.0.1:0", adminListen: "127.0.0.1:0", dataDir: t.TempDir(),
			credentials: map[string]string{"nodeclient": testClientSecret}, mirrorInterval: 1e9,
			console: tc.on,
		}
		n, err := openNode(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		if err := n.start(nil); err != nil {
			n.close()
			t.Fatal(err)
		}
		resp, err := noRedirect.Get(n.adminURL + tc.path)
		if err != nil {
			n.close()
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want || resp.Header.Get("Location") != tc.to {
			t.Errorf("console %v, GET %s: %d to %q, want %d to %q", tc.on, tc.path, resp.StatusCode, resp.Header.Get("Location"), tc.want, tc.to)
		}
		if got := n.consoleURL(); (got != "") != tc.on {
			t.Errorf("console %v: console URL %q", tc.on, got)
		}
		n.close()
	}
}
