package s3time

import (
	"math/rand/v2"
	"net/http"
	"reflect"
	"testing"
	"time"
)

// sameAsTimeParse checks that parse accepts and refuses what time.Parse
// does with layout, with the same time.
func sameAsTimeParse(t *testing.T, layout string, parse func(string) (time.Time, error), s string) {
	t.Helper()
	want, werr := time.Parse(layout, s)
	got, gerr := parse(s)
	if (werr == nil) != (gerr == nil) || !got.Equal(want) || got.Location() != want.Location() {
		t.Errorf("%q: got %v, %v; time.Parse gives %v, %v", s, got, gerr, want, werr)
	}
}

// randomTimes are times over some thousand years, in zones of their own,
// with the edges of the four-digit years.
func randomTimes(seed uint64, n int) []time.Time {
	r := rand.New(rand.NewPCG(seed, seed+1))
	ts := []time.Time{{}, time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 6, 10, 9, 8, 0, time.FixedZone("CET", 3600))}
	for range n {
		ts = append(ts, time.Unix(r.Int64N(1<<36)-1<<35, r.Int64N(1e9)).In(time.FixedZone("x", 60*(r.IntN(1500)-750))))
	}
	return ts
}

func TestParseAmzDateIsTimeParse(t *testing.T) {
	for _, s := range []string{
		"20261206T101112Z", "20240229T000000Z", "20230229T000000Z", "20261231T235959Z", "20260431T120000Z",
		"20261306T101112Z", "20261200T101112Z", "20261206T241112Z", "20261206T106012Z", "20261206T101160Z",
		"00010101T000000Z", "99991231T235959Z", "2026120T6101112Z", "20261206t101112Z", "20261206T101112z",
		"2026-12-06T10:11:12Z", "", "20261206T101112", "20261206T101112ZZ", "+0261206T101112Z", "2026 206T101112Z",
		"２0261206T101112Z",
	} {
		sameAsTimeParse(t, AmzDateLayout, ParseAmzDate, s)
	}
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789TZ+- "
	for range 20000 {
		b := []byte("20261206T101112Z")
		for range 1 + r.IntN(3) {
			b[r.IntN(len(b))] = alphabet[r.IntN(len(alphabet))]
		}
		sameAsTimeParse(t, AmzDateLayout, ParseAmzDate, string(b))
	}
	for _, tm := range randomTimes(3, 20000) {
		sameAsTimeParse(t, AmzDateLayout, ParseAmzDate, tm.UTC().Format(AmzDateLayout))
	}
}

func TestParseScopeDayIsTimeParse(t *testing.T) {
	for _, s := range []string{"20261206", "20240229", "20230229", "20261301", "20261232", "20260931", "00000101", "2026120", "202612066", "2026-1-6", ""} {
		sameAsTimeParse(t, ScopeDayLayout, ParseScopeDay, s)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		b := []byte("20261206")
		b[r.IntN(len(b))] = "0123456789x"[r.IntN(11)]
		sameAsTimeParse(t, ScopeDayLayout, ParseScopeDay, string(b))
	}
}

func TestIsScopeDay(t *testing.T) {
	for _, tm := range randomTimes(5, 20000) {
		if tm.UTC().Year() < 0 || tm.UTC().Year() > 9999 {
			continue
		}
		day := tm.UTC().Format(ScopeDayLayout)
		if !IsScopeDay(tm, day) {
			t.Fatalf("%v is not on %s", tm, day)
		}
		if other := tm.UTC().Add(24 * time.Hour).Format(ScopeDayLayout); IsScopeDay(tm, other) {
			t.Fatalf("%v is on %s", tm, other)
		}
	}
}

// TestWritersAreTimeFormat: every writer writes what time's formatter
// writes with its layout, four-digit years or not.
func TestWritersAreTimeFormat(t *testing.T) {
	for _, tt := range []struct {
		name   string
		layout string
		write  func(time.Time) string
	}{
		{"AppendAmzDate", AmzDateLayout, func(tm time.Time) string { return string(AppendAmzDate(nil, tm)) }},
		{"HTTPDate", http.TimeFormat, HTTPDate},
		{"ISO", ISOLayout, ISO},
		{"AppendISO", ISOLayout, func(tm time.Time) string { return string(AppendISO([]byte("x"), tm)[1:]) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, tm := range randomTimes(7, 30000) {
				if got, want := tt.write(tm), tm.UTC().Format(tt.layout); got != want {
					t.Fatalf("%v: %q, want %q", tm, got, want)
				}
			}
		})
	}
}

func TestParseISO(t *testing.T) {
	tests := []struct {
		in     string
		wantOK bool
	}{
		{"2026-01-02T03:04:05.678Z", true},
		{"2026-01-02T03:04:05Z", true},
		{"2026-01-02T03:04:05.123456789Z", true},
		{"2024-02-29T23:59:59.5Z", true},
		{"0001-01-01T00:00:00Z", true},
		{"2023-02-29T00:00:00Z", false},
		{"2026-00-02T03:04:05Z", false},
		{"2026-01-02T24:04:05Z", false},
		{"2026-01-02T03:60:05Z", false},
		{"2026-01-02T03:04:60Z", false},
		{"2026-01-02T03:04:05.Z", false},
		{"2026-01-02T03:04:05.1234567890Z", false},
		{"2026-01-02T03:04:05,5Z", false},
		{"2026-01-02T03:04:05+00:00", false},
		{"2026-01-02 03:04:05Z", false},
		{"2026-1-02T03:04:05Z", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseISO(tt.in)
			if ok != tt.wantOK {
				t.Fatalf("ok = %t, want %t", ok, tt.wantOK)
			}
			if !ok {
				return
			}
			want, err := time.Parse(time.RFC3339, tt.in)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%v, time.Parse: %v, %v", got, want, err)
			}
		})
	}
	for _, tm := range randomTimes(9, 20000) {
		s := tm.UTC().Format(ISOLayout)
		want, err := time.Parse(time.RFC3339, s)
		if got, ok := ParseISO(s); err == nil && (!ok || !reflect.DeepEqual(got, want)) {
			t.Fatalf("%q: %v, %t; time.Parse gives %v", s, got, ok, want)
		}
	}
}
