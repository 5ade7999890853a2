package mirror

import (
	"sync/atomic"
	"time"
)

// Phases of an initial sync, as Status shows them.
const (
	PhaseListing         = "listing"          // versions are being listed and indexed
	PhaseReadingMetadata = "reading-metadata" // every version is listable; headers are being read
)

// Progress is how far an initial sync has gone: its phase, what it has
// done in that phase, the total where it is known (the versions whose
// headers are to be read; a listing's total is unknown until it ends), the
// rate since the phase began in this process, and the time left at that
// rate.
type Progress struct {
	Phase         string  `json:"phase"`
	Done          int64   `json:"done"`
	Total         int64   `json:"total,omitempty"`
	RatePerSecond float64 `json:"ratePerSecond"`
	ETASeconds    float64 `json:"etaSeconds,omitempty"`
}

// syncProgress is an initial sync's progress, written by the pass and the
// header readers, read by Status. A nil *syncProgress (any other pass)
// records nothing.
type syncProgress struct {
	phase  atomic.Value // string
	since  atomic.Int64 // start of the phase, Unix nanoseconds
	done   atomic.Int64 // listing: versions listed; metadata: headers stored
	total  atomic.Int64 // metadata: versions with headers to read
	listed atomic.Int64 // versions listed this attempt that are not delete markers
	// listedAt and sweptAt are when the listing had every version indexed
	// and when the metadata sweep ended, Unix nanoseconds (0: not yet):
	// the exact moments, which a client polling the status would only see
	// up to one poll late.
	listedAt atomic.Int64
	sweptAt  atomic.Int64
	// before is what earlier attempts (before a restart) listed: their
	// versions may still want headers, and count in the total.
	before int64
}

// metadataTotal is the number of versions whose headers the sweep reads,
// an upper bound when delete markers were listed before a restart.
func (p *syncProgress) metadataTotal() int64 {
	if p == nil {
		return 0
	}
	return p.before + p.listed.Load()
}

// startPhase enters a phase with done counted from zero.
func (p *syncProgress) startPhase(phase string, total int64) {
	if p == nil {
		return
	}
	p.phase.Store(phase)
	p.since.Store(time.Now().UnixNano())
	p.done.Store(0)
	p.total.Store(total)
}

// add counts n done in the current phase.
func (p *syncProgress) add(n int64) {
	if p != nil {
		p.done.Add(n)
	}
}

// listedObjects counts versions that will need their headers read.
func (p *syncProgress) listedObjects(n int64) {
	if p != nil {
		p.listed.Add(n)
	}
}

// markListed records that every version is listed and indexed.
func (p *syncProgress) markListed(t time.Time) {
	if p != nil {
		p.listedAt.Store(t.UnixNano())
	}
}

// markSwept records the end of the metadata sweep.
func (p *syncProgress) markSwept(t time.Time) {
	if p != nil {
		p.sweptAt.Store(t.UnixNano())
	}
}

// times are the moments markListed and markSwept recorded, zero where
// not recorded.
func (p *syncProgress) times() (listed, swept time.Time) {
	if p == nil {
		return time.Time{}, time.Time{}
	}
	return unixOrZero(p.listedAt.Load()), unixOrZero(p.sweptAt.Load())
}

func unixOrZero(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

// show is the progress as Status shows it, nil before a phase started.
func (p *syncProgress) show(now time.Time) *Progress {
	if p == nil {
		return nil
	}
	phase, _ := p.phase.Load().(string)
	if phase == "" {
		return nil
	}
	out := &Progress{Phase: phase, Done: p.done.Load(), Total: p.total.Load()}
	if secs := now.Sub(time.Unix(0, p.since.Load())).Seconds(); secs > 0 {
		out.RatePerSecond = float64(out.Done) / secs
	}
	if out.Total > out.Done && out.RatePerSecond > 0 {
		out.ETASeconds = float64(out.Total-out.Done) / out.RatePerSecond
	}
	return out
}
