package mirror

import (
	"sync"
	"time"
)

// FeedStatus is a mirror bucket's change feed as `ringside mirror status`
// shows it.
type FeedStatus struct {
	Kind  string `json:"kind"`  // webhook, listen, raftlog
	State string `json:"state"` // connecting, running, failing, stopped
	// Healthy: the feed runs and no gap waits for a full pass, so that
	// full passes are FeedInterval apart.
	Healthy bool `json:"healthy"`
	// Lag is what the feed has yet to apply: the metadata log's records
	// past what was read, else the hints waiting for their key's read.
	Lag             int64     `json:"lag"`
	EventsPerSecond float64   `json:"eventsPerSecond"` // over the last rateWindow
	Events          int64     `json:"events"`          // hints received since start
	LastEvent       time.Time `json:"lastEvent,omitzero"`
	Gaps            int64     `json:"gaps"`
	LastGap         time.Time `json:"lastGap,omitzero"`
	LastError       string    `json:"lastError,omitempty"`
	Position        string    `json:"position,omitempty"` // recorded, where the source has one
}

// status is the feed's status now.
func (f *feeder) status() *FeedStatus {
	st := f.src.Status()
	f.mu.Lock()
	pending := int64(f.pending)
	pos := string(f.saved)
	f.mu.Unlock()
	lag := st.Lag
	if lag < 0 {
		lag = pending + int64(f.debouncer.Pending())
	}
	return &FeedStatus{
		Kind: st.Kind, State: st.State, Healthy: f.healthy(), Lag: lag,
		EventsPerSecond: f.rate.perSecond(time.Now()), Events: st.Hints, LastEvent: st.LastHint,
		Gaps: st.Gaps, LastGap: st.LastGap, LastError: st.LastError, Position: pos,
	}
}

// rateWindow is the span events per second are averaged over.
const rateWindow = 10 * time.Second

// rateMeter counts events per second over the last rateWindow, in one
// slot per second.
type rateMeter struct {
	mu    sync.Mutex
	slots [10]int64
	at    [10]int64 // the second each slot counts
}

func (r *rateMeter) add(now time.Time) {
	sec := now.Unix()
	i := sec % int64(len(r.slots))
	r.mu.Lock()
	if r.at[i] != sec {
		r.at[i], r.slots[i] = sec, 0
	}
	r.slots[i]++
	r.mu.Unlock()
}

func (r *rateMeter) perSecond(now time.Time) float64 {
	sec := now.Unix()
	var n int64
	r.mu.Lock()
	for i := range r.slots {
		if sec-r.at[i] < int64(len(r.slots)) {
			n += r.slots[i]
		}
	}
	r.mu.Unlock()
	return float64(n) / rateWindow.Seconds()
}
