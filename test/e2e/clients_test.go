package e2e

// The real clients, from Debian packages, configured only through their
// environment, flags and temporary config files.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ringside/ringside/test/testenv"
)

// Debian's clients. `aws` is named by its full path because the first one
// on a developer's PATH may be another installation.
const (
	awsBin     = "/usr/bin/aws"
	s3cmdBin   = "/usr/bin/s3cmd"
	rcloneBin  = "/usr/bin/rclone"
	python3Bin = "/usr/bin/python3"
)

func needBinary(t *testing.T, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is missing (Debian package %s): run test/deps.sh", path, pkg)
	}
}

// runClient runs a client with a deadline and returns stdout and stderr.
func runClient(env []string, bin string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	if err != nil {
		err = fmt.Errorf("%s %s: %w\nstderr: %s", filepath.Base(bin), strings.Join(args, " "), err, e.String())
	}
	return o.String(), e.String(), err
}

var errorCodeRE = regexp.MustCompile(`\(([A-Za-z0-9]+)\)`)

// errorCode finds the S3 error code in aws-cli's message "An error occurred
// (Code) when calling ...".
func errorCode(stderr string) string {
	m := errorCodeRE.FindStringSubmatch(stderr)
	if m == nil {
		return ""
	}
	return m[1]
}

// ---------------------------------------------------------------------------
// aws-cli

// AWSCLI is aws-cli pointed at one endpoint with one key pair.
type AWSCLI struct {
	t        *testing.T
	endpoint string
	env      []string
}

// newAWSCLI configures aws-cli by environment only: the keys, the region,
// and empty config and credentials files so that nothing of the user's
// profile applies. AWS_CA_BUNDLE and the like are kept as the user has them.
func newAWSCLI(t *testing.T, endpoint, ak, sk string) *AWSCLI {
	t.Helper()
	needBinary(t, awsBin, "awscli")
	dir := t.TempDir()
	cfg, creds := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	for _, f := range []string{cfg, creds} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := testenv.CleanEnv("AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_PROFILE=",
		"AWS_DEFAULT_PROFILE=", "AWS_REGION=", "AWS_DEFAULT_REGION=", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE=",
		"AWS_SHARED_CREDENTIALS_FILE=")
	env = append(env,
		"AWS_ACCESS_KEY_ID="+ak,
		"AWS_SECRET_ACCESS_KEY="+sk,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE="+cfg,
		"AWS_SHARED_CREDENTIALS_FILE="+creds,
		"AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true",
	)
	return &AWSCLI{t: t, endpoint: endpoint, env: env}
}

// Run runs `aws --endpoint-url E ARGS...`.
func (a *AWSCLI) Run(args ...string) (stdout, stderr string, err error) {
	full := append([]string{"--endpoint-url", a.endpoint, "--output", "json"}, args...)
	if len(args) > 1 && args[0] == "s3" && args[1] != "ls" {
		full = append(full, "--only-show-errors")
	}
	return runClient(a.env, awsBin, full...)
}

// Must runs aws-cli and fails the test on error.
func (a *AWSCLI) Must(args ...string) string {
	a.t.Helper()
	out, _, err := a.Run(args...)
	if err != nil {
		a.t.Fatal(err)
	}
	return out
}

