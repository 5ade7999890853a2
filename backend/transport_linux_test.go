package backend

import (
	"context"
	"net"
	"testing"

	"github.com/ringside/ringside/internal/tcpbuf"
)

// A connection to the backend has the socket buffers tcpbuf sets.
func TestBulkDialSizesSocketBuffers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			defer c.Close()
			_, _ = c.Read(make([]byte, 1))
		}
	}()
	conn, err := bulkDial(&net.Dialer{})(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	checkSized(t, conn.(bulkConn).TCPConn)
}

// checkSized checks that c has the buffers tcpbuf.Set gives a connection.
func checkSized(t *testing.T, c *net.TCPConn) {
	t.Helper()
	other, err := net.Dial("tcp", c.RemoteAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tcpbuf.Set(other.(*net.TCPConn))
	wantRead, wantWrite, err := tcpbuf.Sizes(other.(*net.TCPConn))
	if err != nil {
		t.Fatal(err)
	}
	read, write, err := tcpbuf.Sizes(c)
	if err != nil {
		t.Fatal(err)
	}
	if read != wantRead || write != wantWrite {
		t.Errorf("buffers %d/%d, want tcpbuf's %d/%d", read, write, wantRead, wantWrite)
	}
}
