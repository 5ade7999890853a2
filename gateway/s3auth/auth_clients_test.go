package s3auth

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestAuthRecordedClients replays, byte for byte, what aws-cli v1
// (botocore), aws-cli v2 and boto3 sent over HTTP and HTTPS (recorded by
// testdata/clients/record.sh): every request must succeed, and every
// object must read back as the client wrote it. The HTTPS recordings carry
// botocore's aws-chunked bodies with trailing checksums inside
// Transfer-Encoding: chunked.
func TestAuthRecordedClients(t *testing.T) {
	dirs, err := filepath.Glob("testdata/clients/http*-*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no recordings: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			conns, err := filepath.Glob(filepath.Join(dir, "conn-*.raw"))
			if err != nil || len(conns) == 0 {
				t.Fatalf("no connections recorded: %v", err)
			}
			f := newAuthFixture(t, fixtureOptions{})
			f.clock.set(recordingTime(t, conns[0]))
			for _, conn := range conns {
				replay(t, f, conn)
			}
			// Back to now, for the SDK that reads the objects.
			f.clock.set(time.Now())
			manifest, err := os.ReadFile(filepath.Join(dir, "manifest.txt"))
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(strings.TrimSpace(string(manifest)), "\n") {
				want, key, _ := strings.Cut(line, " ")
				sum := sha256.Sum256(f.object(key))
				if got := hex.EncodeToString(sum[:]); got != want {
					t.Errorf("%s reads back with sha256 %s, the client wrote %s", key, got, want)
				}
			}
		})
	}
}

var amzDateInRecording = regexp.MustCompile(`(?i)X-Amz-Date[:=] ?(\d{8}T\d{6}Z)`)

// recordingTime is when a recording was made, from its first request.
func recordingTime(t *testing.T, file string) time.Time {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m := amzDateInRecording.FindSubmatch(data)
	if m == nil {
		t.Fatalf("%s has no X-Amz-Date", file)
	}
	return mustTime(string(m[1]))
}

// replay sends a recorded connection's bytes to the fixture's server and
// checks that every request it holds succeeds.
func replay(t *testing.T, f *authFixture, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// The requests, to read their answers with (a HEAD's has no body).
	var reqs []*http.Request
	br := bufio.NewReader(bytes.NewReader(data))
	for {
		req, err := http.ReadRequest(br)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: request %d: %v", file, len(reqs)+1, err)
		}
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			t.Fatalf("%s: request %d body: %v", file, len(reqs)+1, err)
		}
		reqs = append(reqs, req)
	}

	conn, err := net.Dial("tcp", f.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() { _, _ = conn.Write(data) }()
	resps := bufio.NewReader(conn)
	for i, req := range reqs {
		for {
			resp, err := http.ReadResponse(resps, req)
			if err != nil {
				t.Fatalf("%s: %s %s: %v", file, req.Method, req.URL, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusContinue {
				continue
			}
			if resp.StatusCode >= 300 {
				t.Fatalf("%s: request %d, %s %s: %d %s", file, i+1, req.Method, req.URL, resp.StatusCode, body)
			}
			break
		}
	}
}
