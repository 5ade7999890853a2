package index

import (
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

type fakeStats struct {
	s   Stats
	err error
}

func (f *fakeStats) Stats() (Stats, error) { return f.s, f.err }

type fakeSizedStats struct {
	fakeStats
	lsm, vlog int64
}

func (f *fakeSizedStats) Size() (int64, int64) { return f.lsm, f.vlog }

func TestIndexMetrics(t *testing.T) {
	tests := []struct {
		name string
		db   StatsReader
		want map[string]float64 // metric (part label folded into the name) -> value; absent means not exposed
	}{
		{
			name: "counts",
			db:   &fakeStats{s: Stats{Buckets: 2, Objects: 10, Versions: 15}},
			want: map[string]float64{"ringside_index_buckets": 2, "ringside_index_objects": 10, "ringside_index_versions": 15},
		},
		{
			name: "counts and size",
			db:   &fakeSizedStats{fakeStats: fakeStats{s: Stats{Buckets: 1, Objects: 3, Versions: 4}}, lsm: 100, vlog: 2000},
			want: map[string]float64{
				"ringside_index_buckets": 1, "ringside_index_objects": 3, "ringside_index_versions": 4,
				"ringside_index_size_bytes/lsm": 100, "ringside_index_size_bytes/vlog": 2000,
			},
		},
		{
			name: "stats error leaves the counts out",
			db:   &fakeStats{err: errors.New("closed")},
			want: map[string]float64{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			if err := RegisterMetrics(reg, tt.db); err != nil {
				t.Fatal(err)
			}
			got := map[string]float64{}
			families, err := reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range families {
				for _, m := range f.GetMetric() {
					name := f.GetName()
					for _, l := range m.GetLabel() {
						name += "/" + l.GetValue()
					}
					got[name] = m.GetGauge().GetValue()
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

func TestRegisterMetricsTwiceFails(t *testing.T) {
	reg := prometheus.NewRegistry()
	db := &fakeStats{}
	if err := RegisterMetrics(reg, db); err != nil {
		t.Fatal(err)
	}
	if err := RegisterMetrics(reg, db); err == nil {
		t.Error("a second registration on the same registry succeeded")
	}
}
