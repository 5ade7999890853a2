package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ringside/ringside/test/testenv"
)

// process is a child process started by the harness, with the last
// bytes of its output kept for the error message if it fails.
type process struct {
	*testenv.Process
	name string
}

const tailMax = 16 << 10

func startProcess(name, bin string, args, env []string) (*process, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	// Its own process group, so that a Ctrl-C to the harness reaches the
	// harness first and the harness stops its children in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p, err := testenv.Start(cmd, &testenv.SyncBuffer{Max: tailMax})
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return &process{Process: p, name: name}, nil
}

func (p *process) pid() int { return p.Pid() }

// stop sends SIGTERM, then SIGKILL after grace.
func (p *process) stop(grace time.Duration) { p.Stop(grace) }

// freeAddr picks a free loopback port.
func freeAddr() (string, error) { return testenv.FreeAddr() }

// waitHTTP polls url until it answers 200, the process dies or the
// deadline passes.
func waitHTTP(ctx context.Context, p *process, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := testenv.WaitHTTP(ctx, url, p.Process); err != nil {
		return fmt.Errorf("%s: %w", p.name, err)
	}
	return nil
}

// procMemory is a process's resident memory as /proc tells it, in bytes.
type procMemory struct {
	RSS, HWM int64
	// Anon and File split RSS: the heap and stacks, and the mapped files
	// (the index's tables, which Badger reads and writes through memory
	// maps: page cache the kernel takes back when it needs it).
	Anon, File int64
}

func readMemory(pid int) (procMemory, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procMemory{}, fmt.Errorf("read memory of process %d: %w", pid, err)
	}
	var m procMemory
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		field, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch field {
		case "VmRSS":
			dst = &m.RSS
		case "VmHWM":
			dst = &m.HWM
		case "RssAnon":
			dst = &m.Anon
		case "RssFile":
			dst = &m.File
		default:
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return procMemory{}, fmt.Errorf("parse %s of process %d: %w", field, pid, err)
		}
		*dst = kb << 10
	}
	return m, nil
}

// resetPeakMemory sets a process's VmHWM back to its current RSS, so that
// the next reading is the peak of what happens in between.
func resetPeakMemory(pid int) error {
	err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
	if err != nil {
		return fmt.Errorf("reset the peak RSS of process %d: %w", pid, err)
	}
	return nil
}

// envWithout is the harness's environment minus the variables starting
// with any of the prefixes.
func envWithout(prefixes ...string) []string { return testenv.CleanEnv(prefixes...) }
