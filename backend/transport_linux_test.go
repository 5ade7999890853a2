package backend

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// A connection to the backend has the socket buffers bulkDial sets, not
// the kernel's defaults.
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
	raw, err := conn.(bulkConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, limit string
		opt         int
	}{
		{"SO_RCVBUF", "/proc/sys/net/core/rmem_max", syscall.SO_RCVBUF},
		{"SO_SNDBUF", "/proc/sys/net/core/wmem_max", syscall.SO_SNDBUF},
	} {
		var got int
		var gerr error
		if err := raw.Control(func(fd uintptr) { got, gerr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, tc.opt) }); err != nil || gerr != nil {
			t.Fatal(err, gerr)
		}
		b, err := os.ReadFile(tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		capped, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		// The kernel doubles what it is given, within its cap; a
		// default socket starts far below either.
		if want := min(socketBuffer, capped); got < want {
			t.Errorf("%s = %d, want at least %d", tc.name, got, want)
		}
	}
}
