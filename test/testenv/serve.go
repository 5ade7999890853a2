package testenv

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Serve is what every suite gives `ringside serve`: its two listeners,
// its data dir and its keys.
type Serve struct {
	Bin                              string
	S3Addr, AdminAddr, DataDir       string
	AccessKey, SecretKey, AdminToken string
}

// AdminURL is the admin listener's URL.
func (s Serve) AdminURL() string { return "http://" + s.AdminAddr }

// Args is the `serve` command line with more flags after the common ones.
func (s Serve) Args(more ...string) []string {
	return append([]string{"serve",
		"--listen", s.S3Addr,
		"--admin-listen", s.AdminAddr,
		"--data-dir", s.DataDir,
		"--access-key", s.AccessKey,
		"--secret-key", s.SecretKey,
		"--admin-token", s.AdminToken,
	}, more...)
}

// Start runs `ringside serve` with more flags, no RINGSIDE_ variable of
// the test's environment, and waits until /readyz answers. The process is
// returned even when it is not ready, so that its logs can be shown.
func (s Serve) Start(more ...string) (*Process, error) {
	p, err := StartProcess(s.Bin, s.Args(more...), CleanEnv("RINGSIDE_"))
	if err != nil {
		return nil, fmt.Errorf("start ringside serve: %w", err)
	}
	if err := WaitHTTPFor(s.AdminURL()+"/readyz", p, 30*time.Second); err != nil {
		return p, fmt.Errorf("ringside serve is not ready: %w", err)
	}
	return p, nil
}

// CLI runs the ringside binary against this server's admin API, its URL
// and token given through the environment as a user's shell would, and
// returns its combined output.
func (s Serve) CLI(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.Bin, args...)
	cmd.Env = append(CleanEnv("RINGSIDE_"), "RINGSIDE_ADMIN="+s.AdminURL(), "RINGSIDE_ADMIN_TOKEN="+s.AdminToken)
	out, err := cmd.CombinedOutput()
	if err != nil {
		err = fmt.Errorf("ringside %s: %w", strings.Join(args, " "), err)
	}
	return string(out), err
}

// RunLogs is the logs of every run of a restartable process, in order.
func RunLogs(name string, runs []*Process) string {
	var b strings.Builder
	for i, p := range runs {
		fmt.Fprintf(&b, "----- %s run %d -----\n%s", name, i+1, p.Logs())
	}
	return b.String()
}
