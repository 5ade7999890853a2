package gateway

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ringside/ringside/objcache"
)

// newDiskCachedEnv is an s3Env whose gateway has both tiers of the
// object cache: the memory tier takes objects up to 512 bytes, the disk
// tier those above.
func newDiskCachedEnv(t *testing.T) (*s3Env, *objcache.Disk) {
	t.Helper()
	reg := prometheus.NewRegistry()
	c, err := objcache.New(objcache.Config{MaxBytes: 1 << 20, MaxObject: 512, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	d, err := objcache.OpenDisk(objcache.DiskConfig{Dir: filepath.Join(t.TempDir(), "cache"), MaxBytes: 1 << 20, MaxObject: 64 << 10, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	e := newS3EnvWith(t, "", func(cfg *Config) { cfg.Cache, cfg.DiskCache = c, d })
	return e, d
}

// waitFills polls until the disk tier has finished n fills, successful
// or not.
func waitFills(t testing.TB, d *objcache.Disk, n uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := d.Stats()
		if s.Fills+s.FillFailures >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("disk cache stats %+v: %d fills not done", s, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// readTwiceAndFill reads key twice through the gateway, which admits its
// version to the disk tier, and waits for the fill.
func (e *s3Env) readTwiceAndFill(d *objcache.Disk, bucket, key, want string) {
	e.t.Helper()
	fills := d.Stats().Fills + d.Stats().FillFailures
	for range 2 {
		if _, got := e.get(bucket, key); got != want {
			e.t.Fatalf("read %s/%s: %d bytes, want %d", bucket, key, len(got), len(want))
		}
	}
	waitFills(e.t, d, fills+1)
}

// TestDiskCacheFollowsTheIndex fills the disk tier with a version of a
// mirror bucket's key, then changes the key on the backend directly:
// once the index has moved to a new version or a delete marker, a GET
// answers what the index says and never the cached bytes.
func TestDiskCacheFollowsTheIndex(t *testing.T) {
	e, d := newDiskCachedEnv(t)
	ctx := context.Background()
	if err := e.mirror.Start(ctx); err != nil {
		t.Fatal(err)
	}
	e.createBucket("mirrored", "ring:ingest")
	first, second := strings.Repeat("first ", 200), strings.Repeat("second ", 200)
	e.put("mirrored", "k", first)
	e.readTwiceAndFill(d, "mirrored", "k", first)
	before := d.Stats().Hits
	if _, got := e.get("mirrored", "k"); got != first || d.Stats().Hits != before+1 {
		t.Fatalf("read %d bytes; disk hits %d, want %d", len(got), d.Stats().Hits, before+1)
	}

	out, err := e.direct.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("ring"), Key: aws.String("k"), Body: strings.NewReader(second)})
	if err != nil {
		t.Fatal(err)
	}
	e.waitLatest("mirrored", "k", aws.ToString(out.VersionId))
	before = d.Stats().Hits
	if _, got := e.get("mirrored", "k"); got != second || d.Stats().Hits != before {
		t.Fatalf("after an overwrite on the backend: %.20q (disk hits +%d), want the second version from the backend", got, d.Stats().Hits-before)
	}

	marker, err := e.direct.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("ring"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	e.waitLatest("mirrored", "k", aws.ToString(marker.VersionId))
	_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mirrored"), Key: aws.String("k")})
	wantS3Code(t, err, "NoSuchKey")
}

// TestDiskCacheFillFailure takes the disk tier's directory away: the
// fills fail, nothing is served from the tier, and every GET is still
// answered right, from the backend.
func TestDiskCacheFillFailure(t *testing.T) {
	e, d := newDiskCachedEnv(t)
	e.createBucket("hot", "shared")
	body := strings.Repeat("x", 4000)
	e.put("hot", "k", body)
	if err := os.RemoveAll(d.Dir()); err != nil {
		t.Fatal(err)
	}
	e.readTwiceAndFill(d, "hot", "k", body)
	if _, got := e.get("hot", "k"); got != body {
		t.Fatalf("read after a failed fill: %d bytes, want %d", len(got), len(body))
	}
	if s := d.Stats(); s.FillFailures != 1 || s.Fills != 0 || s.Hits != 0 || s.Bytes != 0 {
		t.Errorf("disk cache stats %+v, want one failed fill and nothing held", s)
	}
}

// TestDiskCachedTagCountFollowsTagging retags a version the disk tier
// holds through the gateway: the copy is dropped and the next GET says
// the new count.
func TestDiskCachedTagCountFollowsTagging(t *testing.T) {
	e, d := newDiskCachedEnv(t)
	e.createBucket("hot", "shared")
	body := strings.Repeat("t", 2000)
	e.put("hot", "k", body, func(in *s3.PutObjectInput) { in.Tagging = aws.String("a=1") })
	e.readTwiceAndFill(d, "hot", "k", body)
	if out, _ := e.get("hot", "k"); aws.ToInt32(out.TagCount) != 1 || d.Stats().Hits != 1 {
		t.Fatalf("tag count %d (disk hits %d), want 1 from the disk tier", aws.ToInt32(out.TagCount), d.Stats().Hits)
	}
	if _, err := e.s3.PutObjectTagging(context.Background(), &s3.PutObjectTaggingInput{Bucket: aws.String("hot"), Key: aws.String("k"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}}}); err != nil {
		t.Fatal(err)
	}
	if out, _ := e.get("hot", "k"); aws.ToInt32(out.TagCount) != 2 || d.Stats().Bytes != 0 {
		t.Fatalf("tag count after retagging %d (disk bytes %d), want 2 and the copy dropped", aws.ToInt32(out.TagCount), d.Stats().Bytes)
	}
}

// TestDiskCacheUnreadableFile removes the disk tier's files under it:
// the GET that finds its file gone is answered from the backend, whole
// and right, and the entry is dropped.
func TestDiskCacheUnreadableFile(t *testing.T) {
	e, d := newDiskCachedEnv(t)
	e.createBucket("hot", "shared")
	body := strings.Repeat("u", 3000)
	e.put("hot", "k", body)
	e.readTwiceAndFill(d, "hot", "k", body)
	des, err := os.ReadDir(d.Dir())
	if err != nil || len(des) != 1 {
		t.Fatalf("disk tier files %v (%v), want one", des, err)
	}
	if err := os.Remove(filepath.Join(d.Dir(), des[0].Name())); err != nil {
		t.Fatal(err)
	}
	if _, got := e.get("hot", "k"); got != body {
		t.Fatalf("read with the file gone: %d bytes, want %d", len(got), len(body))
	}
	if s := d.Stats(); s.ReadFailures != 1 || s.Hits != 0 || s.Bytes != 0 {
		t.Errorf("disk cache stats %+v, want one read failure and nothing held", s)
	}
}
