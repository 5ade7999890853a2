package feed

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const testToken = "0123456789abcdef-token"

func TestWebhookRequests(t *testing.T) {
	w, err := NewWebhook(WebhookConfig{Location: "loc", Token: testToken, MaxBody: 4096})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, "", rec) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "the receiver to run", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.sink != nil
	})

	tests := []struct {
		name      string
		method    string
		auth      string
		body      string
		want      int
		wantHints int
	}{
		{name: "aws records", method: "POST", auth: "Bearer " + testToken, body: awsEvent, want: 200, wantHints: 1},
		{name: "minio payload", method: "POST", auth: "Bearer " + testToken, body: minioWebhook, want: 200, wantHints: 1},
		{name: "scheme case", method: "POST", auth: "bearer " + testToken, body: awsEvent, want: 200, wantHints: 1},
		{name: "no token", method: "POST", body: awsEvent, want: 401},
		{name: "other scheme", method: "POST", auth: "Basic " + testToken, body: awsEvent, want: 401},
		{name: "wrong token", method: "POST", auth: "Bearer " + testToken + "x", body: awsEvent, want: 403},
		{name: "malformed body", method: "POST", auth: "Bearer " + testToken, body: `{"Records":[{`, want: 400},
		{name: "body too large", method: "POST", auth: "Bearer " + testToken, body: `{"Records":[],"pad":"` + strings.Repeat("x", 5000) + `"}`, want: 413},
		{name: "liveness check", method: "HEAD", auth: "Bearer " + testToken, want: 200},
		{name: "liveness check without token", method: "HEAD", want: 401},
		{name: "wrong method", method: "PUT", auth: "Bearer " + testToken, body: awsEvent, want: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _, _ := rec.snapshot()
			req := httptest.NewRequest(tt.method, w.Path(), strings.NewReader(tt.body))
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp := httptest.NewRecorder()
			w.ServeHTTP(resp, req)
			if resp.Code != tt.want {
				t.Fatalf("status %d, want %d", resp.Code, tt.want)
			}
			if strings.Contains(resp.Body.String(), testToken) {
				t.Errorf("the answer holds the token: %q", resp.Body.String())
			}
			after, _, _ := rec.snapshot()
			if got := len(after) - len(before); got != tt.wantHints {
				t.Errorf("%d hints delivered, want %d", got, tt.wantHints)
			}
		})
	}
	if st := w.Status(); st.Kind != "webhook" || st.State != StateRunning || st.Hints != 3 {
		t.Errorf("status %+v, want running with the 3 hints accepted", st)
	}
}

// A notification that arrives while no Run is in progress is refused with
// 503, for the backend to retry: acknowledging it would lose it.
func TestWebhookWithoutRun(t *testing.T) {
	w, err := NewWebhook(WebhookConfig{Location: "loc", Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, w.Path(), strings.NewReader(awsEvent))
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp := httptest.NewRecorder()
	w.ServeHTTP(resp, req)
	if resp.Code != http.StatusServiceUnavailable || resp.Header().Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q; want 503 with Retry-After", resp.Code, resp.Header().Get("Retry-After"))
	}
}

func TestNewWebhookRefusesWeakConfig(t *testing.T) {
	for _, cfg := range []WebhookConfig{
		{Location: "loc", Token: "short"},
		{Location: "", Token: testToken},
	} {
		if _, err := NewWebhook(cfg); err == nil {
			t.Errorf("NewWebhook(%+v) accepted", cfg)
		}
	}
}
