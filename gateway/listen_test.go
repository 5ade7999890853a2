//go:build linux

package gateway

import (
	"net"
	"testing"

	"github.com/ringside/ringside/internal/tcpbuf"
)

// The connections Listen accepts have the buffers tcpbuf gives a
// connection: the client's end, set by tcpbuf itself, is the yardstick.
func TestListenSizesClientSocketBuffers(t *testing.T) {
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tcpbuf.Set(client.(*net.TCPConn))
	wantRead, wantWrite, err := tcpbuf.Sizes(client.(*net.TCPConn))
	if err != nil {
		t.Fatal(err)
	}
	read, write, err := tcpbuf.Sizes(conn.(*net.TCPConn))
	if err != nil || read != wantRead || write != wantWrite {
		t.Fatalf("accepted connection's buffers %d/%d (%v), want tcpbuf's %d/%d", read, write, err, wantRead, wantWrite)
	}
}
