package s3err

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWrite(t *testing.T) {
	cases := []struct {
		name       string
		method     string
		err        *Error
		status     int
		body       bool
		retryAfter string
	}{
		{"get refusal", http.MethodGet, New(NoSuchKey, ""), 404, true, ""},
		{"head has no body", http.MethodHead, New(NoSuchKey, ""), 404, false, ""},
		{"not modified has no body", http.MethodGet, Get(NotModified), 304, false, ""},
		{"unavailable says when to retry", http.MethodPut, Unavailable(5, "backend down"), 503, true, "5"},
		{"unknown code is a 400", http.MethodGet, New("Whatever", "odd"), 400, true, ""},
		{"status override", http.MethodGet, WithStatus(AccessDenied, 400, "x"), 400, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			w.Header().Set("X-Amz-Request-Id", "RID")
			Write(w, httptest.NewRequest(c.method, "/b/k", nil), c.err)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d", w.Code, c.status)
			}
			if got := w.Header().Get("Retry-After"); got != c.retryAfter {
				t.Fatalf("Retry-After %q, want %q", got, c.retryAfter)
			}
			if !c.body {
				if w.Body.Len() != 0 {
					t.Fatalf("body %q, want none", w.Body.String())
				}
				return
			}
			var doc document
			if err := xml.Unmarshal(w.Body.Bytes(), &doc); err != nil {
				t.Fatalf("decode %q: %v", w.Body.String(), err)
			}
			if doc.Code != c.err.Code || doc.Message != c.err.Message || doc.Resource != "/b/k" || doc.RequestID != "RID" {
				t.Fatalf("document %+v does not match %+v", doc, c.err)
			}
		})
	}
}

func TestNewKeepsTableStatus(t *testing.T) {
	for code, d := range table {
		if e := New(code, "m %d", 1); e.Status != d.status || e.Message != "m 1" || e.Code != string(code) {
			t.Errorf("New(%s) = %+v", code, e)
		}
		if e := Get(code); e.Message != d.message {
			t.Errorf("Get(%s) message %q, want the table's", code, e.Message)
		}
	}
}
