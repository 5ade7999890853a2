package testenv

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestSyncBufferKeepsTheLastMaxBytes(t *testing.T) {
	tests := []struct {
		max    int
		writes []string
		want   string
	}{
		{0, []string{"abc", "def"}, "abcdef"},
		{4, []string{"abc", "def"}, "cdef"},
		{4, []string{"abcdefgh"}, "efgh"},
		{10, []string{"abc"}, "abc"},
	}
	for _, tt := range tests {
		b := &SyncBuffer{Max: tt.max}
		for _, w := range tt.writes {
			if n, err := b.Write([]byte(w)); n != len(w) || err != nil {
				t.Fatalf("Write(%q) = %d, %v", w, n, err)
			}
		}
		if got := b.String(); got != tt.want {
			t.Errorf("Max %d, writes %q: %q, want %q", tt.max, tt.writes, got, tt.want)
		}
	}
}

func TestTail(t *testing.T) {
	tests := []struct {
		s     string
		lines int
		want  string
	}{
		{"a\nb", 2, "a\nb"},
		{"a\nb\nc", 2, "[... 1 lines cut ...]\nb\nc"},
	}
	for _, tt := range tests {
		if got := Tail(tt.s, tt.lines); got != tt.want {
			t.Errorf("Tail(%q, %d) = %q, want %q", tt.s, tt.lines, got, tt.want)
		}
	}
}

func TestCleanEnvDropsThePrefixes(t *testing.T) {
	t.Setenv("TESTENV_DROP_ME", "x")
	t.Setenv("TESTENV_KEEP_ME", "y")
	env := strings.Join(CleanEnv("TESTENV_DROP"), "\n")
	if strings.Contains(env, "TESTENV_DROP_ME=") || !strings.Contains(env, "TESTENV_KEEP_ME=y") {
		t.Errorf("CleanEnv(TESTENV_DROP) kept the wrong variables:\n%s", env)
	}
}

func TestWaitHTTP(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	if err := WaitHTTPFor(srv.URL, nil, 30*time.Second); err != nil {
		t.Fatalf("a server that becomes ready: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	never := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer never.Close()
	if err := WaitHTTP(ctx, never.URL, nil); err == nil {
		t.Fatal("a server that never answers 200: no error")
	}
}

func TestWaitHTTPStopsWhenTheProcessExits(t *testing.T) {
	p, err := StartProcess("/bin/sh", []string{"-c", "echo bye; exit 3"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = WaitHTTPFor("http://"+Addr(t), p, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "bye") {
		t.Fatalf("WaitHTTP on a process that exited: %v, want its output in the error", err)
	}
	if p.Err() == nil || !strings.Contains(p.Logs(), "[exited:") {
		t.Errorf("exit status %v, logs %q: want the failure recorded", p.Err(), p.Logs())
	}
	if !p.Stop(time.Second) {
		t.Error("Stop of an ended process reports it did not end")
	}
}
