//go:build !unix

package backend

// idleClosed cannot look at the socket here: a connection closed while
// idle shows as a failed call.
func (rc *rawConn) idleClosed() bool { return rc.br.Buffered() > 0 }
