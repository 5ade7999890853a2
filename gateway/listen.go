package gateway

import (
	"net"

	"github.com/ringside/ringside/internal/tcpbuf"
)

// Listen listens for S3 clients on addr, over TCP, handing out connections
// whose socket buffers tcpbuf sizes.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		// The caller names the step; the error names addr already.
		return nil, err
	}
	return bufferedListener{ln.(*net.TCPListener)}, nil
}

// bufferedListener sizes the socket buffers of the connections it accepts.
type bufferedListener struct{ *net.TCPListener }

func (l bufferedListener) Accept() (net.Conn, error) {
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	tcpbuf.Set(c)
	return c, nil
}
