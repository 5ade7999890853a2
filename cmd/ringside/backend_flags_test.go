package main

import (
	"strings"
	"testing"
)

// TestBackendFlagsRefuseDisabledBounds: a zero or negative timeout would
// remove the bound it sets, so serve refuses it, from a flag or from its
// RINGSIDE_ variable, before opening anything.
func TestBackendFlagsRefuseDisabledBounds(t *testing.T) {
	base := []string{"serve", "--access-key", "k", "--secret-key", "s", "--data-dir", t.TempDir(),
		"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"}
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{args: []string{"--backend-connect-timeout", "0s"}, want: "--backend-connect-timeout must be positive"},
		{args: []string{"--backend-response-timeout", "-1s"}, want: "--backend-response-timeout must be positive"},
		{env: map[string]string{"RINGSIDE_BACKEND_STALL_TIMEOUT": "0s"}, want: "--backend-stall-timeout must be positive"},
		{args: []string{"--backend-breaker-failures", "0"}, want: "--backend-breaker-failures must be at least 1"},
	} {
		for k, v := range tt.env {
			t.Setenv(k, v)
		}
		_, err := runCLI(t, append(append([]string{}, base...), tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v %v: %v, want %q", tt.args, tt.env, err, tt.want)
		}
		for k := range tt.env {
			t.Setenv(k, "")
		}
	}
}
