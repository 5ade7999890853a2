package e2e

// `ringside bucket resync` rebuilds a lost index from the backend, prefix
// mode included; and `ringside demo` works as its banner says.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/ringside/ringside/test/testenv"
)

func TestResyncAfterIndexLoss(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, be *Backend) {
		ctx := context.Background()
		gw := startGateway(t, GatewayOptions{})
		target := be.NewBucket(t, "resync", true)
		gw.AddLocation("ring-p", be, target, false)
		gw.MustCLI("bucket", "create", "docs", "--location", "ring-p")
		p := mirrorPair{gw: gw, be: be, gwBucket: "docs", beBucket: target, prefix: "docs/"}

		// Objects through the gateway: versions, a deleted one, a removed
		// version, metadata.
		for i := 0; i < 20; i++ {
			key := fmt.Sprintf("dir%d/file-%02d.txt", i%3, i)
			if _, err := put(ctx, gw.S3, "docs", key, payload(uint64(i), 100+i), "text/x-resync", map[string]string{"i": fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 4; i++ {
			if _, err := put(ctx, gw.S3, "docs", "dir0/file-00.txt", payload(uint64(50+i), 70), "text/x-again", nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := gw.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("docs"), Key: aws.String("dir1/file-01.txt")}); err != nil {
			t.Fatal(err)
		}
		// Keys next to the bucket's prefix on the backend, which are not
		// the bucket's.
		for _, key := range []string{"docs-old/x.txt", "other/docs/y.txt", "docsz"} {
			if _, err := put(ctx, be.S3, target, key, []byte("not docs"), "text/plain", nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.compare(ctx, true); err != nil {
			t.Fatalf("before the index loss the gateway differs from the backend:\n%v", err)
		}
		before, err := listVersions(ctx, gw.S3, "docs", "", "", 1000)
		if err != nil {
			t.Fatal(err)
		}

		// Lose the index: stop, wipe the data dir, start again and declare
		// the location and bucket anew.
		gw.Stop()
		entries, err := os.ReadDir(gw.DataDir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if err := os.RemoveAll(filepath.Join(gw.DataDir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
		gw.Start()
		gw.AddLocation("ring-p", be, target, false)
		gw.MustCLI("bucket", "create", "docs", "--location", "ring-p")
		if l, err := listVersions(ctx, gw.S3, "docs", "", "", 1000); err != nil {
			t.Fatal(err)
		} else if n := len(l.All()); n != 0 {
			t.Logf("a new prefix-mode bucket over existing objects lists %d versions before any resync", n)
		}

		out := gw.MustCLI("bucket", "resync", "docs")
		t.Logf("bucket resync: %s", strings.TrimSpace(out))
		after, err := listVersions(ctx, gw.S3, "docs", "", "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		if d := diffListings(after, before); d != "" {
			t.Errorf("after resync the listing differs from the one before the index loss (gateway = after, backend = before):\n%s", d)
		}
		if err := p.compare(ctx, true); err != nil {
			t.Errorf("after resync the gateway differs from the backend:\n%v", err)
		}
		checkBody(t, gw, "docs", "dir0/file-00.txt", payload(53, 70))
	})
}

// TestDemo runs `ringside demo` and follows its banner: write through the
// gateway, find it on the backend; write on the backend, find it through
// the gateway.
func TestDemo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s3Addr, adminAddr, beAddr := testenv.Addr(t), testenv.Addr(t), testenv.Addr(t)
	p, err := testenv.StartProcess(ringsideBin, []string{"demo",
		"--listen", s3Addr, "--admin-listen", adminAddr, "--backend-listen", beAddr,
		"--data-dir", t.TempDir(), "--access-key", gwAccessKey, "--secret-key", gwSecretKey,
		"--admin-token", adminToken, "--mirror-interval", "200ms",
	}, testenv.CleanEnv("RINGSIDE_"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !p.Stop(30 * time.Second) {
			t.Errorf("ringside demo did not stop on SIGTERM")
		}
		if t.Failed() {
			t.Logf("ringside demo output:\n%s", testenv.Tail(p.Logs(), 200))
		}
	})
	if err := testenv.WaitHTTPFor("http://"+adminAddr+"/readyz", p, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	banner := p.Logs()
	for _, want := range []string{"http://" + s3Addr, "http://" + beAddr, "demo-ring", "aws --endpoint-url"} {
		if !strings.Contains(banner, want) {
			t.Errorf("the demo banner does not show %q:\n%s", want, banner)
		}
	}

	gw := &Gateway{t: t, S3: newS3Client("http://"+s3Addr, gwAccessKey, gwSecretKey)}
	be := &Backend{Kind: "demo", URL: "http://" + beAddr, AccessKey: gwAccessKey, SecretKey: gwSecretKey}
	be.S3 = newS3Client(be.URL, gwAccessKey, gwSecretKey)
	pair := mirrorPair{gw: gw, be: be, gwBucket: "demo", beBucket: "demo"}

	awsGW := newAWSCLI(t, "http://"+s3Addr, gwAccessKey, gwSecretKey)
	awsBE := newAWSCLI(t, be.URL, gwAccessKey, gwSecretKey)
	dir := t.TempDir()
	awsGW.Must("s3", "cp", writeFile(t, dir, "hello.txt", []byte("hello\n")), "s3://demo/hello.txt")
	if b, err := testenv.GetObject(ctx, be.S3, "demo", "hello.txt", ""); err != nil || string(b) != "hello\n" {
		t.Errorf("the object written through the gateway is not on the demo backend under its key: %q, %v", b, err)
	}
	awsBE.Must("s3", "cp", writeFile(t, dir, "direct.txt", []byte("direct\n")), "s3://demo/direct.txt")
	testenv.Eventually(t, changeDeadline, "the backend write shows through the gateway", func() error {
		return pair.compare(ctx, true)
	})
	if ls := awsGW.Must("s3", "ls", "s3://demo"); !strings.Contains(ls, "direct.txt") || !strings.Contains(ls, "hello.txt") {
		t.Errorf("aws s3 ls through the gateway:\n%s", ls)
	}
}
