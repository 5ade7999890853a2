package s3time

import "time"

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

// appendDigits appends n in width digits (at most 9), zero-padded.
func appendDigits(b []byte, n, width int) []byte {
	var buf [9]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, buf[:width]...)
}

// civil is the UTC time of a calendar day and a clock time, or false
// when they name none (a 13th month, the 31st of a 30-day month, hour 24,
// second 60), which time.Parse refuses too.
func civil(y, mo, d, h, mi, sec, nsec int) (time.Time, bool) {
	if mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, nsec, time.UTC)
	if t.Day() != d { // normalised into the next month
		return time.Time{}, false
	}
	return t, true
}

// fourDigitYear reports whether t's year, in UTC, is written in four
// digits, the fixed layouts' width.
func fourDigitYear(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 0 && y <= 9999
}
