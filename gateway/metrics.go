package gateway

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ringside/ringside/internal/s3err"
)

// latencyBuckets span a HEAD answered from the index (well under a
// millisecond) to a multi-gigabyte transfer.
var latencyBuckets = []float64{
	.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120,
}

// metrics holds the gateway's Prometheus collectors. Series are resolved
// once per operation and status and cached, so that the per-request path
// does no label hashing and no allocation.
type metrics struct {
	enabled bool
	// addr reads a request's bucket and key, for its operation.
	addr addressing

	requests *statusCounters
	duration *prometheus.HistogramVec
	received *prometheus.CounterVec
	sent     *prometheus.CounterVec
	perOp    [numOps]atomic.Pointer[opSeries]

	backendRequests *prometheus.CounterVec
	backendDuration *prometheus.HistogramVec
	// backendByLocation maps a location name to its *backendSeries. The
	// label set stays bounded: locations are the few an operator adds.
	backendByLocation sync.Map

	mu       sync.Mutex // serialises the slow path that creates series
	recorder sync.Pool  // of *recorder
}

// opSeries are one operation's series of the S3 front end.
type opSeries struct {
	duration prometheus.Observer
	received prometheus.Counter
	sent     prometheus.Counter
}

// newMetrics registers the gateway's collectors on reg (nil means none).
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{enabled: reg != nil}
	m.recorder.New = func() any { return newRecorder() }
	m.requests = newStatusCounters(register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ringside_s3_requests_total",
		Help: "S3 requests answered, by operation and HTTP status.",
	}, []string{"op", "status"})))
	m.duration = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "ringside_s3_request_duration_seconds",
		Help:    "Time from an S3 request's arrival to the end of its response, by operation.",
		Buckets: latencyBuckets,
	}, []string{"op"}))
	m.received = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ringside_s3_received_bytes_total",
		Help: "Bytes of S3 request bodies read, by operation.",
	}, []string{"op"}))
	m.sent = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ringside_s3_sent_bytes_total",
		Help: "Bytes of S3 response bodies written, by operation.",
	}, []string{"op"}))
	m.backendRequests = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ringside_backend_requests_total",
		Help: "Requests made to backends, by location, operation and HTTP status (0: no response).",
	}, []string{"location", "op", "status"}))
	m.backendDuration = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "ringside_backend_request_duration_seconds",
		Help:    "Latency of requests made to backends, by location and operation.",
		Buckets: latencyBuckets,
	}, []string{"location", "op"}))
	if m.enabled {
		m.precreateFaults()
	}
	return m
}

// precreateFaults makes, at 0, the series of every operation of the route
// table answered with a server fault (500, 503): a series born at its
// first fault hides that fault from rate() and increase(), and so from
// the 5xx alert, until a second one comes.
func (m *metrics) precreateFaults() {
	faults := []int{s3err.StatusOf(s3err.InternalError), s3err.StatusOf(s3err.ServiceUnavailable)}
	for _, rt := range routes {
		for _, status := range faults {
			m.requests.add(rt.op, status)
		}
	}
}

// register adds c to reg, or returns the collector already registered
// there under the same description, as when two gateways share a registry.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		are, ok := err.(prometheus.AlreadyRegisteredError)
		if !ok {
			panic("register gateway metrics: " + err.Error())
		}
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
		panic("register gateway metrics: " + err.Error())
	}
	return c
}

// middleware counts requests by operation and status, their latency and
// bytes in and out.
func (m *metrics) middleware(next http.Handler) http.Handler {
	if m == nil || !m.enabled {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		o := m.addr.classify(r)
		rec := m.recorder.Get().(*recorder)
		rec.ResponseWriter, rec.status, rec.sent = w, 0, 0
		var body *countingBody
		if r.Body != nil && r.Body != http.NoBody {
			body = &countingBody{ReadCloser: r.Body}
			r.Body = body
		}

		next.ServeHTTP(rec, r)

		s := m.series(o)
		s.duration.Observe(time.Since(start).Seconds())
		status := rec.status
		if status == 0 {
			status = http.StatusOK // what net/http sends for a handler that wrote nothing
		}
		m.requests.inc(o, status)
		if rec.sent > 0 {
			s.sent.Add(float64(rec.sent))
		}
		if body != nil {
			if n := body.n.Load(); n > 0 {
				s.received.Add(float64(n))
			}
		}
		rec.ResponseWriter = nil
		m.recorder.Put(rec)
	})
}

// series returns the front-end series of an operation, creating them on
// its first request so that /metrics shows only operations seen.
func (m *metrics) series(o op) *opSeries {
	if s := m.perOp[o].Load(); s != nil {
		return s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s := m.perOp[o].Load(); s != nil {
		return s
	}
	name := o.String()
	s := &opSeries{
		duration: m.duration.WithLabelValues(name),
		received: m.received.WithLabelValues(name),
		sent:     m.sent.WithLabelValues(name),
	}
	m.perOp[o].Store(s)
	return s
}

// backendSeries are one location's backend series, with the labels other
// than location still open.
type backendSeries struct {
	requests *statusCounters
	duration prometheus.ObserverVec
	perOp    [numOps]atomic.Pointer[prometheus.Observer]
}

// observeBackend records one backend request of a location's client
// (catalog.Config.Observe).
func (m *metrics) observeBackend(location, opName string, status int, d time.Duration) {
	if m == nil || !m.enabled {
		return
	}
	b := m.backendSeriesOf(location)
	o, known := opByName[opName]
	if !known {
		// The backend names only S3 operations; one not in the table is
		// still counted, on the slow path.
		b.duration.WithLabelValues(opName).Observe(d.Seconds())
		b.requests.vec.WithLabelValues(opName, statusLabel(status)).Inc()
		return
	}
	b.observer(o).Observe(d.Seconds())
	b.requests.inc(o, status)
}

func (m *metrics) backendSeriesOf(location string) *backendSeries {
	if b, ok := m.backendByLocation.Load(location); ok {
		return b.(*backendSeries)
	}
	labels := prometheus.Labels{"location": location}
	b, _ := m.backendByLocation.LoadOrStore(location, &backendSeries{
		requests: newStatusCounters(m.backendRequests.MustCurryWith(labels)),
		duration: m.backendDuration.MustCurryWith(labels),
	})
	return b.(*backendSeries)
}

func (b *backendSeries) observer(o op) prometheus.Observer {
	if p := b.perOp[o].Load(); p != nil {
		return *p
	}
	// Two first requests may both resolve the series: WithLabelValues
	// returns the same one to both.
	obs := b.duration.WithLabelValues(o.String())
	b.perOp[o].Store(&obs)
	return obs
}
