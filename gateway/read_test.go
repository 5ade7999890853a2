package gateway

import (
	"net/http"
	"testing"
	"time"

	"github.com/ringside/ringside/index"
)

func TestParseRange(t *testing.T) {
	tests := []struct {
		header      string
		size        int64
		first, last int64 // -1: whole object
		refused     bool
	}{
		{"", 10, -1, -1, false},
		{"bytes=0-3", 10, 0, 3, false},
		{"bytes=4-", 10, 4, 9, false},
		{"bytes=-3", 10, 7, 9, false},
		{"bytes=-30", 10, 0, 9, false},
		{"bytes=5-100", 10, 5, 9, false},
		{"bytes=9-9", 10, 9, 9, false},
		{"bytes=10-", 10, 0, 0, true},
		{"bytes=10-20", 10, 0, 0, true},
		{"bytes=-0", 10, 0, 0, true},
		{"bytes=0-", 0, 0, 0, true},
		{"bytes=3-1", 10, -1, -1, false},                    // invalid: ignored
		{"bytes=0-1,4-5", 10, -1, -1, false},                // several ranges: ignored
		{"items=0-1", 10, -1, -1, false},                    // not bytes: ignored
		{"bytes=x-1", 10, -1, -1, false},                    // invalid: ignored
		{"bytes=0-1x", 10, -1, -1, false},                   // invalid: ignored
		{"bytes=-", 10, -1, -1, false},                      // invalid: ignored
		{"bytes= 2-3 ", 10, 2, 3, false},                    // spaces allowed
		{"bytes=0-18446744073709551616", 10, -1, -1, false}, // overflow: ignored
	}
	for _, tt := range tests {
		s, err := parseRange(tt.header, tt.size)
		if tt.refused {
			if e, ok := err.(*Error); !ok || e.Code != "InvalidRange" || e.Status != http.StatusRequestedRangeNotSatisfiable {
				t.Errorf("parseRange(%q, %d) = %v, %v; want InvalidRange", tt.header, tt.size, s, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseRange(%q, %d): %v", tt.header, tt.size, err)
			continue
		}
		if tt.first < 0 {
			if s != nil {
				t.Errorf("parseRange(%q, %d) = %+v, want the whole object", tt.header, tt.size, *s)
			}
			continue
		}
		if s == nil || s.first != tt.first || s.last != tt.last {
			t.Errorf("parseRange(%q, %d) = %+v, want %d-%d", tt.header, tt.size, s, tt.first, tt.last)
		}
	}
}

func TestCheckConditions(t *testing.T) {
	modified := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	v := index.Version{ETag: `"abc-3"`, LastModified: modified.Add(500 * time.Millisecond)}
	before := modified.Add(-time.Hour).Format(http.TimeFormat)
	at := modified.Format(http.TimeFormat)
	tests := []struct {
		name   string
		header map[string]string
		want   error
	}{
		{"none", nil, nil},
		{"if-match multipart etag", map[string]string{"If-Match": `"abc-3"`}, nil},
		{"if-match list", map[string]string{"If-Match": `"x", "abc-3"`}, nil},
		{"if-match star", map[string]string{"If-Match": "*"}, nil},
		{"if-match other", map[string]string{"If-Match": `"abc"`}, errPrecondition},
		{"if-none-match same", map[string]string{"If-None-Match": `"abc-3"`}, errNotModified},
		{"if-none-match weak same", map[string]string{"If-None-Match": `W/"abc-3"`}, errNotModified},
		{"if-none-match other", map[string]string{"If-None-Match": `"zzz"`}, nil},
		{"if-modified-since before", map[string]string{"If-Modified-Since": before}, nil},
		{"if-modified-since at (second resolution)", map[string]string{"If-Modified-Since": at}, errNotModified},
		{"if-unmodified-since before", map[string]string{"If-Unmodified-Since": before}, errPrecondition},
		{"if-unmodified-since at", map[string]string{"If-Unmodified-Since": at}, nil},
		{"if-match wins over if-unmodified-since", map[string]string{"If-Match": `"abc-3"`, "If-Unmodified-Since": before}, nil},
		{"if-none-match wins over if-modified-since", map[string]string{"If-None-Match": `"zzz"`, "If-Modified-Since": at}, nil},
		{"invalid date ignored", map[string]string{"If-Modified-Since": "yesterday"}, nil},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, val := range tt.header {
			h.Set(k, val)
		}
		if got := checkConditions(h, readConditions, v, errNotModified); got != tt.want {
			t.Errorf("%s: checkConditions = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestPartNumber(t *testing.T) {
	tests := []struct {
		v, rng string
		want   int
		code   string
	}{
		{"", "", 0, ""},
		{"1", "", 1, ""},
		{"2", "", 2, ""},
		{"0", "", 0, "InvalidArgument"},
		{"10001", "", 0, "InvalidArgument"},
		{"x", "", 0, "InvalidArgument"},
		{"1", "bytes=0-1", 0, "InvalidRequest"},
	}
	for _, tt := range tests {
		n, err := partNumber(tt.v, tt.rng)
		code := ""
		if err != nil {
			code = err.(*Error).Code
		}
		if n != tt.want || code != tt.code {
			t.Errorf("partNumber(%q, %q) = %d, %q; want %d, %q", tt.v, tt.rng, n, code, tt.want, tt.code)
		}
	}
}
