package feed

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/ringside/ringside/internal/promreg"
)

// Metrics are the change feeds' Prometheus series, labelled by source kind
// and backend bucket. A nil *Metrics counts nothing.
type Metrics struct {
	received  *prometheus.CounterVec
	debounced *prometheus.CounterVec
	gaps      *prometheus.CounterVec
}

// NewMetrics registers the series with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ringside_feed_events_received_total",
			Help: "Change hints received from a change feed.",
		}, []string{"kind", "bucket"}),
		debounced: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ringside_feed_events_debounced_total",
			Help: "Change hints merged into one already waiting for the same key.",
		}, []string{"kind", "bucket"}),
		gaps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ringside_feed_gaps_total",
			Help: "Times a change feed may have missed events, by reason: reconnect, overflow, lost-position.",
		}, []string{"kind", "bucket", "reason"}),
	}
	for _, c := range []**prometheus.CounterVec{&m.received, &m.debounced, &m.gaps} {
		// A second manager on the same registry shares the series.
		var err error
		if *c, err = promreg.Register(reg, *c); err != nil {
			return nil, fmt.Errorf("register the feed metrics: %w", err)
		}
	}
	return m, nil
}

// Count wraps next so that the hints and gaps a source of kind delivers
// are counted.
func (m *Metrics) Count(kind string, next Sink) Sink {
	if m == nil {
		return next
	}
	return counting{m: m, kind: kind, next: next}
}

func (m *Metrics) gap(kind string, g Gap) {
	if m != nil {
		m.gaps.WithLabelValues(kind, g.Bucket, string(g.Reason)).Inc()
	}
}

func (m *Metrics) merged(kind, bucket string) {
	if m != nil {
		m.debounced.WithLabelValues(kind, bucket).Inc()
	}
}

type counting struct {
	m    *Metrics
	kind string
	next Sink
}

func (c counting) Hint(h Hint) {
	c.m.received.WithLabelValues(c.kind, h.Bucket).Inc()
	c.next.Hint(h)
}

func (c counting) Gap(g Gap) {
	c.m.gap(c.kind, g)
	c.next.Gap(g)
}

func (c counting) Checkpoint(p Position) { c.next.Checkpoint(p) }
