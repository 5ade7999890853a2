package gateway

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// BackendObserver returns the function that counts backend requests in
// the gateway's backend metrics on reg, by location (catalog.Config.Observe). The
// catalog, which builds the backend clients, exists before the gateway;
// the collectors are the ones the gateway's New registers on the same reg.
func BackendObserver(reg prometheus.Registerer) func(location, op string, status int, d time.Duration) {
	return newMetrics(reg).observeBackend
}
