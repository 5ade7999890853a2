package fault

// The full-disk tests' own harness: the ringside binary, a MinIO server
// and `ringside serve` processes whose data dir is a small tmpfs. Its
// names start with disk so that it lives beside the rest of the suite.

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const (
	diskGatewayKey    = "DISKGATEWAYKEY"
	diskGatewaySecret = "disk-gateway-secret-Rb63"
	diskAdminToken    = "disk-admin-token-Yc05"
	diskMinIOUser     = "diskminioroot"
	diskMinIOSecret   = "disk-minio-secret-Ug48"
)

var (
	diskBuildOnce sync.Once
	diskBin       string
	diskBuildErr  error
)

// diskRoot is the repository's root.
func diskRoot() string { return filepath.Join("..", "..") }

// diskBinary builds ringside once per run.
func diskBinary(t *testing.T) string {
	t.Helper()
	diskBuildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ringside-disk-bin-")
		if err != nil {
			diskBuildErr = err
			return
		}
		diskBin = filepath.Join(dir, "ringside")
		build := exec.Command("go", "build", "-o", diskBin, "./cmd/ringside")
		build.Dir = diskRoot()
		if out, err := build.CombinedOutput(); err != nil {
			diskBuildErr = fmt.Errorf("build ringside: %v\n%s", err, out)
		}
	})
	if diskBuildErr != nil {
		t.Fatal(diskBuildErr)
	}
	return diskBin
}

// diskProc is a child process with its output kept.
type diskProc struct {
	cmd  *exec.Cmd
	out  *diskBuffer
	done chan struct{}
	err  error
}

type diskBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *diskBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *diskBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func diskStart(t *testing.T, bin string, args, env []string) *diskProc {
	t.Helper()
	p := &diskProc{out: &diskBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p
}

func (p *diskProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and reports whether the process then ended cleanly
// within timeout; it is killed otherwise.
func (p *diskProc) stop(timeout time.Duration) error {
	if p.exited() {
		return fmt.Errorf("had already exited: %v", p.err)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("did not stop within %v of SIGTERM", timeout)
	}
}

func diskFreeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// diskEnv is the environment without variables of the given prefixes.
func diskEnv(drop ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		keep := true
		for _, p := range drop {
			if strings.HasPrefix(kv, p) {
				keep = false
			}
		}
		if keep {
			env = append(env, kv)
		}
	}
	return env
}

// diskWaitHTTP polls url until it answers 200.
func diskWaitHTTP(p *diskProc, url string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if p.exited() {
			return fmt.Errorf("exited before %s answered (%v)", url, p.err)
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer 200 within %v (last: %v)", url, timeout, last)
}

// diskMinIO starts a MinIO server of the test's own, its data on the
// machine's disk, and returns its URL.
func diskMinIO(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("RINGSIDE_MINIO")
	if bin == "" {
		bin = filepath.Join(diskRoot(), ".tools", "minio")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("no MinIO server binary at %s (%v): run test/deps.sh to install it, or set RINGSIDE_MINIO", bin, err)
	}
	addr := diskFreeAddr(t)
	env := append(diskEnv("MINIO_"), "MINIO_ROOT_USER="+diskMinIOUser, "MINIO_ROOT_PASSWORD="+diskMinIOSecret,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	p := diskStart(t, bin, []string{"server", "--quiet", "--address", addr, "--console-address", diskFreeAddr(t), t.TempDir()}, env)
	t.Cleanup(func() { _ = p.stop(10 * time.Second) })
	url := "http://" + addr
	if err := diskWaitHTTP(p, url+"/minio/health/live", 60*time.Second); err != nil {
		t.Fatalf("MinIO: %v\n%s", err, p.out.String())
	}
	return url
}

func diskS3Client(endpoint, ak, sk string) *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint:               aws.String(endpoint),
		UsePathStyle:               true,
		Region:                     "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider(ak, sk, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		RetryMaxAttempts:           1,
	})
}

// diskGateway is `ringside serve` over a data dir, restartable.
type diskGateway struct {
	t                 *testing.T
	dataDir, reserve  string
	s3Addr, adminAddr string
	S3                *s3.Client
	proc              *diskProc
	runs              []*diskProc
}

