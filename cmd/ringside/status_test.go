package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ringside/ringside/admin"
	"github.com/ringside/ringside/embedded"
	"github.com/ringside/ringside/mirror"
)

// views is what `location list`, `bucket show` and `mirror status` say of
// one mirror bucket.
type views struct {
	locationMirroring, locationVersioning string
	bucketMirroring, bucketVersioning     string
	mirrorState, mirrorError              string
}

func readViews(t *testing.T, adminFlags []string) views {
	t.Helper()
	var locs []admin.Location
	var b admin.Bucket
	var st mirror.Status
	decode := func(v any, args ...string) {
		t.Helper()
		if err := json.Unmarshal([]byte(mustCLI(t, append(append(args, "--json"), adminFlags...)...)), v); err != nil {
			t.Fatalf("ringside %s --json: %v", strings.Join(args, " "), err)
		}
	}
	decode(&locs, "location", "list")
	decode(&b, "bucket", "show", "photos")
	decode(&st, "mirror", "status", "photos")
	var v views
	for _, l := range locs {
		if l.Name == "ring" {
			v.locationMirroring, v.locationVersioning = l.Mirroring, l.Versioning
		}
	}
	v.bucketMirroring, v.bucketVersioning = b.Mirroring, b.Versioning
	v.mirrorState, v.mirrorError = st.State, st.LastError
	return v
}

// waitViews polls until the three views agree on state and versioning
// and errCause is in the mirror's error ("" for none).
func waitViews(t *testing.T, adminFlags []string, state, versioning, errCause string) {
	t.Helper()
	eventually(t, 20*time.Second, fmt.Sprintf("views agree on %s/%s", state, versioning), func() error {
		v := readViews(t, adminFlags)
		want := views{state, versioning, state, versioning, state, v.mirrorError}
		if v != want || (errCause == "") != (v.mirrorError == "") || !strings.Contains(v.mirrorError, errCause) {
			return fmt.Errorf("views %+v", v)
		}
		return nil
	})
}

// The location, the bucket and the mirror say the same about a mirror
// bucket: after its backend bucket's versioning is suspended directly on
// the backend, after it is enabled again, and while the backend is down.
func TestStatusViewsAgree(t *testing.T) {
	n, be, _ := startTestNode(t)
	adminFlags := []string{"--admin", n.adminURL, "--data-dir", n.cfg.dataDir}
	mustCLI(t, append([]string{"location", "add", "ring", "--endpoint", be.URL(), "--access-key", testBackendKey,
		"--secret-key", testBackendSecret, "--bucket", "store", "--no-prefix"}, adminFlags...)...)
	mustCLI(t, append([]string{"bucket", "create", "photos", "--location", "ring", "--mirror"}, adminFlags...)...)
	waitViews(t, adminFlags, "idle", "Enabled", "")

	setVersioning(t, be, types.BucketVersioningStatusSuspended)
	waitViews(t, adminFlags, "error", "Suspended", "versioning")
	setVersioning(t, be, types.BucketVersioningStatusEnabled)
	waitViews(t, adminFlags, "idle", "Enabled", "")

	be.Close()
	waitViews(t, adminFlags, "error", "Unknown", "versioning")
	out := mustCLI(t, append([]string{"bucket", "show", "photos"}, adminFlags...)...)
	if !strings.Contains(out, "mirror error") {
		t.Errorf("bucket show does not show the mirror's error:\n%s", out)
	}
}

func setVersioning(t *testing.T, be *embedded.Server, status types.BucketVersioningStatus) {
	t.Helper()
	cl := s3.New(s3.Options{
		BaseEndpoint: aws.String(be.URL()), UsePathStyle: true, Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(testBackendKey, testBackendSecret, ""),
	})
	_, err := cl.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{
		Bucket:                  aws.String("store"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: status},
	})
	if err != nil {
		t.Fatalf("set versioning %s on the backend: %v", status, err)
	}
}

// --watch shows the status again until interrupted, then returns cleanly.
func TestMirrorStatusWatch(t *testing.T) {
	n, be, _ := startTestNode(t)
	adminFlags := []string{"--admin", n.adminURL, "--data-dir", n.cfg.dataDir}
	mustCLI(t, append([]string{"location", "add", "ring", "--endpoint", be.URL(), "--access-key", testBackendKey,
		"--secret-key", testBackendSecret, "--bucket", "store", "--no-prefix"}, adminFlags...)...)
	mustCLI(t, append([]string{"bucket", "create", "photos", "--location", "ring", "--mirror"}, adminFlags...)...)
	app, err := newApp()
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	app.Writer, app.ErrWriter = out, out
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		argv := append([]string{"ringside", "mirror", "status", "photos", "--watch", "--interval", "20ms"}, adminFlags...)
		done <- app.RunContext(ctx, reorderArgs(app, argv))
	}()
	eventually(t, 10*time.Second, "three updates", func() error {
		if c := strings.Count(out.String(), "mirror bucket photos"); c < 3 {
			return fmt.Errorf("%d updates so far", c)
		}
		return nil
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("--watch ended with %v", err)
	}
}
