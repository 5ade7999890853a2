package index

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	indexFreeDesc = prometheus.NewDesc("ringside_index_disk_free_bytes",
		"Free space on the index's filesystem, as last measured.", nil, nil)
	indexReserveDesc = prometheus.NewDesc("ringside_index_disk_reserve_bytes",
		"Free space below which index writes (and S3 writes) are refused.", nil, nil)
	indexWritableDesc = prometheus.NewDesc("ringside_index_writable",
		"1 while the index accepts writes, 0 while its disk is below the reserve or it is open read-only.", nil, nil)
	indexRefusedDesc = prometheus.NewDesc("ringside_index_writes_refused_total",
		"Index writes (and S3 writes) refused for a full index disk.", nil, nil)
	indexRepairsPendingDesc = prometheus.NewDesc("ringside_index_repairs_pending",
		"Keys marked for repair: their index write failed after the backend stored the change.", nil, nil)
	indexRepairsDesc = prometheus.NewDesc("ringside_index_repairs_total",
		"Keys repaired from the backend after a failed index write.", nil, nil)
)

// RegisterSpaceMetrics exposes the index disk's free space, reserve and
// refusals, and the repairs of failed index writes.
func RegisterSpaceMetrics(reg prometheus.Registerer, db *DB) error {
	if err := reg.Register(spaceCollector{db}); err != nil {
		return fmt.Errorf("register index space metrics: %w", err)
	}
	return nil
}

type spaceCollector struct{ db *DB }

func (c spaceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{indexFreeDesc, indexReserveDesc, indexWritableDesc,
		indexRefusedDesc, indexRepairsPendingDesc, indexRepairsDesc} {
		ch <- d
	}
}

func (c spaceCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.db.Space()
	writable := 1.0
	if s.Low {
		writable = 0
	}
	pending, repaired := c.db.Repairs()
	ch <- prometheus.MustNewConstMetric(indexFreeDesc, prometheus.GaugeValue, float64(s.Free))
	ch <- prometheus.MustNewConstMetric(indexReserveDesc, prometheus.GaugeValue, float64(s.Reserve))
	ch <- prometheus.MustNewConstMetric(indexWritableDesc, prometheus.GaugeValue, writable)
	ch <- prometheus.MustNewConstMetric(indexRefusedDesc, prometheus.CounterValue, float64(s.Refused))
	ch <- prometheus.MustNewConstMetric(indexRepairsPendingDesc, prometheus.GaugeValue, float64(len(pending)))
	ch <- prometheus.MustNewConstMetric(indexRepairsDesc, prometheus.CounterValue, float64(repaired))
}