// JSON runs aws-cli and decodes its JSON output into v.
func (a *AWSCLI) JSON(v any, args ...string) {
	a.t.Helper()
	out := a.Must(args...)
	// Decode into a zero value: json.Unmarshal merges into maps it finds.
	reflect.ValueOf(v).Elem().SetZero()
	if strings.TrimSpace(out) == "" {
		return
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		a.t.Fatalf("decode the output of aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Fails runs aws-cli expecting an S3 error and returns its code.
func (a *AWSCLI) Fails(args ...string) string {
	a.t.Helper()
	out, stderr, err := a.Run(args...)
	if err == nil {
		a.t.Fatalf("aws %s succeeded, want an error; output:\n%s", strings.Join(args, " "), out)
	}
	code := errorCode(stderr)
	if code == "" {
		a.t.Fatalf("aws %s failed without an S3 error code: %v", strings.Join(args, " "), err)
	}
	return code
}

// ---------------------------------------------------------------------------
// s3cmd

// S3Cmd is s3cmd with a temporary config file naming the gateway.
type S3Cmd struct {
	t   *testing.T
	cfg string
	env []string
}

func newS3Cmd(t *testing.T, endpoint, ak, sk string) *S3Cmd {
	t.Helper()
	needBinary(t, s3cmdBin, "s3cmd")
	host := strings.TrimPrefix(endpoint, "http://")
	cfg := filepath.Join(t.TempDir(), "s3cfg")
	content := fmt.Sprintf(`[default]
access_key = %s
secret_key = %s
host_base = %s
host_bucket = %s
use_https = False
signature_v2 = False
bucket_location = us-east-1
check_ssl_certificate = True
guess_mime_type = False
`, ak, sk, host, host)
	if err := os.WriteFile(cfg, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return &S3Cmd{t: t, cfg: cfg, env: os.Environ()}
}

// Must runs `s3cmd -c CFG ARGS...` and fails the test on error.
func (c *S3Cmd) Must(args ...string) string {
	c.t.Helper()
	out, _, err := runClient(c.env, s3cmdBin, append([]string{"-c", c.cfg}, args...)...)
	if err != nil {
		c.t.Fatal(err)
	}
	return out
}

// ---------------------------------------------------------------------------
// rclone

// Rclone is rclone with a remote named "gw" defined by environment
// variables only.
type Rclone struct {
	t   *testing.T
	env []string
}

func newRclone(t *testing.T, endpoint, ak, sk string) *Rclone {
	t.Helper()
	needBinary(t, rcloneBin, "rclone")
	// rclone 1.60 (Debian 12) cannot start its S3 backend at all while
	// AWS_CA_BUNDLE is set ("unable to load custom CA bundle, HTTPClient's
	// transport unsupported type"), whatever the endpoint: a defect of that
	// rclone, so the variable is blanked for rclone alone.
	env := append(testenv.CleanEnv("RCLONE_", "AWS_CA_BUNDLE="),
		"RCLONE_CONFIG="+filepath.Join(t.TempDir(), "rclone.conf"),
		"RCLONE_CONFIG_GW_TYPE=s3",
		"RCLONE_CONFIG_GW_PROVIDER=Other",
		"RCLONE_CONFIG_GW_ENV_AUTH=false",
		"RCLONE_CONFIG_GW_ACCESS_KEY_ID="+ak,
		"RCLONE_CONFIG_GW_SECRET_ACCESS_KEY="+sk,
		"RCLONE_CONFIG_GW_ENDPOINT="+endpoint,
		"RCLONE_CONFIG_GW_REGION=us-east-1",
		"RCLONE_CONFIG_GW_V2_AUTH=false",
		"RCLONE_CONFIG_GW_FORCE_PATH_STYLE=true",
	)
	return &Rclone{t: t, env: env}
}

// Must runs rclone and fails the test on error.
func (r *Rclone) Must(args ...string) string {
	r.t.Helper()
	out, _, err := runClient(r.env, rcloneBin, args...)
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

// ---------------------------------------------------------------------------
// boto3

// runBoto3 runs a Python script with Debian's python3 and boto3, the
// endpoint and keys in its environment (E2E_ENDPOINT, AWS_*), plus extra
// variables; it returns the script's stdout.
func runBoto3(t *testing.T, endpoint, ak, sk, script string, extra ...string) string {
	t.Helper()
	needBinary(t, python3Bin, "python3")
	if _, _, err := runClient(os.Environ(), python3Bin, "-c", "import boto3"); err != nil {
		t.Fatalf("boto3 is missing for %s (Debian package python3-boto3): run test/deps.sh: %v", python3Bin, err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "script.py")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(testenv.CleanEnv("AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_PROFILE=", "AWS_ENDPOINT_URL"),
		"AWS_ACCESS_KEY_ID="+ak,
		"AWS_SECRET_ACCESS_KEY="+sk,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE="+empty,
		"AWS_SHARED_CREDENTIALS_FILE="+empty,
		"AWS_EC2_METADATA_DISABLED=true",
		"E2E_ENDPOINT="+endpoint,
	)
	env = append(env, extra...)
	out, _, err := runClient(env, python3Bin, path)
	if err != nil {
		t.Fatalf("boto3 script: %v\nstdout: %s", err, out)
	}
	return out
}
