package gateway

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// statusCounters is a counter vector labelled by operation and status with
// a lock-free cache of the series already made: each operation sees only a
// handful of statuses, so a short copy-on-write slice scanned in order
// beats hashing the labels on every request.
type statusCounters struct {
	vec  *prometheus.CounterVec
	mu   sync.Mutex // serialises additions to byOp
	byOp [numOps]atomic.Pointer[[]statusCounter]
}

type statusCounter struct {
	status  int
	counter prometheus.Counter
}

func newStatusCounters(vec *prometheus.CounterVec) *statusCounters {
	return &statusCounters{vec: vec}
}

// inc counts one request of operation o answered with status.
func (s *statusCounters) inc(o op, status int) {
	if p := s.byOp[o].Load(); p != nil {
		for _, e := range *p {
			if e.status == status {
				e.counter.Inc()
				return
			}
		}
	}
	s.add(o, status).Inc()
}

// add makes the series of (o, status) unless another request just did.
func (s *statusCounters) add(o op, status int) prometheus.Counter {
	s.mu.Lock()
	defer s.mu.Unlock()
	var entries []statusCounter
	if p := s.byOp[o].Load(); p != nil {
		entries = *p
		for _, e := range entries {
			if e.status == status {
				return e.counter
			}
		}
	}
	c := s.vec.WithLabelValues(o.String(), statusLabel(status))
	grown := make([]statusCounter, len(entries), len(entries)+1)
	copy(grown, entries)
	grown = append(grown, statusCounter{status: status, counter: c})
	s.byOp[o].Store(&grown)
	return c
}

// statusLabel keeps the label set bounded whatever a status holds.
func statusLabel(status int) string {
	if status < 0 || status > 999 {
		return "invalid"
	}
	return strconv.Itoa(status)
}
