package sigv4

import "time"

// Every header-signed request carries X-Amz-Date and a credential scope
// day, which time.Parse reads in about a microsecond each: a few percent
// of what a HEAD answered from the index costs. These read the fixed
// layouts directly and leave anything else to time.Parse, so that they
// accept and refuse exactly what it does.

// ParseAmzDate parses an X-Amz-Date value (AmzDateFormat) as time.Parse
// does.
func ParseAmzDate(s string) (time.Time, error) {
	if len(s) == len(AmzDateFormat) && s[8] == 'T' && s[15] == 'Z' {
		if t, ok := civil(s[:8], s[9:15]); ok {
			return t, nil
		}
	}
	return time.Parse(AmzDateFormat, s)
}

// ParseScopeDate parses a credential scope's day (ScopeDateFormat) as
// time.Parse does.
func ParseScopeDate(s string) (time.Time, error) {
	if len(s) == len(ScopeDateFormat) {
		if t, ok := civil(s, "000000"); ok {
			return t, nil
		}
	}
	return time.Parse(ScopeDateFormat, s)
}

// SameScopeDate reports whether t, in UTC, falls on day (yyyymmdd).
func SameScopeDate(t time.Time, day string) bool {
	var buf [len(AmzDateFormat)]byte
	b := AppendAmzDate(buf[:0], t)
	return len(b) == len(AmzDateFormat) && string(b[:len(ScopeDateFormat)]) == day
}

// AppendAmzDate appends t, in UTC, in AmzDateFormat, as t.AppendFormat
// does.
func AppendAmzDate(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, AmzDateFormat)
	}
	h, mi, sec := t.Clock()
	b = appendDigits(b, y, 4)
	b = appendDigits(b, int(m), 2)
	b = appendDigits(b, d, 2)
	b = append(b, 'T')
	b = appendDigits(b, h, 2)
	b = appendDigits(b, mi, 2)
	b = appendDigits(b, sec, 2)
	return append(b, 'Z')
}

// civil reads yyyymmdd and hhmmss; ok is false for anything but digits
// naming a real day and time, which the caller leaves to time.Parse.
func civil(date, clock string) (t time.Time, ok bool) {
	y, ok1 := digits(date[0:4])
	mo, ok2 := digits(date[4:6])
	d, ok3 := digits(date[6:8])
	h, ok4 := digits(clock[0:2])
	mi, ok5 := digits(clock[2:4])
	sec, ok6 := digits(clock[4:6])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	t = time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d { // the 31st of a 30-day month, say: normalised away
		return time.Time{}, false
	}
	return t, true
}

// digits reads an unsigned decimal of ASCII digits only.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// appendDigits appends n in width digits, zero-padded.
func appendDigits(b []byte, n, width int) []byte {
	var buf [8]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, buf[:width]...)
}
