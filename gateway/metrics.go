package gateway

// Placeholder until request metrics land.

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics holds the gateway's Prometheus collectors.
type metrics struct{}

// newMetrics registers the gateway's collectors on reg (nil means none).
func newMetrics(reg prometheus.Registerer) *metrics { return &metrics{} }

// middleware counts requests by operation and status, their latency and
// bytes in and out.
func (m *metrics) middleware(next http.Handler) http.Handler { return next }

// observeBackend records one backend request (backend.Config.Observe).
func (m *metrics) observeBackend(op string, status int, d time.Duration) {}
