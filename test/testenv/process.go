package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// SyncBuffer is an output buffer that a process's writers and the test
// may use at once. With Max set it keeps only the last Max bytes, for
// processes that run long.
type SyncBuffer struct {
	Max int

	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if b.Max > 0 && b.buf.Len() > b.Max {
		b.buf.Next(b.buf.Len() - b.Max)
	}
	return len(p), nil
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Process is a running child process whose output is kept in memory.
type Process struct {
	cmd  *exec.Cmd
	out  *SyncBuffer
	done chan struct{}
	err  error
}

// StartProcess runs bin with args and exactly the environment env.
func StartProcess(bin string, args, env []string) (*Process, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	return Start(cmd, nil)
}

// Start starts cmd with its output (stdout and stderr) going to out, or
// to a new unbounded buffer when out is nil.
func Start(cmd *exec.Cmd, out *SyncBuffer) (*Process, error) {
	if out == nil {
		out = &SyncBuffer{}
	}
	p := &Process{cmd: cmd, out: out, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process's id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has ended.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Err is how the process ended (nil for a clean exit); only meaningful
// once it has.
func (p *Process) Err() error {
	if !p.Exited() {
		return nil
	}
	return p.err
}

// Signal sends s to the process.
func (p *Process) Signal(s syscall.Signal) error { return p.cmd.Process.Signal(s) }

// Stop sends SIGTERM, waits up to timeout, then SIGKILL; it reports
// whether the process ended on SIGTERM (or had already ended).
func (p *Process) Stop(timeout time.Duration) bool {
	if p.Exited() {
		return true
	}
	_ = p.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return true
	case <-time.After(timeout):
		p.Kill()
		return false
	}
}

// Kill ends the process with SIGKILL, as a crash would, and waits for it.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Output is what the process has printed so far.
func (p *Process) Output() string { return p.out.String() }

// Logs is Output, followed by how the process ended if it has.
func (p *Process) Logs() string {
	s := p.out.String()
	if p.Exited() {
		s += fmt.Sprintf("[exited: %v]\n", p.err)
	}
	return s
}

// WaitHTTP polls url until it answers 200, p (if not nil) exits, or ctx
// ends.
func WaitHTTP(ctx context.Context, url string, p *Process) error {
	return WaitHTTPWith(ctx, &http.Client{Timeout: 2 * time.Second}, url, p)
}

// WaitHTTPWith is WaitHTTP asking with client: one that trusts a test's
// own certificate, for an https URL.
func WaitHTTPWith(ctx context.Context, client *http.Client, url string, p *Process) error {
	var last error
	for {
		if p != nil && p.Exited() {
			return fmt.Errorf("the process exited before %s answered:\n%s", url, Tail(p.Logs(), 100))
		}
		last = get(ctx, client, url)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			err := fmt.Errorf("%s did not answer 200 in time (last: %v)", url, last)
			if p != nil {
				err = fmt.Errorf("%w:\n%s", err, Tail(p.Logs(), 100))
			}
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func get(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

// WaitHTTPFor is WaitHTTP bounded by timeout.
func WaitHTTPFor(url string, p *Process, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return WaitHTTP(ctx, url, p)
}

// ErrNotYet is what an Eventually condition may return while it waits.
var ErrNotYet = errors.New("not yet")

// Eventually polls f until it returns nil; the test fails with f's last
// error when timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %v", what, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// DirNames lists the names in dir.
func DirNames(t testing.TB, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}
