package index

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// StatsReader is what the index metrics read; *DB satisfies it.
type StatsReader interface {
	// Stats counts buckets, current objects and versions without walking
	// the database.
	Stats() (Stats, error)
}

// indexSizer is an index that also tells its size on disk: Badger's LSM
// tree and value log, in bytes.
type indexSizer interface {
	Size() (lsm, vlog int64)
}

// RegisterMetrics exposes the index's entry counts (and its size on
// disk, when the index tells it) as gauges read at each scrape.
func RegisterMetrics(reg prometheus.Registerer, db StatsReader) error {
	if err := reg.Register(&indexCollector{db: db}); err != nil {
		return fmt.Errorf("register index metrics: %w", err)
	}
	return nil
}

var (
	indexBucketsDesc = prometheus.NewDesc("ringside_index_buckets",
		"Gateway buckets in the index.", nil, nil)
	indexObjectsDesc = prometheus.NewDesc("ringside_index_objects",
		"Current objects (keys whose latest version is not a delete marker) in the index.", nil, nil)
	indexVersionsDesc = prometheus.NewDesc("ringside_index_versions",
		"Object versions and delete markers in the index.", nil, nil)
	indexSizeDesc = prometheus.NewDesc("ringside_index_size_bytes",
		"Size of the index on disk, by part (lsm, vlog).", []string{"part"}, nil)
)

// indexCollector reads the index's counters once per scrape.
type indexCollector struct {
	db StatsReader
}

func (c *indexCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- indexBucketsDesc
	ch <- indexObjectsDesc
	ch <- indexVersionsDesc
	if _, ok := c.db.(indexSizer); ok {
		ch <- indexSizeDesc
	}
}

func (c *indexCollector) Collect(ch chan<- prometheus.Metric) {
	// A failed read leaves the gauges out of this scrape rather than
	// failing the whole scrape with them.
	if s, err := c.db.Stats(); err == nil {
		ch <- prometheus.MustNewConstMetric(indexBucketsDesc, prometheus.GaugeValue, float64(s.Buckets))
		ch <- prometheus.MustNewConstMetric(indexObjectsDesc, prometheus.GaugeValue, float64(s.Objects))
		ch <- prometheus.MustNewConstMetric(indexVersionsDesc, prometheus.GaugeValue, float64(s.Versions))
	}
	if sz, ok := c.db.(indexSizer); ok {
		lsm, vlog := sz.Size()
		ch <- prometheus.MustNewConstMetric(indexSizeDesc, prometheus.GaugeValue, float64(lsm), "lsm")
		ch <- prometheus.MustNewConstMetric(indexSizeDesc, prometheus.GaugeValue, float64(vlog), "vlog")
	}
}

var _ StatsReader = (*DB)(nil)
