package s3time

import "time"

// ISOLayout is the time of S3's XML documents: UTC, milliseconds.
const ISOLayout = "2006-01-02T15:04:05.000Z"

// ISO is t as AppendISO writes it.
func ISO(t time.Time) string {
	var buf [len(ISOLayout)]byte
	return string(AppendISO(buf[:0], t))
}

// AppendISO appends t, in UTC, as t.AppendFormat(b, ISOLayout) does.
func AppendISO(b []byte, t time.Time) []byte {
	t = t.UTC()
	if !fourDigitYear(t) {
		return t.AppendFormat(b, ISOLayout)
	}
	y, m, d := t.Date()
	h, mi, sec := t.Clock()
	b = appendDigits(b, y, 4)
	b = appendDigits(append(b, '-'), int(m), 2)
	b = appendDigits(append(b, '-'), d, 2)
	b = appendDigits(append(b, 'T'), h, 2)
	b = appendDigits(append(b, ':'), mi, 2)
	b = appendDigits(append(b, ':'), sec, 2)
	b = appendDigits(append(b, '.'), t.Nanosecond()/int(time.Millisecond), 3)
	return append(b, 'Z')
}

// ParseISO reads a time as S3 servers write LastModified,
// "2006-01-02T15:04:05.000Z" with any number of fraction digits up to
// nine, or none, to the same time as time.Parse(time.RFC3339, s); false
// for any other form, which the caller leaves to time.Parse.
func ParseISO(s string) (time.Time, bool) {
	if len(s) < 20 || s[len(s)-1] != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	y, ok1 := digits(s[0:4])
	mo, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	h, ok4 := digits(s[11:13])
	mi, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return time.Time{}, false
	}
	nsec := 0
	if frac := s[19 : len(s)-1]; frac != "" {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		n, ok := digits(frac[1:])
		if !ok {
			return time.Time{}, false
		}
		for range 10 - len(frac) {
			n *= 10
		}
		nsec = n
	}
	return civil(y, mo, d, h, mi, sec, nsec)
}
