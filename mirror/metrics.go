package mirror

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Kinds of change a pass applies, the kind label of
// ringside_mirror_changes_applied_total.
const (
	// KindNewVersion: a version the index did not have (a new object, an
	// overwrite on a versioned bucket, a copy-in-place, a completed
	// multipart upload).
	KindNewVersion = "new_version"
	// KindDeleteMarker: a delete marker the index did not have.
	KindDeleteMarker = "delete_marker"
	// KindVersionReplaced: a known version ID whose content changed (a null
	// version overwritten on an unversioned or suspended bucket).
	KindVersionReplaced = "version_replaced"
	// KindVersionRemoved: a version gone from the backend while its key
	// still has others (a version delete, a delete marker removed).
	KindVersionRemoved = "version_removed"
	// KindKeyRemoved: a key whose every version is gone from the backend.
	KindKeyRemoved = "key_removed"
	// KindCorrected: the index's copy of a known version differed only in
	// listing details (its order or last-modified time) and was corrected.
	KindCorrected = "corrected"
	// KindMetadata: a version's headers read from the backend and stored.
	// Not counted in a pass's changes: it fills in what a change started.
	KindMetadata = "metadata"
)

// metrics are the ingester's Prometheus series, labelled by gateway bucket.
type metrics struct {
	passes   *prometheus.CounterVec
	scanned  *prometheus.CounterVec
	changes  *prometheus.CounterVec
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	age      *ageCollector
	states   *stateCollector
	// feedApplied counts the keys read into the index for a change
	// feed's hints.
	feedApplied *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, lastFullPasses func() map[string]time.Time, states func() map[string]string) *metrics {
	m := &metrics{
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ringside_mirror_passes_total",
			Help: "Full passes completed (initial sync, passes, catch-up passes and resyncs).",
		}, []string{"bucket"}),
		scanned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ringside_mirror_versions_scanned_total",
			Help: "Versions and delete markers read from backend listings.",
		}, []string{"bucket"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ringside_mirror_changes_applied_total",
			Help: "Changes applied to the index, by kind: new_version, delete_marker, version_replaced, version_removed, key_removed, corrected, metadata.",
		}, []string{"bucket", "kind"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ringside_mirror_pass_duration_seconds",
			Help:    "Duration of completed full passes.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 18),
		}, []string{"bucket"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ringside_mirror_errors_total",
			Help: "Failed listings, reads of version headers and index writes.",
		}, []string{"bucket"}),
		feedApplied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ringside_feed_events_applied_total",
			Help: "Change hints applied: the key's versions read from the backend into the index.",
		}, []string{"bucket"}),
		age: &ageCollector{
			desc: prometheus.NewDesc("ringside_mirror_last_full_pass_age_seconds",
				"Seconds since the start of the last full comparison of the backend with the index.",
				[]string{"bucket"}, nil),
			lastFullPasses: lastFullPasses,
		},
		states: &stateCollector{
			desc: prometheus.NewDesc("ringside_mirror_state",
				"1 for the state each mirror bucket is in (initial-sync, idle, scanning, paused, error), 0 for the others.",
				[]string{"bucket", "state"}, nil),
			states: states,
		},
	}
	if reg != nil {
		m.passes = register(reg, m.passes)
		m.scanned = register(reg, m.scanned)
		m.changes = register(reg, m.changes)
		m.duration = register(reg, m.duration)
		m.errors = register(reg, m.errors)
		m.feedApplied = register(reg, m.feedApplied)
		register(reg, prometheus.Collector(m.age))
		register(reg, prometheus.Collector(m.states))
	}
	return m
}

// zero creates a mirror bucket's series at 0 when its mirroring starts, so
// that a rate or an alert on them has a start, and errors_total exists
// before the first error.
func (m *metrics) zero(bucket string) {
	m.passes.WithLabelValues(bucket)
	m.scanned.WithLabelValues(bucket)
	m.errors.WithLabelValues(bucket)
	for _, kind := range []string{KindNewVersion, KindDeleteMarker, KindVersionReplaced, KindVersionRemoved, KindKeyRemoved, KindCorrected, KindMetadata} {
		m.changes.WithLabelValues(bucket, kind)
	}
}

// allStates are the states ringside_mirror_state has a series for.
var allStates = []string{StateInitialSync, StateIdle, StateScanning, StatePaused, StateError}

// stateCollector reports each mirror bucket's state at scrape time, one
// series per state, 1 for the current one: an alert needs only
// ringside_mirror_state{state="error"} == 1.
type stateCollector struct {
	desc   *prometheus.Desc
	states func() map[string]string
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	for bucket, current := range c.states() {
		for _, s := range allStates {
			v := 0.0
			if s == current {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v, bucket, s)
		}
	}
}

// register registers c, or returns the collector already registered under
// its name (a second Manager on the same registry shares the series).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	return c
}

// forget drops a removed bucket's series.
func (m *metrics) forget(bucket string) {
	l := prometheus.Labels{"bucket": bucket}
	m.passes.DeletePartialMatch(l)
	m.scanned.DeletePartialMatch(l)
	m.changes.DeletePartialMatch(l)
	m.duration.DeletePartialMatch(l)
	m.errors.DeletePartialMatch(l)
	m.feedApplied.DeletePartialMatch(l)
}

// ageCollector reports the age of each bucket's last full pass at scrape
// time, so the gauge grows while passes are failing.
type ageCollector struct {
	desc           *prometheus.Desc
	lastFullPasses func() map[string]time.Time
}

func (c *ageCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *ageCollector) Collect(ch chan<- prometheus.Metric) {
	now := time.Now()
	for bucket, t := range c.lastFullPasses() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, now.Sub(t).Seconds(), bucket)
	}
}
