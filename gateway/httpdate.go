package gateway

import (
	"net/http"
	"time"
)

// httpDate is t in UTC as http.TimeFormat writes it, for Last-Modified.
// Every HEAD and GET writes one, and time's general formatter took 2% of
// a HEAD's CPU; this writes the fixed layout directly, as net/http does
// for its Date header.
func httpDate(t time.Time) string {
	t = t.UTC()
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.Format(http.TimeFormat)
	}
	h, mi, s := t.Clock()
	var b [len("Mon, 02 Jan 2006 15:04:05 GMT")]byte
	copy(b[0:], t.Weekday().String()[:3])
	b[3], b[4] = ',', ' '
	put2(b[5:], d)
	b[7] = ' '
	copy(b[8:], m.String()[:3])
	b[11] = ' '
	put2(b[12:], y/100)
	put2(b[14:], y%100)
	b[16] = ' '
	put2(b[17:], h)
	b[19] = ':'
	put2(b[20:], mi)
	b[22] = ':'
	put2(b[23:], s)
	copy(b[25:], " GMT")
	return string(b[:])
}

// put2 writes n (0 to 99) as two digits.
func put2(b []byte, n int) {
	b[0], b[1] = byte('0'+n/10), byte('0'+n%10)
}