func newDiskGateway(t *testing.T, dataDir, reserve string) *diskGateway {
	g := &diskGateway{t: t, dataDir: dataDir, reserve: reserve, s3Addr: diskFreeAddr(t), adminAddr: diskFreeAddr(t)}
	g.S3 = diskS3Client("http://"+g.s3Addr, diskGatewayKey, diskGatewaySecret)
	t.Cleanup(func() {
		if g.proc != nil && !g.proc.exited() {
			_ = g.proc.stop(30 * time.Second)
		}
		if t.Failed() {
			t.Logf("ringside logs:\n%s", g.logs())
		}
	})
	return g
}

func (g *diskGateway) logs() string {
	var b strings.Builder
	for i, p := range g.runs {
		fmt.Fprintf(&b, "----- run %d -----\n%s", i+1, p.out.String())
		if p.exited() {
			fmt.Fprintf(&b, "[exited: %v]\n", p.err)
		}
	}
	return b.String()
}

// Start runs the process and waits until /readyz answers 200.
func (g *diskGateway) Start() {
	g.t.Helper()
	g.proc = diskStart(g.t, diskBinary(g.t), []string{"serve",
		"--listen", g.s3Addr, "--admin-listen", g.adminAddr, "--data-dir", g.dataDir,
		"--access-key", diskGatewayKey, "--secret-key", diskGatewaySecret,
		"--admin-token", diskAdminToken, "--mirror-interval", "200ms", "--index-reserve", g.reserve,
	}, diskEnv("RINGSIDE_"))
	g.runs = append(g.runs, g.proc)
	if err := diskWaitHTTP(g.proc, "http://"+g.adminAddr+"/readyz", 30*time.Second); err != nil {
		g.t.Fatalf("ringside serve is not ready: %v", err)
	}
}

// Stop ends the process with SIGTERM and fails the test unless it exits
// cleanly.
func (g *diskGateway) Stop() {
	g.t.Helper()
	if err := g.proc.stop(30 * time.Second); err != nil {
		g.t.Fatalf("ringside serve on SIGTERM: %v", err)
	}
}

// Kill ends the process with SIGKILL, as a crash would.
func (g *diskGateway) Kill() {
	_ = g.proc.cmd.Process.Kill()
	<-g.proc.done
}

// Alive fails the test if the process has ended (a SIGBUS would end it).
func (g *diskGateway) Alive(when string) {
	g.t.Helper()
	if g.proc.exited() {
		g.t.Fatalf("ringside serve died %s: %v", when, g.proc.err)
	}
}

func (g *diskGateway) CLI(args ...string) string {
	g.t.Helper()
	cmd := exec.Command(diskBinary(g.t), args...)
	cmd.Env = append(diskEnv("RINGSIDE_"), "RINGSIDE_ADMIN=http://"+g.adminAddr, "RINGSIDE_ADMIN_TOKEN="+diskAdminToken)
	out, err := cmd.CombinedOutput()
	if err != nil {
		g.t.Fatalf("ringside %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Metric reads one unlabelled series from /metrics.
func (g *diskGateway) Metric(name string) float64 {
	g.t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+g.adminAddr+"/metrics", nil)
	if err != nil {
		g.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+diskAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		series, value, ok := strings.Cut(sc.Text(), " ")
		if ok && series == name {
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				g.t.Fatal(err)
			}
			return v
		}
	}
	g.t.Fatalf("no %s in /metrics", name)
	return 0
}

// diskTmpfs mounts a tmpfs of size bytes on a new directory, unmounted
// when the test ends (after the processes that use it, stopped by
// cleanups registered later).
func diskTmpfs(t *testing.T, size int64) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+strconv.FormatInt(size, 10)); err != nil {
		t.Skipf("SKIPPED, not run: cannot mount a tmpfs (%v); the full-disk test needs root with CAP_SYS_ADMIN", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

func diskFree(t *testing.T, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

// diskFill allocates a file of size bytes in dir, or as many as fit when
// size is negative, and returns its path.
func diskFill(t *testing.T, dir, name string, size int64) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if size >= 0 {
		if err := syscall.Fallocate(int(f.Fd()), 0, 0, size); err != nil {
			t.Fatalf("allocate %d bytes in %s: %v", size, path, err)
		}
		return path
	}
	// Everything left, 64 KiB at a time, then page by page.
	var off int64
	for _, step := range []int64{64 << 10, 4 << 10} {
		for syscall.Fallocate(int(f.Fd()), 0, off, step) == nil {
			off += step
		}
	}
	return path
}
