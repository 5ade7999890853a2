package filewatch

import (
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// waitFor polls cond until it holds or a deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestWatcherSeesEveryKindOfChange(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	write := func(name, content string) {
		t.Helper()
		tmp := name + ".tmp"
		if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, name); err != nil {
			t.Fatal(err)
		}
	}
	write(a, "one")
	var calls atomic.Int64
	w := Start(time.Millisecond, func() { calls.Add(1) }, a, b)
	defer w.Close()

	steps := []struct {
		name   string
		change func()
	}{
		{"a replaced with a longer file", func() { write(a, "one more") }},
		{"b appears", func() { write(b, "x") }},
		{"a vanishes", func() {
			if err := os.Remove(a); err != nil {
				t.Fatal(err)
			}
		}},
		{"a comes back", func() { write(a, "again, longer") }},
	}
	for i, s := range steps {
		s.change()
		waitFor(t, s.name+" is noticed", func() bool { return calls.Load() >= int64(i+1) })
	}
	// Nothing changes: no call, however many polls pass; the count is read
	// after Close, which waits for the poller.
	before := calls.Load()
	w.Close()
	if got := calls.Load(); got != before || got != int64(len(steps)) {
		t.Errorf("%d calls for %d changes", got, len(steps))
	}
}

func TestWatcherCloseStopsIt(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	var calls atomic.Int64
	w := Start(time.Millisecond, func() { calls.Add(1) }, name)
	w.Close()
	w.Close()
	if err := os.WriteFile(name, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	select {
	case <-w.done:
	default:
		t.Fatal("Close returned with the poller running")
	}
	if calls.Load() != 0 {
		t.Errorf("%d calls after Close", calls.Load())
	}
}
