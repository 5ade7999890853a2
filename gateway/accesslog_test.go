package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ringside/ringside/test/testenv"
)

// logBuffer is a log destination the tests read while the gateway
// writes.
type logBuffer = testenv.SyncBuffer

// accessLine is one access log line as JSON.
type accessLine struct {
	Msg       string  `json:"msg"`
	Time      string  `json:"time"`
	RequestID string  `json:"requestId"`
	AccessKey string  `json:"accessKey"`
	Op        string  `json:"op"`
	Method    string  `json:"method"`
	Bucket    string  `json:"bucket"`
	Key       string  `json:"key"`
	Status    int     `json:"status"`
	BytesIn   int64   `json:"bytesIn"`
	BytesOut  int64   `json:"bytesOut"`
	Seconds   float64 `json:"seconds"`
	// The backend's share, compared apart: TestAccessLogBackendTime.
	BackendSeconds float64 `json:"backendSeconds"`
	BackendCalls   int64   `json:"backendCalls"`
}

// Each request is one line with its operation, bucket, key, status and
// byte counts; refused and presigned requests too; no secret, signature
// or query appears.
func TestAccessLog(t *testing.T) {
	logs := &logBuffer{}
	e := newS3EnvWith(t, "", func(c *Config) {
		c.AccessLog = slog.New(slog.NewJSONHandler(logs, nil))
	})
	ctx := context.Background()
	e.createBucket("logs", "shared")
	e.put("logs", "dir/a.txt", "hello")
	if _, body := e.get("logs", "dir/a.txt"); body != "hello" {
		t.Fatalf("get = %q", body)
	}
	wrong := newS3Client(e.url, clientAccess, "not-the-secret-key-000")
	if _, err := wrong.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("logs"), Key: aws.String("dir/a.txt")}); err == nil {
		t.Fatal("a wrong secret was accepted")
	}
	pre, err := s3.NewPresignClient(e.s3).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("logs"), Key: aws.String("dir/a.txt")},
		func(o *s3.PresignOptions) { o.Expires = time.Minute })
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(pre.URL)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	signature := pre.URL[strings.Index(pre.URL, "X-Amz-Signature=")+len("X-Amz-Signature="):]

	var lines []accessLine
	// The line is written after the response, which the client may have
	// read in full first.
	eventually(func() bool {
		lines = parseAccess(t, logs.String())
		return len(lines) >= 5
	})
	if len(lines) != 5 {
		t.Fatalf("%d access lines, want 5:\n%s", len(lines), logs.String())
	}
	want := []accessLine{
		{Op: "CreateBucket", Method: "PUT", Bucket: "logs", Status: 200, AccessKey: clientAccess, BytesIn: lines[0].BytesIn},
		{Op: "PutObject", Method: "PUT", Bucket: "logs", Key: "dir/a.txt", Status: 200, BytesIn: 5, AccessKey: clientAccess},
		{Op: "GetObject", Method: "GET", Bucket: "logs", Key: "dir/a.txt", Status: 200, BytesOut: 5, AccessKey: clientAccess},
		{Op: "HeadObject", Method: "HEAD", Bucket: "logs", Key: "dir/a.txt", Status: 403, AccessKey: clientAccess},
		{Op: "GetObject", Method: "GET", Bucket: "logs", Key: "dir/a.txt", Status: 200, BytesOut: 5, AccessKey: clientAccess},
	}
	if lines[0].BytesIn == 0 {
		t.Errorf("CreateBucket's body (its location constraint) is not counted")
	}
	for i, w := range want {
		got := lines[i]
		if got.Msg != "s3 access" || got.Time == "" || len(got.RequestID) != 16 || got.Seconds <= 0 {
			t.Errorf("line %d: %+v; want msg, time, a request ID and a duration", i, got)
		}
		got.Msg, got.Time, got.RequestID, got.Seconds = "", "", "", 0
		got.BackendSeconds, got.BackendCalls = 0, 0
		if got != w {
			t.Errorf("line %d = %+v, want %+v", i, got, w)
		}
	}
	for _, secret := range []string{clientSecret, backendSecret, "not-the-secret-key-000", signature, "X-Amz-"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the access log shows %q:\n%s", secret, logs.String())
		}
	}
}

func parseAccess(t *testing.T, s string) []accessLine {
	t.Helper()
	var out []accessLine
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var l accessLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("an access line is not JSON: %v: %s", err, sc.Text())
		}
		out = append(out, l)
	}
	return out
}

