package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDialAddr(t *testing.T) {
	tests := []struct {
		listen, want, wantErr string
	}{
		{"127.0.0.1:7481", "127.0.0.1:7481", ""},
		{"0.0.0.0:7481", "127.0.0.1:7481", ""},
		{":7481", "127.0.0.1:7481", ""},
		{"[::]:7481", "[::1]:7481", ""},
		{"[::1]:9000", "[::1]:9000", ""},
		{"10.0.0.5:7481", "10.0.0.5:7481", ""},
		{"127.0.0.1:0", "", "no fixed port"},
		{"127.0.0.1", "", "missing port"},
	}
	for _, tt := range tests {
		t.Run(tt.listen, func(t *testing.T) {
			got, err := dialAddr(tt.listen)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("dialAddr(%q) = %q, %v; want an error with %q", tt.listen, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("dialAddr(%q) = %q, %v; want %q", tt.listen, got, err, tt.want)
			}
		})
	}
}

// healthServer answers /healthz always and /readyz with readyStatus, like a
// gateway's admin listener; it returns the listen address.
func healthServer(t *testing.T, readyStatus int) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"status":"ok"}`)) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(readyStatus)
		w.Write([]byte(`{"code":"NotReady"}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

func TestHealthcheckCommand(t *testing.T) {
	ready := healthServer(t, http.StatusOK)
	notReady := healthServer(t, http.StatusServiceUnavailable)
	// A port nothing listens on: bind one, then close it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	_, readyPort, _ := net.SplitHostPort(ready)

	tests := []struct {
		name    string
		args    []string
		env     string // RINGSIDE_ADMIN_LISTEN
		wantErr string
	}{
		{"ready", []string{"--admin-listen", ready}, "", ""},
		{"wildcard listen checked on loopback", []string{"--admin-listen", "0.0.0.0:" + readyPort}, "", ""},
		{"address from the environment", nil, ready, ""},
		{"not ready", []string{"--admin-listen", notReady}, "", "503"},
		{"not ready but alive", []string{"--admin-listen", notReady, "--liveness"}, "", ""},
		{"nothing listening", []string{"--admin-listen", closed}, "", "refused"},
		{"flag beats the environment", []string{"--admin-listen", notReady}, ready, "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("RINGSIDE_ADMIN_LISTEN", tt.env)
			}
			app, err := newApp()
			if err != nil {
				t.Fatal(err)
			}
			err = app.RunContext(context.Background(), append([]string{"ringside", "healthcheck"}, tt.args...))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("healthcheck failed: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("healthcheck = %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
}

func TestHealthcheckAgainstARunningNode(t *testing.T) {
	n, _, _ := startTestNode(t)
	addr := strings.TrimPrefix(n.adminURL, "http://")
	if out, err := runCLI(t, "healthcheck", "--admin-listen", addr); err != nil {
		t.Fatalf("healthcheck of a ready node: %v\n%s", err, out)
	}
	// A node shutting down reports not ready before it stops answering.
	n.admin.SetReady(false)
	if _, err := runCLI(t, "healthcheck", "--admin-listen", addr); err == nil || !strings.Contains(err.Error(), "NotReady") {
		t.Fatalf("healthcheck of a node that is not ready = %v, want a NotReady failure", err)
	}
	if out, err := runCLI(t, "healthcheck", "--admin-listen", addr, "--liveness"); err != nil {
		t.Fatalf("liveness of a live node: %v\n%s", err, out)
	}
}
