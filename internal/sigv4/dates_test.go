package sigv4

import (
	"math/rand/v2"
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

func TestParseAmzDateIsTimeParse(t *testing.T) {
	for _, s := range []string{
		"20261206T101112Z", "20240229T000000Z", "20230229T000000Z", "20261231T235959Z", "20260431T120000Z",
		"20261306T101112Z", "20261200T101112Z", "20261206T241112Z", "20261206T106012Z", "20261206T101160Z",
		"00010101T000000Z", "99991231T235959Z", "2026120T6101112Z", "20261206t101112Z", "20261206T101112z",
		"2026-12-06T10:11:12Z", "", "20261206T101112", "20261206T101112ZZ", "+0261206T101112Z", "2026 206T101112Z",
		"２0261206T101112Z",
	} {
		sameAsTimeParse(t, AmzDateFormat, ParseAmzDate, s)
	}
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789TZ+- "
	for range 20000 {
		b := []byte("20261206T101112Z")
		for range 1 + r.IntN(3) {
			b[r.IntN(len(b))] = alphabet[r.IntN(len(alphabet))]
		}
		sameAsTimeParse(t, AmzDateFormat, ParseAmzDate, string(b))
	}
	for range 20000 {
		tm := time.Unix(r.Int64N(1<<34), 0).UTC()
		sameAsTimeParse(t, AmzDateFormat, ParseAmzDate, tm.Format(AmzDateFormat))
	}
}

func TestParseScopeDateIsTimeParse(t *testing.T) {
	for _, s := range []string{"20261206", "20240229", "20230229", "20261301", "20261232", "20260931", "00000101", "2026120", "202612066", "2026-1-6", ""} {
		sameAsTimeParse(t, ScopeDateFormat, ParseScopeDate, s)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		b := []byte("20261206")
		b[r.IntN(len(b))] = "0123456789x"[r.IntN(11)]
		sameAsTimeParse(t, ScopeDateFormat, ParseScopeDate, string(b))
	}
}

func TestSameScopeDate(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		tm := time.Unix(r.Int64N(1<<34), 0).In(time.FixedZone("x", 3600*(r.IntN(25)-12)))
		want := tm.UTC().Format(ScopeDateFormat)
		if !SameScopeDate(tm, want) {
			t.Fatalf("%v is not on %s", tm, want)
		}
		if other := tm.UTC().Add(24 * time.Hour).Format(ScopeDateFormat); SameScopeDate(tm, other) {
			t.Fatalf("%v is on %s", tm, other)
		}
	}
}

func TestAppendAmzDateIsAppendFormat(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	times := []time.Time{time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}
	for range 20000 {
		times = append(times, time.Unix(r.Int64N(1<<36)-1<<35, r.Int64N(1e9)).In(time.FixedZone("x", 60*(r.IntN(1500)-750))))
	}
	for _, tm := range times {
		if got, want := string(AppendAmzDate(nil, tm)), tm.UTC().Format(AmzDateFormat); got != want {
			t.Fatalf("%v: %s, want %s", tm, got, want)
		}
	}
}
