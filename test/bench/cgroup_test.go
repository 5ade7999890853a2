package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestOwnMemoryCgroup(t *testing.T) {
	for _, c := range []struct {
		name, raw, dir string
		v2, fails      bool
	}{
		{name: "v1", raw: "9:name=systemd:/\n4:memory:/pods/a\n1:cpu:/\n0::/\n", dir: "/sys/fs/cgroup/memory/pods/a"},
		{name: "v1 shared line", raw: "5:cpu,memory:/x\n", dir: "/sys/fs/cgroup/memory/x"},
		{name: "none", raw: "1:cpu:/\n", fails: true},
		{name: "garbage", raw: "memory\n", fails: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, v2, err := ownMemoryCgroup([]byte(c.raw))
			if c.fails {
				if err == nil {
					t.Fatalf("found %s in %q", dir, c.raw)
				}
				return
			}
			if err != nil || dir != c.dir || v2 != c.v2 {
				t.Fatalf("ownMemoryCgroup(%q) = %s, v2 %v, %v; want %s, v2 %v", c.raw, dir, v2, err, c.dir, c.v2)
			}
		})
	}
}

// The wrapped command writes its process ID to the cgroup's procs file,
// then runs the binary with its arguments unchanged, as that same process.
func TestCgroupWrap(t *testing.T) {
	c := &memCgroup{dir: t.TempDir()}
	bin, args := c.wrap("/bin/sh", []string{"-c", `echo "$$ $1"`, "sh", "an argument"})
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatal(err)
	}
	procs, err := os.ReadFile(filepath.Join(c.dir, "cgroup.procs"))
	if err != nil {
		t.Fatal(err)
	}
	pid := strings.TrimSpace(string(procs))
	if got, want := strings.TrimSpace(string(out)), pid+" an argument"; pid == "" || got != want {
		t.Fatalf("the wrapped command printed %q; want %q", got, want)
	}
}
