package main

import (
	"testing"
	"time"

	"github.com/ringside/ringside/backend"
)

func TestHealthText(t *testing.T) {
	now := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	since := now.Add(-90 * time.Second)
	for _, tt := range []struct {
		name string
		h    *backend.Health
		want string
	}{
		{"never called", nil, "-"},
		{"up", &backend.Health{Up: true, Since: since}, "up"},
		{"down", &backend.Health{Since: since, Cause: "dial tcp 127.0.0.1:9: connection refused"},
			"unreachable since " + since.Local().Format(time.RFC3339) + " (1m30s ago): dial tcp 127.0.0.1:9: connection refused"},
	} {
		if got := healthText(tt.h, now); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
