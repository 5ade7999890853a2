package s3auth

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ringside/ringside/internal/s3err"
)

// s3ErrorDoc is S3's error document as clients read it.
type s3ErrorDoc struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource"`
	RequestID string   `xml:"RequestId"`
}

func TestAuthS3ErrorDocument(t *testing.T) {
	for _, method := range []string{"GET", "PUT", "HEAD"} {
		t.Run(method, func(t *testing.T) {
			w := httptest.NewRecorder()
			w.Header().Set("x-amz-request-id", "REQ123")
			r := httptest.NewRequest(method, "http://127.0.0.1/bucket/some%20key", nil)
			s3err.Write(w, r, errSignatureMismatch)
			if w.Code != http.StatusForbidden {
				t.Fatalf("status %d", w.Code)
			}
			if method == "HEAD" {
				if w.Body.Len() != 0 {
					t.Fatalf("HEAD answered with a body: %q", w.Body)
				}
				return
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/xml" {
				t.Fatalf("Content-Type %q", ct)
			}
			var doc s3ErrorDoc
			if err := xml.Unmarshal(w.Body.Bytes(), &doc); err != nil {
				t.Fatalf("%q: %v", w.Body, err)
			}
			if doc.Code != "SignatureDoesNotMatch" || doc.Message == "" || doc.Resource != "/bucket/some key" || doc.RequestID != "REQ123" {
				t.Fatalf("document %+v", doc)
			}
		})
	}
}

// TestAuthGuardReplacesHandlerAnswer checks that a body failing while the
// handler streams it gets its S3 refusal, whatever the handler answers,
// without the headers the handler set.
func TestAuthGuardReplacesHandlerAnswer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"handler answers 500", func(w http.ResponseWriter, r *http.Request) {
			_, err := io.ReadAll(r.Body)
			w.Header().Set("ETag", `"partial"`)
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(err.Error()))
		}},
		{"handler answers 200 anyway", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.ReadAll(r.Body)
			w.Header().Set("ETag", `"partial"`)
			_, _ = w.Write([]byte("stored"))
		}},
		{"handler writes nothing", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.ReadAll(r.Body)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Now()
			auth, err := newWith(Config{Credentials: map[string]string{testAccessKey: testSecretKey}}, time.Hour, fixedClock(now))
			if err != nil {
				t.Fatal(err)
			}
			defer auth.Close()
			f := &authFixture{t: t}
			signed := []byte("the bytes that were signed")
			r := f.signedRequest("PUT", "http://127.0.0.1/b/k", signed, sha256Hex(signed), now, nil)
			r.Body = io.NopCloser(bytes.NewReader([]byte("the bytes that were sent!!")))
			r.RequestURI = r.URL.RequestURI()
			w := httptest.NewRecorder()
			auth.Middleware(tc.handler).ServeHTTP(w, r)
			if w.Code != http.StatusBadRequest || w.Header().Get("ETag") != "" {
				t.Fatalf("status %d, ETag %q, body %q", w.Code, w.Header().Get("ETag"), w.Body)
			}
			var doc s3ErrorDoc
			if err := xml.Unmarshal(w.Body.Bytes(), &doc); err != nil || doc.Code != "XAmzContentSHA256Mismatch" {
				t.Fatalf("body %q: %v", w.Body, err)
			}
		})
	}
}
