package tcpbuf

import (
	"net"
	"testing"
)

// pair is both ends of a loopback TCP connection.
func pair(t *testing.T) (client, server *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return c.(*net.TCPConn), s.(*net.TCPConn)
}

// Where the kernel grants Size, a connection gets at least that; where it
// does not, the connection keeps the sizes a fresh one has, which the
// kernel then grows itself.
func TestSet(t *testing.T) {
	c, fresh := pair(t)
	wantRead, wantWrite, err := Sizes(fresh)
	if err != nil {
		t.Fatal(err)
	}
	read, write := grants()
	Set(c)
	gotRead, gotWrite, err := Sizes(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []struct {
		name           string
		granted        bool
		got, untouched int
	}{
		{"receive", read, gotRead, wantRead},
		{"send", write, gotWrite, wantWrite},
	} {
		switch {
		case b.granted && b.got < Size:
			t.Errorf("%s buffer %d, want at least %d", b.name, b.got, Size)
		case !b.granted && b.got != b.untouched:
			t.Errorf("%s buffer %d although the kernel caps it below %d; want the fresh connection's %d", b.name, b.got, Size, b.untouched)
		}
	}
}
