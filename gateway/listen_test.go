//go:build linux

package gateway

import (
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The connections Listen accepts have the buffers it sets, not the
// kernel's defaults (which it would then grow itself).
func TestListenSizesClientSocketBuffers(t *testing.T) {
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			defer c.Close()
			_, _ = c.Read(make([]byte, 1))
		}
	}()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	raw, err := conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opt  int
	}{
		{"SO_RCVBUF", syscall.SO_RCVBUF},
		{"SO_SNDBUF", syscall.SO_SNDBUF},
	} {
		var got int
		var gerr error
		if err := raw.Control(func(fd uintptr) { got, gerr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, tc.opt) }); err != nil || gerr != nil {
			t.Fatal(err, gerr)
		}
		// The kernel doubles what it is given, within its own cap; a
		// default socket starts far below either.
		if limit := min(socketBuffer, maxBuffer(t, tc.opt)); got < limit {
			t.Errorf("%s = %d, want at least %d", tc.name, got, limit)
		}
	}
}

// maxBuffer is the kernel's cap on what SO_RCVBUF or SO_SNDBUF may set.
func maxBuffer(t *testing.T, opt int) int {
	t.Helper()
	name := "/proc/sys/net/core/rmem_max"
	if opt == syscall.SO_SNDBUF {
		name = "/proc/sys/net/core/wmem_max"
	}
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
