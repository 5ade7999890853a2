package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/chromedp/chromedp"
)

var ringsideBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		fmt.Fprintln(os.Stderr, "find the repository root:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "ringside-console-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "make a directory for the binary:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	ringsideBin = filepath.Join(dir, "ringside")
	build := exec.Command("go", "build", "-o", ringsideBin, "./cmd/ringside")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build ringside: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// chromium finds Debian's chromium; without it the test fails under CI
// (test/deps.sh installs it) and is skipped elsewhere.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: run test/deps.sh")
	}
	t.Skip("chromium is not installed: run test/deps.sh")
	return ""
}

// newBrowser starts headless Chromium with a fresh profile and nothing
// that reaches the network on its own.
func newBrowser(t *testing.T) (context.Context, context.CancelFunc) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	return ctx, func() { cancelTimeout(); cancelCtx(); cancelAlloc() }
}

// gateway is a running ringside serve.
type gateway struct {
	adminURL, s3URL string
	cmd             *exec.Cmd
}

var urlLine = regexp.MustCompile(`msg="serving (S3|the admin API)" url=(\S+)`)

// startRingside runs `ringside serve` on free loopback ports and waits for
// its URLs in its log.
func startRingside(t *testing.T, token, ak, sk string) *gateway {
	t.Helper()
	cmd := exec.Command(ringsideBin, "serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
		"--data-dir", t.TempDir(), "--admin-token", token, "--access-key", ak, "--secret-key", sk,
		"--mirror-interval", "200ms")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	g := &gateway{cmd: cmd}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	found := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if testing.Verbose() {
				t.Log("ringside:", line)
			}
			if m := urlLine.FindStringSubmatch(line); m != nil {
				if m[1] == "S3" {
					g.s3URL = m[2]
				} else {
					g.adminURL = m[2]
				}
				if g.s3URL != "" && g.adminURL != "" {
					found <- nil
				}
			}
		}
		found <- errors.New("ringside exited before serving")
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case err := <-found:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ringside did not announce its URLs within 30s")
	}
	return g
}

func s3Client(url, ak, sk string) *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, ""),
	})
}

// steps records the page source of every step, for the secret check, and
// its screenshot.
type steps struct {
	t       *testing.T
	ctx     context.Context
	dir     string
	n       int
	sources []string
}

func (s *steps) shot(name string) {
	s.t.Helper()
	html, err := chromedp.Run(s.ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		s.t.Fatalf("page source at %s: %v", name, err)
	}
	png, err := chromedp.Run(s.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	s.sources = append(s.sources, html)
	s.n++
	file := filepath.Join(s.dir, fmt.Sprintf("%02d-%s.png", s.n, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// run runs browser actions, failing the test with the step's name.
func (s *steps) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	if err := chromedp.Do(s.ctx, actions...); err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](s *steps, what, expr string) T {
	s.t.Helper()
	v, err := chromedp.Run(s.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// eventually re-evaluates a condition in the page until it holds or the
// deadline passes, reloading the page between tries when reload is set.
func (s *steps) eventually(what, expr string, reload bool, deadline time.Duration) {
	s.t.Helper()
	end := time.Now().Add(deadline)
	for !eval[bool](s, what, expr) {
		if time.Now().After(end) {
			s.t.Fatalf("%s: not within %s", what, deadline)
		}
		time.Sleep(200 * time.Millisecond)
		if reload {
			s.run(what, chromedp.Reload())
		}
	}
}

// clickThrough clicks a button that leads to another page and waits for
// that page, which may have the same elements as the one it replaces.
func (s *steps) clickThrough(what, sel string) {
	s.t.Helper()
	eval[bool](s, what, `window.leftBehind = true`)
	s.run(what, chromedp.Click(chromedp.CSS(sel)))
	s.eventually(what, `!window.leftBehind && document.readyState === "complete"`, false, 30*time.Second)
}

func (s *steps) text(sel string) string {
	s.t.Helper()
	out, err := chromedp.Run(s.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		s.t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(out)
}

func screenshotDir(t *testing.T) string {
	if d := os.Getenv("RINGSIDE_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}
