package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is the kernel's USER_HZ, the unit of CPU times in /proc:
// 100 on every Linux architecture Go runs on.
const clockTicks = 100

// cpuSeconds is the CPU time a process has used: the sum over its threads
// of the nanoseconds the scheduler ran them (/proc/<pid>/task/*/schedstat),
// far finer than the 10 ms ticks of /proc/<pid>/stat, which it falls back
// on.
func cpuSeconds(pid int) (float64, error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err == nil {
		var ns float64
		for _, t := range tasks {
			raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, t.Name()))
			if err != nil {
				continue // the thread has just ended
			}
			f := strings.Fields(string(raw))
			if len(f) == 0 {
				continue
			}
			v, err := strconv.ParseFloat(f[0], 64)
			if err != nil {
				return 0, fmt.Errorf("malformed schedstat %q", raw)
			}
			ns += v
		}
		if ns > 0 {
			return ns / 1e9, nil
		}
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseProcStat(string(raw))
}

// parseProcStat reads utime and stime from a /proc/<pid>/stat line. The
// command name may hold spaces and parentheses, so fields are counted
// from the last ')'.
func parseProcStat(line string) (float64, error) {
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed stat line %q", line)
	}
	f := strings.Fields(line[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("malformed stat line %q", line)
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed stat line %q", line)
	}
	return (utime + stime) / clockTicks, nil
}

// machineBusy is the CPU time all processors have spent not idle, in
// seconds, from the first line of /proc/stat.
func machineBusy() (float64, error) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(first)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, fmt.Errorf("malformed /proc/stat line %q", first)
	}
	var busy float64
	for i, v := range f[1:] {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, fmt.Errorf("malformed /proc/stat line %q", first)
		}
		// idle and iowait are fields 4 and 5; guest time is already
		// counted in user time.
		if i == 3 || i == 4 || i >= 8 {
			continue
		}
		busy += n
	}
	return busy / clockTicks, nil
}

// loadMonitor measures how much CPU processes other than the benchmark's
// own (the harness, the backend and ringside) used during the run: other
// work on a two-core machine skews every figure.
type loadMonitor struct {
	pids   func() []int
	stop   chan struct{}
	done   chan struct{}
	mu     sync.Mutex
	other  float64 // CPU seconds
	wall   float64 // seconds
	failed error
}

func startLoadMonitor(pids func() []int) *loadMonitor {
	m := &loadMonitor{pids: pids, stop: make(chan struct{}), done: make(chan struct{})}
	go m.run()
	return m
}

func (m *loadMonitor) run() {
	defer close(m.done)
	prevBusy, prevOurs, prevAt, err := m.read()
	if err != nil {
		m.failed = err
		return
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
		}
		busy, ours, at, err := m.read()
		if err != nil {
			continue
		}
		m.mu.Lock()
		// A process that started or ended within the second makes its
		// share uncertain; that second counts its whole use as ours.
		if d := (busy - prevBusy) - sumDelta(ours, prevOurs); d > 0 {
			m.other += d
		}
		m.wall += at.Sub(prevAt).Seconds()
		m.mu.Unlock()
		prevBusy, prevOurs, prevAt = busy, ours, at
	}
}

func sumDelta(now, before map[int]float64) float64 {
	var d float64
	for pid, v := range now {
		if b, ok := before[pid]; ok {
			d += v - b
		} else {
			d += v
		}
	}
	return d
}

func (m *loadMonitor) read() (float64, map[int]float64, time.Time, error) {
	busy, err := machineBusy()
	if err != nil {
		return 0, nil, time.Time{}, err
	}
	ours := map[int]float64{}
	for _, pid := range m.pids() {
		if s, err := cpuSeconds(pid); err == nil {
			ours[pid] = s
		}
	}
	return busy, ours, time.Now(), nil
}

// result stops the monitor and returns the average number of cores other
// processes kept busy.
func (m *loadMonitor) result() (float64, error) {
	close(m.stop)
	<-m.done
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failed != nil {
		return 0, m.failed
	}
	if m.wall == 0 {
		return 0, nil
	}
	return m.other / m.wall, nil
}

// loadAverage is the 1-minute load average when the measurements begin.
func loadAverage() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(raw))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}
