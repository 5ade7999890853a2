//go:build unix

package backend

import (
	"syscall"
)

// idleClosed reports whether the backend closed rc while it sat idle (or
// sent it something unasked, which makes it as unusable), by a look at
// the socket that neither waits nor takes anything from it.
func (rc *rawConn) idleClosed() bool {
	if rc.br.Buffered() > 0 {
		return true
	}
	sc, ok := rc.conn.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	closed := false
	err = raw.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		// Nothing to read (EAGAIN) is the one answer of an open idle
		// connection: a byte is one the backend should not have sent,
		// none at all the connection's end.
		closed = err != syscall.EAGAIN
		return true
	})
	return closed || err != nil
}
