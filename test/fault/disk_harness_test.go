package fault

// The full-disk tests' own harness: a MinIO server and `ringside serve`
// processes whose data dir is a small tmpfs. Its names start with disk so
// that it lives beside the rest of the suite.

import (
	"bufio"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/ringside/ringside/test/testenv"
)

const (
	diskGatewayKey    = "DISKGATEWAYKEY"
	diskGatewaySecret = "disk-gateway-secret-Rb63"
	diskAdminToken    = "disk-admin-token-Yc05"
	diskMinIOUser     = "diskminioroot"
	diskMinIOSecret   = "disk-minio-secret-Ug48"
)

// diskMinIO starts a MinIO server of the test's own, its data on the
// machine's disk, and returns its URL.
func diskMinIO(t *testing.T) string {
	t.Helper()
	return testenv.StartMinIO(t, testenv.MinIOOptions{User: diskMinIOUser, Password: diskMinIOSecret}).URL
}

func diskS3Client(endpoint, ak, sk string) *s3.Client {
	return testenv.S3Client(endpoint, ak, sk, nil)
}

// diskGateway is `ringside serve` over a data dir, restartable.
type diskGateway struct {
	t       *testing.T
	reserve string
	srv     testenv.Serve
	S3      *s3.Client
	proc    *testenv.Process
	runs    []*testenv.Process
}

func newDiskGateway(t *testing.T, dataDir, reserve string) *diskGateway {
	g := &diskGateway{t: t, reserve: reserve}
	g.srv = testenv.Serve{Bin: ringsideBin, S3Addr: testenv.Addr(t), AdminAddr: testenv.Addr(t), DataDir: dataDir,
		AccessKey: diskGatewayKey, SecretKey: diskGatewaySecret, AdminToken: diskAdminToken}
	g.S3 = diskS3Client("http://"+g.srv.S3Addr, diskGatewayKey, diskGatewaySecret)
	t.Cleanup(func() {
		if g.proc != nil && !g.proc.Exited() {
			g.proc.Stop(30 * time.Second)
		}
		if t.Failed() {
			t.Logf("ringside logs:\n%s", testenv.RunLogs("ringside serve", g.runs))
		}
	})
	return g
}

// Start runs the process and waits until /readyz answers 200.
func (g *diskGateway) Start() {
	g.t.Helper()
	p, err := g.srv.Start("--mirror-interval", "200ms", "--index-reserve", g.reserve)
	if p != nil {
		g.proc = p
		g.runs = append(g.runs, p)
	}
	if err != nil {
		g.t.Fatal(err)
	}
}

// Stop ends the process with SIGTERM and fails the test unless it exits
// cleanly.
func (g *diskGateway) Stop() {
	g.t.Helper()
	if g.proc.Exited() {
		g.t.Fatalf("ringside serve on SIGTERM: had already exited: %v", g.proc.Err())
	}
	if !g.proc.Stop(30 * time.Second) {
		g.t.Fatal("ringside serve on SIGTERM: did not stop within 30s")
	}
	if err := g.proc.Err(); err != nil {
		g.t.Fatalf("ringside serve on SIGTERM: %v", err)
	}
}

// Kill ends the process with SIGKILL, as a crash would.
func (g *diskGateway) Kill() { g.proc.Kill() }

// Alive fails the test if the process has ended (a SIGBUS would end it).
func (g *diskGateway) Alive(when string) {
	g.t.Helper()
	if g.proc.Exited() {
		g.t.Fatalf("ringside serve died %s: %v", when, g.proc.Err())
	}
}

func (g *diskGateway) CLI(args ...string) string {
	g.t.Helper()
	out, err := g.srv.CLI(args...)
	if err != nil {
		g.t.Fatalf("%v\n%s", err, out)
	}
	return out
}

// Metric reads one unlabelled series from /metrics.
func (g *diskGateway) Metric(name string) float64 {
	g.t.Helper()
	req, err := http.NewRequest(http.MethodGet, g.srv.AdminURL()+"/metrics", nil)
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
