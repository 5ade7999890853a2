// Package tcpbuf sizes the socket buffers of ringside's TCP connections,
// to S3 clients and to backends.
//
// Set together on both hops, 4 MiB buffers took 6% off ringside's CPU per
// MiB of a signed 32 MiB PUT and a fifth off an UNSIGNED-PAYLOAD one, with
// fewer wakeups between reads. But a size set explicitly also stops the
// kernel from sizing the buffers itself, and the kernel caps what it is
// set to (net.core.rmem_max and wmem_max, 208 KiB by default on Linux):
// a capped buffer is smaller than what the kernel's own sizing reaches
// (tcp_rmem's and tcp_wmem's maximum), which would slow a backend far
// away. So a buffer is set only where the kernel grants it whole.
package tcpbuf

import (
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Size is the send and receive buffer set on each connection.
const Size = 4 << 20

// Set gives c buffers of Size, each only if the kernel allows that much;
// otherwise the kernel keeps sizing it. Best effort: a connection that
// refuses keeps the kernel's sizes.
func Set(c *net.TCPConn) {
	read, write := grants()
	if read {
		_ = c.SetReadBuffer(Size)
	}
	if write {
		_ = c.SetWriteBuffer(Size)
	}
}

var grants = sync.OnceValues(func() (read, write bool) {
	return allows("/proc/sys/net/core/rmem_max"), allows("/proc/sys/net/core/wmem_max")
})

// allows says whether the kernel limit in file is at least Size. Where
// there is no such file (not Linux), the request is left to the kernel.
func allows(file string) bool {
	raw, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return true
	}
	return err == nil && fits(string(raw))
}

// fits says whether a limit as the kernel prints it is at least Size.
func fits(limit string) bool {
	n, err := strconv.ParseInt(strings.TrimSpace(limit), 10, 64)
	return err == nil && n >= Size
}
