package backend

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestErrorCodes(t *testing.T) {
	srv := startBackend(t)
	good := clientFor(t, srv.URL())
	put(t, good, "k", []byte("x"), nil)
	noBucket := clientFor(t, srv.URL(), func(c *Config) { c.Bucket = "nobucket" })
	wrongSecret := clientFor(t, srv.URL(), func(c *Config) { c.SecretKey = "not-" + testSecretKey })
	unknownKey := clientFor(t, srv.URL(), func(c *Config) { c.AccessKey = "nobody" })
	ctx := ctxT(t)
	const bogus = "AAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAA"
	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"get missing key", func() error { _, err := good.GetObject(ctx, "nope", "", "", Conditions{}); return err }, "NoSuchKey", 404},
		{"head missing key", func() error { _, err := good.HeadObject(ctx, "nope", ""); return err }, "NoSuchKey", 404},
		{"get missing version", func() error { _, err := good.GetObject(ctx, "k", bogus, "", Conditions{}); return err }, "NoSuchVersion", 404},
		{"head missing version", func() error { _, err := good.HeadObject(ctx, "k", bogus); return err }, "NoSuchVersion", 404},
		{"get from missing bucket", func() error { _, err := noBucket.GetObject(ctx, "k", "", "", Conditions{}); return err }, "NoSuchBucket", 404},
		{"put to missing bucket", func() error {
			_, err := noBucket.PutObject(ctx, "k", strings.NewReader("x"), 1, nil, PutOptions{})
			return err
		}, "NoSuchBucket", 404},
		{"get with wrong secret", func() error { _, err := wrongSecret.GetObject(ctx, "k", "", "", Conditions{}); return err }, "SignatureDoesNotMatch", 403},
		{"put with wrong secret", func() error {
			_, err := wrongSecret.PutObject(ctx, "k", strings.NewReader("x"), 1, nil, PutOptions{})
			return err
		}, "SignatureDoesNotMatch", 403},
		{"list with wrong secret", func() error { _, err := wrongSecret.ListVersions(ctx, "", "", "", 0); return err }, "SignatureDoesNotMatch", 403},
		{"head with wrong secret", func() error { _, err := wrongSecret.HeadObject(ctx, "k", ""); return err }, "AccessDenied", 403},
		{"get with unknown key", func() error { _, err := unknownKey.GetObject(ctx, "k", "", "", Conditions{}); return err }, "InvalidAccessKeyId", 403},
		{"bad content-md5", func() error {
			_, err := good.PutObject(ctx, "k", strings.NewReader("x"), 1, nil, PutOptions{ContentMD5: "1B2M2Y8AsgTpgAmY7PhCfg=="})
			return err
		}, "BadDigest", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, tt.call(), tt.code, tt.status)
		})
	}
}

func TestVersioningCheck(t *testing.T) {
	srv := startBackend(t)
	ctx := ctxT(t)
	if got, err := clientFor(t, srv.URL()).Versioning(ctx); err != nil || got != "Enabled" {
		t.Fatalf("Versioning: %q, %v", got, err)
	}
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + dead.Addr().String()
	dead.Close()
	tests := []struct {
		name     string
		endpoint string
		edit     func(*Config)
		says     string
		code     string
	}{
		{"no such bucket", srv.URL(), func(c *Config) { c.Bucket = "nobucket" }, "does not exist", "NoSuchBucket"},
		{"wrong secret", srv.URL(), func(c *Config) { c.SecretKey = "wrong" }, "the secret key is wrong", "SignatureDoesNotMatch"},
		{"unknown access key", srv.URL(), func(c *Config) { c.AccessKey = "nobody" }, "the access key is unknown", "InvalidAccessKeyId"},
		{"unreachable", deadURL, func(*Config) {}, "cannot reach the backend", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := clientFor(t, tt.endpoint, tt.edit).Versioning(ctx)
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("got %v, want it to say %q", err, tt.says)
			}
			var be *Error
			if errors.As(err, &be) != (tt.code != "") || (be != nil && be.Code != tt.code) {
				t.Fatalf("got %v, want code %q", err, tt.code)
			}
			if strings.Contains(err.Error(), testSecretKey) {
				t.Fatalf("error shows the secret: %v", err)
			}
		})
	}
}

func TestObserve(t *testing.T) {
	type call struct {
		op     string
		status int
	}
	var (
		mu    sync.Mutex
		calls []call
	)
	c := newTestClient(t, func(cfg *Config) {
		cfg.Observe = func(op string, status int, d time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			if d <= 0 {
				t.Errorf("%s took %v", op, d)
			}
			calls = append(calls, call{op, status})
		}
	})
	ctx := context.Background()
	put(t, c, "k", []byte("x"), nil)
	get(t, c, "k", "")
	if _, err := c.HeadObject(ctx, "nope", ""); err == nil {
		t.Fatal("HEAD of a missing key succeeded")
	}
	if _, err := c.ListVersions(ctx, "", "", "", 0); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []call{{"PutObject", 200}, {"GetObject", 200}, {"HeadObject", 404}, {"ListObjectVersions", 200}}
	if len(calls) != len(want) {
		t.Fatalf("observed %v, want %v", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Fatalf("observed %v, want %v", calls, want)
		}
	}
}

func TestErrorMapping(t *testing.T) {
	c := &Client{secret: "hush"}
	tests := []struct {
		status          int
		code, versionID string
		want            string
	}{
		{404, "NotFound", "", "NoSuchKey"},
		{404, "NotFound", "v", "NoSuchVersion"},
		{404, "NoSuchBucket", "v", "NoSuchBucket"},
		{304, "NotModified", "", "NotModified"},
		{304, "", "", "NotModified"},
		{412, "PreconditionFailed", "", "PreconditionFailed"},
		{403, "Forbidden", "", "AccessDenied"},
		{403, "SignatureDoesNotMatch", "", "SignatureDoesNotMatch"},
		{405, "MethodNotAllowed", "v", "MethodNotAllowed"},
		{503, "UnknownError", "", "ServiceUnavailable"},
		{409, "", "", "Conflict"},
	}
	for _, tt := range tests {
		e := c.errorFor("Op", tt.status, tt.code, "the hush word", tt.versionID)
		if e.Code != tt.want || e.Status != tt.status || e.Op != "Op" {
			t.Errorf("%d %q: got %+v, want code %s", tt.status, tt.code, e, tt.want)
		}
		if strings.Contains(e.Error(), "hush") {
			t.Errorf("the secret shows in %v", e)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no scheme", Config{Endpoint: "127.0.0.1:9000", Bucket: "b"}},
		{"ftp", Config{Endpoint: "ftp://127.0.0.1", Bucket: "b"}},
		{"credentials in the URL", Config{Endpoint: "http://ak:" + testSecretKey + "@127.0.0.1", Bucket: "b"}},
		{"no bucket", Config{Endpoint: "http://127.0.0.1:9000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil {
				t.Fatal("New accepted it")
			}
			if strings.Contains(err.Error(), testSecretKey) {
				t.Fatalf("error shows the secret: %v", err)
			}
		})
	}
}
