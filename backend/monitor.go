package backend

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/ringside/ringside/internal/promreg"
)

// Monitor publishes the health of the clients of every location: as
// Prometheus series, and to whoever asks (the admin API, /readyz). One
// Monitor serves a process; a nil *Monitor publishes nothing.
type Monitor struct {
	up       *prometheus.GaugeVec
	failures *prometheus.CounterVec

	mu      sync.Mutex
	clients map[string]*Client // by location
}

// NewMonitor registers ringside_backend_up{location} and
// ringside_backend_failures_total{location,kind} on reg (nil: none).
func NewMonitor(reg prometheus.Registerer) (*Monitor, error) {
	m := &Monitor{
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ringside_backend_up",
			Help: "1 while the location's backend answers, 0 while its breaker is open.",
		}, []string{"location"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ringside_backend_failures_total",
			Help: "Backend calls that got no usable answer, by location and kind (timeout, stall, refused, reset, dns, tls, connect_timeout, status_5xx, breaker_open).",
		}, []string{"location", "kind"}),
		clients: map[string]*Client{},
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.up, err = promreg.Register(reg, m.up); err != nil {
		return nil, err
	}
	if m.failures, err = promreg.Register(reg, m.failures); err != nil {
		return nil, err
	}
	return m, nil
}

// Health returns the health of the location's client, and false when no
// client of that location was built yet.
func (m *Monitor) Health(location string) (Health, bool) {
	if m == nil {
		return Health{}, false
	}
	m.mu.Lock()
	c := m.clients[location]
	m.mu.Unlock()
	if c == nil {
		return Health{}, false
	}
	return c.Health(), true
}

// All returns the health of every location with a client, by name.
func (m *Monitor) All() map[string]Health {
	out := map[string]Health{}
	if m == nil {
		return out
	}
	m.mu.Lock()
	clients := make(map[string]*Client, len(m.clients))
	for name, c := range m.clients {
		clients[name] = c
	}
	m.mu.Unlock()
	for name, c := range clients {
		out[name] = c.Health()
	}
	return out
}

// add makes c the client of its location, replacing an older one.
func (m *Monitor) add(c *Client) {
	if m == nil || c.location == "" {
		return
	}
	m.mu.Lock()
	m.clients[c.location] = c
	m.mu.Unlock()
	m.up.WithLabelValues(c.location).Set(1)
}

// remove forgets c, unless a newer client of its location replaced it.
func (m *Monitor) remove(c *Client) {
	if m == nil || c.location == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.clients[c.location] == c {
		delete(m.clients, c.location)
		m.up.DeleteLabelValues(c.location)
	}
}

func (m *Monitor) setUp(location string, up bool) {
	if m == nil || location == "" {
		return
	}
	v := 0.0
	if up {
		v = 1
	}
	m.up.WithLabelValues(location).Set(v)
}

func (m *Monitor) failure(location, kind string) {
	if m == nil || location == "" {
		return
	}
	m.failures.WithLabelValues(location, kind).Inc()
}
