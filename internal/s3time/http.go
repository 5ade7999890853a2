package s3time

import (
	"net/http"
	"time"
)

// HTTPDate is t, in UTC, as t.Format(http.TimeFormat) writes it: the
// Last-Modified of every HEAD and GET.
func HTTPDate(t time.Time) string {
	t = t.UTC()
	if !fourDigitYear(t) {
		return t.Format(http.TimeFormat)
	}
	y, m, d := t.Date()
	h, mi, sec := t.Clock()
	var buf [len(http.TimeFormat)]byte
	b := append(buf[:0], t.Weekday().String()[:3]...)
	b = appendDigits(append(b, ", "...), d, 2)
	b = append(append(append(b, ' '), m.String()[:3]...), ' ')
	b = appendDigits(b, y, 4)
	b = appendDigits(append(b, ' '), h, 2)
	b = appendDigits(append(b, ':'), mi, 2)
	b = appendDigits(append(b, ':'), sec, 2)
	return string(append(b, " GMT"...))
}
