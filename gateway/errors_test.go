package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/internal/s3err"
)

func TestToS3(t *testing.T) {
	g := &Gateway{log: slog.Default()}
	answer := func(status int, code, msg string) error {
		return fmt.Errorf("put a/b: %w", &backend.Error{Op: "PutObject", Code: code, Status: status, Message: msg})
	}
	answerTo := func(op, msg string) error {
		return fmt.Errorf("delete a/b: %w", &backend.Error{Op: op, Code: "AccessDenied", Status: 403, Message: msg})
	}
	for _, tt := range []struct {
		name       string
		err        error
		code       string
		status     int
		msg        string // "" = not checked
		retryAfter bool
	}{
		{"client's bad argument", answer(400, "InvalidArgument", "bad versionId"), "InvalidArgument", 400, "bad versionId", false},
		{"bad object name", answer(400, "InvalidObjectName", "no such name"), "InvalidObjectName", 400, "no such name", false},
		{"unknown 4xx code", answer(400, "XMinioInvalidObjectName", "x"), "XMinioInvalidObjectName", 400, "x", false},
		{"missing version", answer(404, "NoSuchVersion", "gone"), "NoSuchVersion", 404, "gone", false},
		{"missing key", answer(404, "NoSuchKey", "gone"), "NoSuchKey", 404, "gone", false},
		{"not modified", answer(304, "NotModified", "Not Modified"), "NotModified", 304, "", false},
		{"precondition", answer(412, "PreconditionFailed", "p"), "PreconditionFailed", 412, "p", false},
		{"range", answer(416, "InvalidRange", "r"), "InvalidRange", 416, "r", false},
		{"archived object", answer(403, "InvalidObjectState", "archived"), "InvalidObjectState", 403, "archived", false},
		{"gateway's signature refused", answer(403, "SignatureDoesNotMatch", "sig"), "ServiceUnavailable", 503, "", true},
		{"gateway's key denied", answer(403, "AccessDenied", "denied"), "ServiceUnavailable", 503, "", true},
		{"locked version deleted (MinIO)", answerTo("DeleteObject", "Object is WORM protected and cannot be overwritten"), "AccessDenied", 403, "Object is WORM protected and cannot be overwritten", false},
		{"locked version deleted (AWS)", answerTo("DeleteObject", "Access Denied because object protected by object lock."), "AccessDenied", 403, "", false},
		{"compliance retention shortened", answerTo("PutObjectRetention", "Object is WORM protected and cannot be overwritten"), "AccessDenied", 403, "", false},
		{"gateway's delete denied", answerTo("DeleteObject", "Access Denied."), "ServiceUnavailable", 503, "", true},
		{"gateway's write denied, lock in the message", answerTo("PutObject", "Object is WORM protected"), "ServiceUnavailable", 503, "", true},
		{"bare 403", answer(403, "Forbidden", "Forbidden"), "ServiceUnavailable", 503, "", true},
		{"target bucket gone", answer(404, "NoSuchBucket", "nb"), "ServiceUnavailable", 503, "", true},
		{"backend bug", answer(500, "InternalError", "oops"), "ServiceUnavailable", 503, "", true},
		{"backend gateway timeout", answer(504, "GatewayTimeout", "t"), "ServiceUnavailable", 503, "", true},
		{"backend busy", answer(503, "SlowDown", "slow"), "SlowDown", 503, "", true},
		{"backend overloaded", answer(503, "ServiceUnavailable", "busy"), "ServiceUnavailable", 503, "", true},
		{"throttled", answer(429, "TooManyRequests", "t"), "SlowDown", 503, "", true},
		{"redirect", answer(301, "PermanentRedirect", "elsewhere"), "ServiceUnavailable", 503, "", true},
		{"no answer", fmt.Errorf("get k: %w", fmt.Errorf("%w: dial tcp: connection refused", backend.ErrUnavailable)), "ServiceUnavailable", 503, "", true},
		{"timeout", fmt.Errorf("head k: %w", &backend.TimeoutError{Waiting: "the answer's headers", After: time.Second}), "ServiceUnavailable", 503, "", true},
		{"client gone", fmt.Errorf("get k: %w", context.Canceled), "RequestCanceled", 499, "", false},
		{"own bug", errors.New("index closed"), "InternalError", 500, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := g.toS3(tt.err)
			if e.Code != tt.code || e.Status != tt.status {
				t.Fatalf("got %s/%d (%s), want %s/%d", e.Code, e.Status, e.Message, tt.code, tt.status)
			}
			if tt.msg != "" && e.Message != tt.msg {
				t.Errorf("message %q, want %q", e.Message, tt.msg)
			}
			if (e.RetryAfter > 0) != tt.retryAfter {
				t.Errorf("Retry-After %d, want one: %v", e.RetryAfter, tt.retryAfter)
			}
		})
	}
}

func TestWriteErrorRetryAfter(t *testing.T) {
	g := &Gateway{log: slog.Default()}
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		w := httptest.NewRecorder()
		s3err.Write(w, httptest.NewRequest(method, "/b/k", nil), g.toS3(fmt.Errorf("x: %w", backend.ErrUnavailable)))
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Fatalf("%s: status %d, Retry-After %q", method, w.Code, w.Header().Get("Retry-After"))
		}
	}
}
