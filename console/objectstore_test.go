package console

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ringside/ringside/embedded"
)

// recordingProxy forwards S3 requests to a real server, noting the
// operation of each.
type recordingProxy struct {
	next http.Handler
	mu   sync.Mutex
	ops  []string
}

func (p *recordingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := r.Method
	q := r.URL.Query()
	switch {
	case q.Has("uploads"):
		op = "create-multipart"
	case q.Has("partNumber"):
		op = "part"
	case q.Has("uploadId") && r.Method == http.MethodPost:
		op = "complete"
	case q.Has("uploadId") && r.Method == http.MethodDelete:
		op = "abort"
	}
	p.mu.Lock()
	p.ops = append(p.ops, op)
	p.mu.Unlock()
	p.next.ServeHTTP(w, r)
}

func TestPutStreamsLargeFilesAsMultipart(t *testing.T) {
	srv, err := embedded.Start("127.0.0.1:0", "console-ak", "console-sk", "bkt")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	u, _ := url.Parse(srv.URL())
	proxy := &recordingProxy{next: httputil.NewSingleHostReverseProxy(u)}
	o := newObjectStore(proxy, "console-ak", "console-sk")
	for _, tc := range []struct {
		name string
		size int
		ops  string
	}{
		{"empty", 0, "PUT"},
		{"small", 1000, "PUT"},
		{"one byte short of a part", partSize - 1, "PUT"},
		{"exactly a part", partSize, "create-multipart,part,complete"},
		{"two and a half parts", 2*partSize + partSize/2, "create-multipart,part,part,part,complete"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := make([]byte, tc.size)
			_, _ = rand.Read(data)
			proxy.mu.Lock()
			proxy.ops = nil
			proxy.mu.Unlock()
			key := "up/" + strings.ReplaceAll(tc.name, " ", "-")
			n, err := o.put(context.Background(), "bkt", key, "application/x-test", io.NopCloser(bytes.NewReader(data)))
			if err != nil || n != int64(tc.size) {
				t.Fatalf("put: %d, %v", n, err)
			}
			if got := strings.Join(proxy.ops, ","); got != tc.ops {
				t.Errorf("operations %s, want %s", got, tc.ops)
			}
			out, err := o.c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: strPtr("bkt"), Key: &key})
			if err != nil {
				t.Fatal(err)
			}
			defer out.Body.Close()
			back, _ := io.ReadAll(out.Body)
			if !bytes.Equal(back, data) {
				t.Errorf("read back %d bytes, not the %d written", len(back), len(data))
			}
		})
	}
}

func strPtr(s string) *string { return &s }
