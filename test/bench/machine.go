package main

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// machine describes where the run happened.
type machine struct {
	CPU        string  `json:"cpu"`
	Cores      int     `json:"cores"`
	MemoryGiB  float64 `json:"memoryGiB"`
	Kernel     string  `json:"kernel"`
	GoVersion  string  `json:"goVersion"`
	Backend    string  `json:"backend"`
	BackendVer string  `json:"backendVersion"`
	Commit     string  `json:"ringsideCommit"`
}

func describeMachine(root string, be *backendServer) machine {
	m := machine{
		CPU:        cpuModel(),
		Cores:      runtime.NumCPU(),
		MemoryGiB:  memTotalGiB(),
		Kernel:     strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")),
		GoVersion:  runtime.Version(),
		Backend:    be.Kind,
		BackendVer: be.Version,
		Commit:     gitCommit(root),
	}
	return m
}

func readFile(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return "unknown"
	}
	return string(b)
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func memTotalGiB() float64 {
	for _, line := range strings.Split(readFile("/proc/meminfo"), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err == nil {
				return float64(int(kb/(1<<20)*10+0.5)) / 10
			}
		}
	}
	return 0
}

// gitCommit is HEAD's short hash, marked dirty when the tree has changes.
func gitCommit(root string) string {
	out, err := exec.Command("git", "-C", root, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	commit := strings.TrimSpace(string(out))
	status, err := exec.Command("git", "-C", root, "status", "--porcelain").Output()
	if err == nil && len(strings.TrimSpace(string(status))) > 0 {
		commit += "-dirty"
	}
	return commit
}
