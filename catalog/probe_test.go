package catalog

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ringside/ringside/internal/s3err"
)

// Each mistake in reaching a backend is refused with a message that names
// the cause and the fix, and no SDK wrapping.
func TestAddLocationConnectionAdvice(t *testing.T) {
	e := newCatEnv(t, "")
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = quietLog()
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	tlsAddr := tlsSrv.Listener.Addr().String()
	plainAddr := strings.TrimPrefix(e.backend.URL(), "http://")
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := closed.Addr().String()
	closed.Close()

	tests := []struct {
		name, endpoint string
		want           []string
	}{
		{"self-signed certificate", "https://" + tlsAddr, []string{"unknown authority", "--ca-file", "--insecure-skip-verify"}},
		{"https at a plain HTTP port", "https://" + plainAddr, []string{"Wrong scheme", "speaks HTTP, not HTTPS", "--endpoint http://" + plainAddr}},
		{"http at a TLS port", "http://" + tlsAddr, []string{"Wrong scheme", "speaks HTTPS, not HTTP", "--endpoint https://" + tlsAddr}},
		{"nothing listens", "http://" + deadAddr, []string{"did not answer", "connection refused", "check the endpoint"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := e.location("fresh", "ring", false)
			l.Endpoint = tt.endpoint
			_, err := e.cat.AddLocation(context.Background(), l)
			ge := wantCode(t, err, s3err.InvalidArgument)
			for _, w := range tt.want {
				if !strings.Contains(ge.Message, w) {
					t.Errorf("message %q lacks %q", ge.Message, w)
				}
			}
			for _, noise := range []string{"operation error", "StatusCode: 0", "RequestID"} {
				if strings.Contains(ge.Message, noise) {
					t.Errorf("message %q carries SDK noise %q", ge.Message, noise)
				}
			}
		})
	}
}

// quietLog drops the TLS server's complaints about the handshakes these
// tests get wrong on purpose.
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }
