//go:build unix

package tcpbuf

import (
	"net"
	"syscall"
)

// Sizes reports the receive and send buffers the kernel gives c, as
// SO_RCVBUF and SO_SNDBUF read them (Linux doubles what it was set to, for
// its own bookkeeping).
func Sizes(c *net.TCPConn) (read, write int, err error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, 0, err
	}
	var rerr, werr error
	err = raw.Control(func(fd uintptr) {
		read, rerr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
		write, werr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF)
	})
	for _, e := range []error{err, rerr, werr} {
		if e != nil {
			return 0, 0, e
		}
	}
	return read, write, nil
}
