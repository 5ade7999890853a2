package gateway

import (
	"math/rand/v2"
	"net/http"
	"testing"
	"time"
)

func TestHTTPDateIsTimeFormat(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	times := []time.Time{{}, time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 6, 10, 9, 8, 0, time.FixedZone("CET", 3600))}
	for range 50000 {
		times = append(times, time.Unix(r.Int64N(1<<36)-1<<35, r.Int64N(1e9)).In(time.FixedZone("x", 60*(r.IntN(1500)-750))))
	}
	for _, tm := range times {
		if got, want := httpDate(tm), tm.UTC().Format(http.TimeFormat); got != want {
			t.Fatalf("%v: %q, want %q", tm, got, want)
		}
	}
}
