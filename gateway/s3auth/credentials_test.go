package s3auth

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/ringside/ringside/test/testenv"
)

func TestCredentialsParse(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       map[string]string
		err        string
	}{
		{"pairs, comments and blank lines", "# clients\nAK1 SK1\n\n  AK2\tSK2  \n# end\n",
			map[string]string{"AK1": "SK1", "AK2": "SK2"}, ""},
		{"empty", "", map[string]string{}, ""},
		{"one field", "AK1 SK1\nAK2\n", nil, "line 2"},
		{"three fields", "AK1 SK1 extra\n", nil, "line 1"},
		{"repeated key", "AK1 SK1\nAK1 SK2\n", nil, "line 2: access key AK1 is repeated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCredentials([]byte(tc.file))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "SK") {
					t.Fatalf("error %q shows a secret", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v", got)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Fatalf("got %v", got)
				}
			}
		})
	}
}

func TestCredentialsStoreRefusesBadSetups(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("only-one-field\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conflict := filepath.Join(dir, "conflict")
	if err := os.WriteFile(conflict, []byte(testAccessKey+" another-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	for _, tc := range []struct {
		name   string
		static map[string]string
		file   string
	}{
		{"no credentials", nil, ""},
		{"empty secret", map[string]string{"AK": ""}, ""},
		{"missing file", nil, filepath.Join(dir, "missing")},
		{"malformed file", nil, bad},
		{"file redefines a configured key", map[string]string{testAccessKey: testSecretKey}, conflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s, err := newCredentialStore(tc.static, tc.file, log, time.Hour); err == nil {
				s.Close()
				t.Fatal("accepted")
			}
		})
	}
}

// syncBuffer is a log sink the test reads while the watcher writes.
type syncBuffer = testenv.SyncBuffer

// waitUntil polls cond until it holds or a deadline passes.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// errorCode is the S3 error code of an SDK call's error, "" for success.
func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestCredentialsFileReload(t *testing.T) {
	file := filepath.Join(t.TempDir(), "credentials")
	write := func(content string) {
		t.Helper()
		// Rename into place, as editors and config management do.
		tmp := file + ".tmp"
		if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, file); err != nil {
			t.Fatal(err)
		}
	}
	write("# first\nAKIDFILEONE secret-one\n")
	logs := &syncBuffer{}

	f := newAuthFixture(t, fixtureOptions{credsFile: file, poll: 5 * time.Millisecond, log: slog.New(slog.NewTextHandler(logs, nil))})
	list := func(ak, sk string) string {
		_, err := f.client(ak, sk).ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(testBucket)})
		return errorCode(err)
	}
	if code := list("AKIDFILEONE", "secret-one"); code != "" {
		t.Fatalf("key from the file: %s", code)
	}
	if code := list("AKIDFILETWO", "secret-two"); code != "InvalidAccessKeyId" {
		t.Fatalf("key not yet in the file: %q", code)
	}

	write("AKIDFILETWO secret-two\n")
	waitUntil(t, "the new key is accepted", func() bool { return list("AKIDFILETWO", "secret-two") == "" })
	if code := list("AKIDFILEONE", "secret-one"); code != "InvalidAccessKeyId" {
		t.Fatalf("key removed from the file: %q", code)
	}
	if code := list(testAccessKey, testSecretKey); code != "" {
		t.Fatalf("configured key: %s", code)
	}

	// A half-written file keeps the credentials in service.
	write("AKIDFILETHREE\n")
	waitUntil(t, "the broken file is noticed", func() bool { return strings.Contains(logs.String(), "not reloaded") })
	if code := list("AKIDFILETWO", "secret-two"); code != "" {
		t.Fatalf("after a broken file: %s", code)
	}
	for _, secret := range []string{"secret-one", "secret-two", testSecretKey} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("the log shows a secret: %s", logs.String())
		}
	}

	// Closing twice is harmless; that Close stops the poller is
	// filewatch's test.
	f.auth.Close()
	f.auth.Close()
}
