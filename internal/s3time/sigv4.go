package s3time

import "time"

const (
	// AmzDateLayout is X-Amz-Date's layout.
	AmzDateLayout = "20060102T150405Z"
	// ScopeDayLayout is the layout of a credential scope's day.
	ScopeDayLayout = "20060102"
)

// ParseAmzDate parses an X-Amz-Date value as time.Parse(AmzDateLayout)
// does.
func ParseAmzDate(s string) (time.Time, error) {
	if len(s) == len(AmzDateLayout) && s[8] == 'T' && s[15] == 'Z' {
		if t, ok := parseCompact(s[:8], s[9:15]); ok {
			return t, nil
		}
	}
	return time.Parse(AmzDateLayout, s)
}

// ParseScopeDay parses a credential scope's day as
// time.Parse(ScopeDayLayout) does.
func ParseScopeDay(s string) (time.Time, error) {
	if len(s) == len(ScopeDayLayout) {
		if t, ok := parseCompact(s, "000000"); ok {
			return t, nil
		}
	}
	return time.Parse(ScopeDayLayout, s)
}

// IsScopeDay reports whether t, in UTC, falls on day (yyyymmdd).
func IsScopeDay(t time.Time, day string) bool {
	var buf [len(AmzDateLayout)]byte
	b := AppendAmzDate(buf[:0], t)
	return len(b) == len(AmzDateLayout) && string(b[:len(ScopeDayLayout)]) == day
}

// AppendAmzDate appends t, in UTC, as t.AppendFormat(b, AmzDateLayout)
// does.
func AppendAmzDate(b []byte, t time.Time) []byte {
	t = t.UTC()
	if !fourDigitYear(t) {
		return t.AppendFormat(b, AmzDateLayout)
	}
	y, m, d := t.Date()
	h, mi, sec := t.Clock()
	b = appendDigits(b, y, 4)
	b = appendDigits(b, int(m), 2)
	b = appendDigits(b, d, 2)
	b = appendDigits(append(b, 'T'), h, 2)
	b = appendDigits(b, mi, 2)
	b = appendDigits(b, sec, 2)
	return append(b, 'Z')
}

// parseCompact reads yyyymmdd and hhmmss.
func parseCompact(date, clock string) (time.Time, bool) {
	y, ok1 := digits(date[0:4])
	mo, ok2 := digits(date[4:6])
	d, ok3 := digits(date[6:8])
	h, ok4 := digits(clock[0:2])
	mi, ok5 := digits(clock[2:4])
	sec, ok6 := digits(clock[4:6])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return time.Time{}, false
	}
	return civil(y, mo, d, h, mi, sec, 0)
}