func TestRequestAccessKey(t *testing.T) {
	tests := []struct {
		name, auth, query, want string
	}{
		{"sigv4 header", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc", "", "AKID"},
		{"v2 header", "AWS AKID2:c2lnbmF0dXJl", "", "AKID2"},
		{"sigv4 presigned", "", "X-Amz-Credential=AKID3%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=abc", "AKID3"},
		{"v2 presigned", "", "AWSAccessKeyId=AKID4&Signature=abc", "AKID4"},
		{"anonymous", "", "", ""},
		{"unknown scheme", "Bearer token-not-a-key", "", ""},
	}
	for _, tt := range tests {
		r, _ := http.NewRequest("GET", "http://h/b/k?"+tt.query, nil)
		if tt.auth != "" {
			r.Header.Set("Authorization", tt.auth)
		}
		if got := requestAccessKey(r); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// A large GET, which goes out through ReadFrom, is counted whole.
// A GET read from the backend logs its backend calls and the time spent
// on them; a HEAD answered from the index logs none.
func TestAccessLogBackendTime(t *testing.T) {
	logs := &logBuffer{}
	e := newS3EnvWith(t, "", func(c *Config) {
		c.AccessLog = slog.New(slog.NewJSONHandler(logs, nil))
	})
	body := strings.Repeat("x", 1<<20)
	e.createBucket("timed", "ring")
	e.put("timed", "k", body)
	if _, got := e.get("timed", "k"); got != body {
		t.Fatalf("got %d bytes, want %d", len(got), len(body))
	}
	if _, err := e.s3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("timed"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	var lines []accessLine
	eventually(func() bool {
		lines = parseAccess(t, logs.String())
		return len(lines) >= 4
	})
	if len(lines) != 4 {
		t.Fatalf("%d access lines, want 4:\n%s", len(lines), logs.String())
	}
	put, get, head := lines[1], lines[2], lines[3]
	if put.Op != "PutObject" || put.BackendCalls < 1 || put.BackendSeconds <= 0 {
		t.Errorf("access line of the PUT: %+v; want backend calls and time", put)
	}
	if get.Op != "GetObject" || get.BackendCalls < 1 || get.BackendSeconds <= 0 {
		t.Errorf("access line of the GET: %+v; want backend calls and time", get)
	}
	if head.Op != "HeadObject" || head.Status != 200 || head.BackendCalls != 0 || head.BackendSeconds != 0 {
		t.Errorf("access line of the HEAD: %+v; want no backend call", head)
	}
}

func TestAccessLogCountsALargeGet(t *testing.T) {
	logs := &logBuffer{}
	e := newS3EnvWith(t, "", func(c *Config) {
		c.AccessLog = slog.New(slog.NewJSONHandler(logs, nil))
	})
	body := strings.Repeat("0123456789abcdef", 4<<16) // 4 MiB
	e.createBucket("data", "ring")
	e.put("data", "big", body)
	if _, got := e.get("data", "big"); got != body {
		t.Fatalf("got %d bytes, want %d", len(got), len(body))
	}
	var last accessLine
	if !eventually(func() bool {
		lines := parseAccess(t, logs.String())
		last = lines[len(lines)-1]
		return last.Op == "GetObject"
	}) || last.BytesOut != int64(len(body)) || last.Status != 200 {
		t.Fatalf("access line of the GET: %+v", last)
	}
}

// readFromWriter is a ResponseWriter whose ReadFrom, the path to sendfile
// and splice, records its use.
type readFromWriter struct {
	*httptest.ResponseRecorder
	readFrom int64
}

func (w *readFromWriter) ReadFrom(r io.Reader) (int64, error) {
	n, err := io.Copy(w.ResponseRecorder, r)
	w.readFrom += n
	return n, err
}

// The access log's writer hands a body copied into it to the ReadFrom of
// the writer it wraps, and lets http.ResponseController reach it.
func TestAccessWriterKeepsTheFastPaths(t *testing.T) {
	under := &readFromWriter{ResponseRecorder: httptest.NewRecorder()}
	w := &accessWriter{ResponseWriter: under}
	n, err := io.Copy(w, io.LimitReader(strings.NewReader(strings.Repeat("x", 100000)), 70000))
	if err != nil || n != 70000 || under.readFrom != 70000 || w.sent != 70000 || w.status != http.StatusOK {
		t.Fatalf("copied %d (%v): %d through ReadFrom, %d counted, status %d", n, err, under.readFrom, w.sent, w.status)
	}
	if err := http.NewResponseController(w).Flush(); err != nil || !under.Flushed {
		t.Fatalf("flush through the access writer: %v, flushed %v", err, under.Flushed)
	}
}
