package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ringside/ringside/embedded"
	"github.com/ringside/ringside/test/testenv"
)

// Keys of the backend and of the gateway's clients. They are the
// benchmark's own, for servers on loopback that live as long as the run.
const (
	backendAccessKey = "benchroot"
	backendSecretKey = "bench-backend-secret-41"
	gwAccessKey      = "BENCHGATEWAYKEY"
	gwSecretKey      = "bench-gateway-secret-77"
)

// backendServer is the S3 server that really stores the data.
type backendServer struct {
	Kind      string // minio or embedded
	URL       string
	AccessKey string
	SecretKey string
	Version   string
	proc      *process // nil for the embedded fake
	// emb is the embedded fake, which runs in the harness process; nil
	// for MinIO.
	emb  *embedded.Server
	stop func()
}

func startBackend(ctx context.Context, kind, root, dataDir string, minioEnv ...string) (*backendServer, error) {
	switch kind {
	case "minio":
		return startMinIO(ctx, root, dataDir, minioEnv...)
	case "embedded":
		return startEmbedded()
	}
	return nil, fmt.Errorf("--backend %q: want minio or embedded", kind)
}

// minioBinary finds MinIO: $RINGSIDE_MINIO, then the repository's pinned
// install in .tools, then a build left in /tmp/minio-bin.
func minioBinary(root string) (string, error) {
	candidates := []string{filepath.Join(root, ".tools", "minio"), "/tmp/minio-bin/minio"}
	if p := os.Getenv("RINGSIDE_MINIO"); p != "" {
		candidates = []string{p}
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c, nil
		}
	}
	return "", fmt.Errorf("no MinIO server binary (looked at %s): run test/deps.sh, set RINGSIDE_MINIO, or use --backend embedded",
		strings.Join(candidates, ", "))
}

func startMinIO(ctx context.Context, root, dataDir string, extraEnv ...string) (*backendServer, error) {
	return startMinIOWith(ctx, root, dataDir, nil, extraEnv...)
}

// startMinIOWith starts MinIO serving HTTPS with withTLS's certificate,
// or plain HTTP when withTLS is nil.
func startMinIOWith(ctx context.Context, root, dataDir string, withTLS *testenv.MinIOCert, extraEnv ...string) (*backendServer, error) {
	bin, err := minioBinary(root)
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	console, err := freeAddr()
	if err != nil {
		return nil, err
	}
	env := append(envWithout("MINIO_"),
		"MINIO_ROOT_USER="+backendAccessKey,
		"MINIO_ROOT_PASSWORD="+backendSecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		// The background scanner walks every object now and then; slowed
		// down, it does not steal CPU from one side of a comparison.
		"MINIO_SCANNER_SPEED=slowest",
	)
	env = append(env, extraEnv...)
	args := []string{"server", "--quiet", "--address", addr, "--console-address", console}
	scheme, probe := "http://", &http.Client{Timeout: 2 * time.Second}
	if withTLS != nil {
		args = append(args, "--certs-dir", withTLS.Dir)
		scheme = "https://"
		probe = withTLS.HTTPClient()
	}
	p, err := startProcess("minio", bin, append(args, dataDir), env)
	if err != nil {
		return nil, err
	}
	b := &backendServer{
		Kind: "minio", URL: scheme + addr, AccessKey: backendAccessKey, SecretKey: backendSecretKey,
		Version: minioVersion(bin), proc: p,
		stop: func() { p.stop(10 * time.Second) },
	}
	wait, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := testenv.WaitHTTPWith(wait, probe, b.URL+"/minio/health/ready", p.Process); err != nil {
		b.stop()
		return nil, err
	}
	return b, nil
}

// minioVersion names the MinIO build: its release tag when it has one,
// else the module version it was built from.
func minioVersion(bin string) string {
	out, err := exec.Command(bin, "--version").Output()
	if err == nil {
		first, _, _ := strings.Cut(string(out), "\n")
		if !strings.Contains(first, "DEVELOPMENT") {
			return strings.TrimSpace(strings.TrimPrefix(first, "minio version "))
		}
	}
	out, err = exec.Command("go", "version", "-m", bin).Output()
	if err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) >= 3 && f[0] == "mod" && f[1] == "github.com/minio/minio" {
				return "github.com/minio/minio " + f[2]
			}
		}
	}
	return "unknown"
}

func startEmbedded() (*backendServer, error) {
	s, err := embedded.Start("127.0.0.1:0", backendAccessKey, backendSecretKey)
	if err != nil {
		return nil, fmt.Errorf("start the embedded backend: %w", err)
	}
	return &backendServer{
		Kind: "embedded", URL: s.URL(), AccessKey: backendAccessKey, SecretKey: backendSecretKey,
		Version: "ringside embedded (rclone/gofakes3 s3mem, in the harness process)",
		emb:     s,
		stop:    func() { s.Close() },
	}, nil
}
