package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// memCgroup is a memory cgroup the harness made to hold a ringside process
// to a limit: the proof that the index pages counted in its RSS are page
// cache the kernel takes back, not memory ringside needs. cgroup v2 and
// v1 are both handled; the harness must be allowed to make a child of its
// own cgroup (root in a container usually is).
type memCgroup struct {
	dir string
	v2  bool
}

// newMemCgroup makes a child of the harness's own memory cgroup limited to
// limit bytes, page cache included, with swap off where the kernel lets
// the harness say so.
func newMemCgroup(limit int64) (*memCgroup, error) {
	raw, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("read /proc/self/cgroup: %w", err)
	}
	parent, v2, err := ownMemoryCgroup(raw)
	if err != nil {
		return nil, err
	}
	if v2 {
		// A v2 group gives its children the memory controller only when
		// it holds no process itself: the harness does, so its group's
		// parent takes the child.
		parent = filepath.Dir(parent)
	}
	c := &memCgroup{dir: filepath.Join(parent, fmt.Sprintf("ringside-bench-%d", os.Getpid())), v2: v2}
	if err := os.Mkdir(c.dir, 0o755); err != nil {
		return nil, fmt.Errorf("make memory cgroup: %w", err)
	}
	limitFile, swapFile := "memory.limit_in_bytes", "memory.memsw.limit_in_bytes"
	if v2 {
		limitFile, swapFile = "memory.max", "memory.swap.max"
	}
	if err := c.write(limitFile, strconv.FormatInt(limit, 10)); err != nil {
		c.remove()
		return nil, err
	}
	swap := strconv.FormatInt(limit, 10)
	if v2 {
		swap = "0"
	}
	c.write(swapFile, swap) // absent without swap accounting: nothing to limit
	return c, nil
}

// ownMemoryCgroup finds the directory of the memory cgroup of the process
// whose /proc/PID/cgroup is raw: the v1 memory hierarchy's if mounted,
// else the v2 one's.
func ownMemoryCgroup(raw []byte) (dir string, v2 bool, err error) {
	var unified string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), ":", 3)
		if len(f) != 3 {
			continue
		}
		for _, ctl := range strings.Split(f[1], ",") {
			if ctl == "memory" {
				return filepath.Join("/sys/fs/cgroup/memory", f[2]), false, nil
			}
		}
		if f[0] == "0" && f[1] == "" {
			unified = f[2]
		}
	}
	if unified == "" {
		return "", false, errors.New("no memory cgroup in /proc/self/cgroup")
	}
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err != nil {
		return "", false, fmt.Errorf("cgroup v2 is not mounted at /sys/fs/cgroup: %w", err)
	}
	return filepath.Join("/sys/fs/cgroup", unified), true, nil
}

func (c *memCgroup) write(name, value string) error {
	if err := os.WriteFile(filepath.Join(c.dir, name), []byte(value), 0o644); err != nil {
		return fmt.Errorf("set %s of %s: %w", name, c.dir, err)
	}
	return nil
}

func (c *memCgroup) read(name string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(c.dir, name))
	return strings.TrimSpace(string(raw)), err
}

// wrap returns the command that runs bin with args inside the cgroup from
// its first instruction: a shell moves itself in, then execs bin, which
// keeps its process ID.
func (c *memCgroup) wrap(bin string, args []string) (string, []string) {
	script := `echo $$ > "$0" && exec "$@"`
	return "/bin/sh", append([]string{"-c", script, filepath.Join(c.dir, "cgroup.procs"), bin}, args...)
}

// peak is the most memory charged to the cgroup, page cache included.
func (c *memCgroup) peak() (int64, error) {
	name := "memory.max_usage_in_bytes"
	if c.v2 {
		name = "memory.peak"
	}
	s, err := c.read(name)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(s, 10, 64)
}

// oomKills is how many processes of the cgroup the kernel killed for
// want of memory.
func (c *memCgroup) oomKills() (int, error) {
	name := "memory.oom_control"
	if c.v2 {
		name = "memory.events"
	}
	s, err := c.read(name)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(s, "\n") {
		if n, ok := strings.CutPrefix(line, "oom_kill "); ok {
			return strconv.Atoi(n)
		}
	}
	return 0, fmt.Errorf("no oom_kill count in %s of %s", name, c.dir)
}

// remove deletes the cgroup once its processes are gone.
func (c *memCgroup) remove() {
	if err := os.Remove(c.dir); err != nil {
		logf("remove memory cgroup: %v", err)
	}
}
