package fault

// kill -9 of the gateway in the middle of a fill of the object cache's
// disk tier: the partial file is never served, the next start removes
// it, and the object reads the backend's bytes before and after the tier
// fills it again.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/ringside/ringside/test/testenv"
)

func TestDiskCacheKillMidFill(t *testing.T) {
	m := startMinIO(t)
	m.NewBucket("data")
	g := startGateway(t, time.Minute, "--cache-disk-size", "512MiB")
	g.AddLocation("ring", m, "data")
	g.CreateBucket("data", "ring:ingest")
	cacheDir := filepath.Join(g.DataDir, "cache")
	body := payload(15, 128<<20)
	ctx := context.Background()
	if _, err := put(ctx, g.S3, "data", "big", body); err != nil {
		t.Fatal(err)
	}

	g.checkRead("big", body)
	// The second miss admits the version; its own body is left unread
	// while the fill runs beside it.
	held, err := g.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	partial := waitPartialFill(t, cacheDir)
	m.Freeze()
	g.Kill()
	held.Body.Close()
	m.Thaw()
	if _, err := os.Stat(partial); err != nil {
		t.Fatalf("the partial fill is not on disk after the kill: %v", err)
	}

	g.Start()
	if names := testenv.DirNames(t, cacheDir); len(names) != 0 {
		t.Errorf("the cache dir holds %v after a start, want nothing", names)
	}
	if logs := g.proc.Output(); !strings.Contains(logs, "disk cache on") || !strings.Contains(logs, "wiped_files=1") {
		t.Errorf("no start line saying the partial fill was wiped in\n%s", testenv.Tail(logs, 20))
	}
	g.checkRead("big", body)
	g.checkRead("big", body)
	testenv.Eventually(t, time.Minute, "the fill after the restart", func() error {
		n, err := g.Metric("ringside_cache_fills_total", `tier="disk"`)
		if err == nil && n < 1 {
			err = fmt.Errorf("%v fills: %w", n, testenv.ErrNotYet)
		}
		return err
	})
	g.checkRead("big", body)
	if hits, err := g.Metric("ringside_cache_hits_total", `tier="disk"`); err != nil || hits != 1 {
		t.Errorf("disk tier hits %v (%v), want the last read", hits, err)
	}
}

// checkRead GETs key of bucket data and compares its bytes.
func (g *gateway) checkRead(key string, want []byte) {
	g.t.Helper()
	out, err := g.S3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String(key)})
	if err != nil {
		g.t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	got, err := io.ReadAll(out.Body)
	if err != nil {
		g.t.Fatalf("read %s: %v", key, err)
	}
	if !bytes.Equal(got, want) {
		g.t.Fatalf("get %s: %d bytes, not the %d written", key, len(got), len(want))
	}
}

// waitPartialFill polls, closely, until the disk tier's fill file in dir
// holds some bytes, and returns its path. A whole 128 MiB fill takes a
// few hundred milliseconds here; a 1 ms poll sees it in progress.
func waitPartialFill(t *testing.T, dir string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		des, _ := os.ReadDir(dir)
		for _, de := range des {
			if strings.HasPrefix(de.Name(), "ringside-obj-") {
				t.Fatal("the fill completed before it could be cut; the object is too small for this machine")
			}
			if info, err := de.Info(); err == nil && strings.HasPrefix(de.Name(), "ringside-fill-") && info.Size() > 0 {
				return filepath.Join(dir, de.Name())
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("no fill of the disk tier started within 30s")
	return ""
}
