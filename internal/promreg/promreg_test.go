package promreg

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestRegister(t *testing.T) {
	counter := func(help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "promreg_test_total", Help: help}, []string{"l"})
	}
	reg := prometheus.NewRegistry()
	first := counter("h")
	tests := []struct {
		name      string
		c         *prometheus.CounterVec
		want      *prometheus.CounterVec // nil: the collector given
		wantError bool
	}{
		{name: "new", c: first, want: first},
		{name: "the same description again", c: counter("h"), want: first},
		{name: "the same name, another help", c: counter("other"), wantError: true},
	}
	for _, tt := range tests {
		got, err := Register(reg, tt.c)
		if (err != nil) != tt.wantError {
			t.Errorf("%s: error %v, want one: %v", tt.name, err, tt.wantError)
		}
		want := tt.want
		if want == nil {
			want = tt.c
		}
		if got != want {
			t.Errorf("%s: got another collector than expected", tt.name)
		}
	}
}
