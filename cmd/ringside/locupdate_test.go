package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ringside/ringside/admin"
	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/embedded"
)

// A backend's secret key is rotated under a live mirror bucket: the
// backend now takes only the new secret, a wrong one is refused without
// changing anything, and once the new one is given the running mirror
// ingests the backend's writes again, without a restart.
func TestLocationUpdateRotatesTheSecretUnderALiveMirror(t *testing.T) {
	const rotated = "node-backend-rotated-8842"
	n, be, logs := startTestNode(t)
	adminFlags, cli := nodeFlags(n), nodeCLI(t, n)
	mirrorPhotos(cli, be.URL())
	putDirect(t, be.URL(), testBackendSecret, "before")
	waitIndexed(t, n, "photos", "before")

	// The backend restarts on its address taking only the new secret.
	addr := strings.TrimPrefix(be.URL(), "http://")
	be.Close()
	be2, err := embedded.Start(addr, testBackendKey, rotated, "store")
	if err != nil {
		t.Fatalf("restart the backend on %s: %v", addr, err)
	}
	t.Cleanup(func() { be2.Close() })
	putDirect(t, be2.URL(), rotated, "after")

	out, err := runCLI(t, append([]string{"location", "update", "ring", "--secret-key", "not-the-secret-0000"}, adminFlags...)...)
	var ge *admin.Error
	if !errors.As(err, &ge) || ge.Status != 400 || !strings.Contains(ge.Message, "check the access key and secret key") {
		t.Fatalf("update with a wrong secret: %v\n%s; want a 400 naming the credentials", err, out)
	}
	if l, err := n.db.GetLocation("ring"); err != nil || l.SecretKey != testBackendSecret {
		t.Fatalf("a refused update changed the stored location (%v)", err)
	}

	out = cli("location", "update", "ring", "--secret-key", rotated)
	if !strings.Contains(out, "location ring updated") || strings.Contains(out, rotated) {
		t.Fatalf("location update printed:\n%s", out)
	}
	waitIndexed(t, n, "photos", "after")
	eventually(t, 20*time.Second, "mirror photos out of error", func() error {
		st, err := n.mirror.Status("photos")
		if err != nil {
			return err
		}
		if st.State == "error" {
			return errors.New("state error: " + st.LastError)
		}
		return nil
	})
	for _, secret := range []string{testBackendSecret, rotated, "not-the-secret-0000"} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("a secret appears in the logs:\n%s", logs.String())
		}
	}
	if !strings.Contains(logs.String(), `msg="location updated" location=ring changed=secretKey`) {
		t.Errorf("the update is not logged:\n%s", logs.String())
	}
}

// putDirect writes key into the backend bucket "store", as another
// application would.
func putDirect(t *testing.T, endpoint, secret, key string) {
	t.Helper()
	cl, err := backend.New(backend.Config{Endpoint: endpoint, AccessKey: testBackendKey, SecretKey: secret, Bucket: "store"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.PutObject(context.Background(), key, strings.NewReader(key), int64(len(key)), nil, backend.PutOptions{}); err != nil {
		t.Fatalf("put %s on the backend: %v", key, err)
	}
}

// waitIndexed waits until the node's index has key in bucket.
func waitIndexed(t *testing.T, n *node, bucket, key string) {
	t.Helper()
	eventually(t, 20*time.Second, "index has "+key, func() error {
		_, err := n.db.Latest(bucket, key)
		return err
	})
}
