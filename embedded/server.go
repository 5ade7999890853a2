package embedded

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/rclone/gofakes3"
)

// Server is a running in-process S3 server.
type Server struct {
	url   string
	store *store
	// closing ends when Close starts: the event pushers stop retrying.
	closing context.Context
	stop    context.CancelFunc
	pushers sync.WaitGroup
	ln      *listener
	http    *http.Server
	done    chan struct{} // closed when Serve has returned

	mu    sync.Mutex
	fresh map[net.Conn]bool // connections that have not sent a request yet
}

// closeTimeout bounds how long Close waits for requests in flight.
const closeTimeout = 5 * time.Second

// Start listens on addr ("127.0.0.1:0" for any port) and serves S3 with the
// given keys; each named bucket is created with versioning Enabled.
func Start(addr, accessKey, secretKey string, buckets ...string) (*Server, error) {
	// The signature check refuses access keys shorter than this.
	if len(accessKey) < 3 || secretKey == "" {
		return nil, errors.New("start the embedded S3 server: the access key needs at least 3 characters and the secret key at least 1")
	}
	st := newStore()
	for _, b := range buckets {
		if err := createVersioned(st, b); err != nil {
			return nil, fmt.Errorf("start the embedded S3 server: %w", err)
		}
	}
	fake := gofakes3.New(st, gofakes3.WithLogger(gofakes3.DiscardLog()))
	tcp, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("start the embedded S3 server: %w", err)
	}
	s := &Server{
		url:   "http://" + loopbackAddr(tcp.Addr().(*net.TCPAddr)),
		store: st,
		ln:    &listener{Listener: tcp},
		done:  make(chan struct{}),
		fresh: map[net.Conn]bool{},
	}
	s.closing, s.stop = context.WithCancel(context.Background())
	s.http = &http.Server{
		Handler:           &front{store: st, fake: fake.Server(), keys: map[string]string{accessKey: secretKey}},
		ReadHeaderTimeout: 30 * time.Second,
		ConnState:         s.track,
	}
	go func() {
		defer close(s.done)
		_ = s.http.Serve(s.ln) // returns once the listener is closed
	}()
	return s, nil
}

// track keeps the set of connections that have not sent a request yet.
func (s *Server) track(c net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if state == http.StateNew {
		s.fresh[c] = true
	} else {
		delete(s.fresh, c)
	}
}

// listener may be closed twice: by Close, then by Shutdown.
type listener struct {
	net.Listener
	once sync.Once
	err  error
}

func (l *listener) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}

// createVersioned makes bucket b with versioning Enabled.
func createVersioned(st *store, b string) error {
	if err := gofakes3.ValidateBucketName(b); err != nil {
		return fmt.Errorf("bucket %q: %w", b, err)
	}
	if err := st.CreateBucket(context.Background(), b); err != nil {
		return fmt.Errorf("create bucket %q: %w", b, err)
	}
	return st.SetVersioningConfiguration(b, gofakes3.VersioningConfiguration{Status: gofakes3.VersioningEnabled})
}

// loopbackAddr is the host:port to reach a listener at: a wildcard
// listener is reached on 127.0.0.1.
func loopbackAddr(a *net.TCPAddr) string {
	ip := a.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(a.Port))
}

// SetLogRetention sets how many changes the metadata log holds (default
// 100000), dropping the oldest beyond: a reader whose position was dropped
// is told so.
func (s *Server) SetLogRetention(n int) { s.store.events.setRetention(n) }

// URL is the server's endpoint, http://host:port.
func (s *Server) URL() string { return s.url }

// Close stops the server, letting requests in flight finish for a while.
func (s *Server) Close() error {
	// Connections that have not sent a request yet, such as those a client
	// dials ahead, would hold Shutdown up for seconds: they are dropped once
	// no more can be accepted.
	_ = s.ln.Close()
	<-s.done
	// Listen streams run until their client goes, and pushers until their
	// receiver takes the change: they are ended first.
	s.stop()
	s.store.events.close()
	s.pushers.Wait()
	s.mu.Lock()
	for c := range s.fresh {
		_ = c.Close()
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	err := s.http.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, s.http.Close())
	}
	if err != nil {
		return fmt.Errorf("stop the embedded S3 server: %w", err)
	}
	return nil
}
