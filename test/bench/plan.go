package main

import "time"

// plan sizes a run.
type plan struct {
	Mode   string `json:"mode"` // full or quick
	Rounds int    `json:"rounds"`

	LargeSizes   []int64 `json:"largeSizes"`
	LargeStreams []int   `json:"largeStreams"`
	// LargeMinBytes: each sample moves at least this much, several
	// objects per stream if need be, so that it lasts long enough to time.
	LargeMinBytes int64 `json:"largeMinBytes"`

	SmallSize     int64         `json:"smallSize"`
	SmallConc     []int         `json:"smallConcurrency"`
	SmallDuration time.Duration `json:"smallDurationNs"`
	SmallObjects  int           `json:"smallObjects"` // objects read by GET and HEAD
	HeadConc      int           `json:"headConcurrency"`
	// HotConc is the concurrency of the GETs answered from ringside's
	// object cache.
	HotConc int `json:"hotConcurrency"`

	ListKeys     int           `json:"listKeys"`
	ListConc     int           `json:"listConcurrency"`
	ListDuration time.Duration `json:"listDurationNs"`

	// MirrorSmallKeys is the smaller mirror bucket, the other being the
	// LIST bucket of ListKeys, for the ingester's memory and latency.
	MirrorSmallKeys   int           `json:"mirrorSmallKeys"`
	IngestRounds      int           `json:"ingestRounds"`
	VisibilityChanges int           `json:"visibilityChanges"`
	VisibilitySpacing time.Duration `json:"visibilitySpacingNs"`
	PointReads        int           `json:"pointReads"`
	// ScaleKeys is the mirror bucket of the opt-in scale group (embedded
	// backend only, filled at once).
	ScaleKeys int `json:"scaleKeys"`

	RSSBytes    int64 `json:"rssBytes"`
	RSSPartSize int64 `json:"rssPartSize"`
	RSSPartConc int   `json:"rssPartConcurrency"`
}

const (
	kib = int64(1) << 10
	mi  = int64(1) << 20
	gib = int64(1) << 30
)

func newPlan(quick bool) plan {
	p := plan{
		Mode:              "full",
		Rounds:            5,
		LargeSizes:        []int64{32 * mi, 64 * mi},
		LargeStreams:      []int{1, 2, 4},
		LargeMinBytes:     128 * mi,
		SmallSize:         4 * kib,
		SmallConc:         []int{1, 16, 64},
		SmallDuration:     1500 * time.Millisecond,
		SmallObjects:      1000,
		HeadConc:          16,
		HotConc:           16,
		ListKeys:          100_000,
		ListConc:          4,
		ListDuration:      2 * time.Second,
		MirrorSmallKeys:   10_000,
		IngestRounds:      3,
		VisibilityChanges: 200,
		VisibilitySpacing: 100 * time.Millisecond,
		PointReads:        20,
		ScaleKeys:         1_000_000,
		RSSBytes:          2 * gib,
		RSSPartSize:       16 * mi,
		RSSPartConc:       4,
	}
	if quick {
		p.Mode = "quick"
		p.Rounds = 3
		p.LargeMinBytes = 64 * mi
		p.SmallDuration = 400 * time.Millisecond
		p.SmallObjects = 200
		p.ListKeys = 10_000
		p.ListDuration = 400 * time.Millisecond
		p.MirrorSmallKeys = 1_000
		p.IngestRounds = 1
		p.VisibilityChanges = 50
		p.VisibilitySpacing = 60 * time.Millisecond
		p.PointReads = 10
		p.ScaleKeys = 200_000
		p.RSSBytes = 256 * mi
	}
	return p
}
