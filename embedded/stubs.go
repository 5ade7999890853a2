// Package embedded owns the in-process S3 server that `ringside demo` runs as
// its backend and that the tests use as a fast fake: versioned buckets held
// in memory, SigV4-checked keys, on a real TCP listener so that users and
// tools can write to it directly.
package embedded

// Stubs: replaced by the implementation.

// Server is a running in-process S3 server.
type Server struct{}

// Start listens on addr ("127.0.0.1:0" for any port) and serves S3 with the
// given keys; each named bucket is created with versioning Enabled.
func Start(addr, accessKey, secretKey string, buckets ...string) (*Server, error) {
	panic("todo")
}

// URL is the server's endpoint, http://host:port.
func (s *Server) URL() string { panic("todo") }

// Close stops the server.
func (s *Server) Close() error { panic("todo") }
