package fault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

const (
	diskSize    = 64 << 20 // the tmpfs holding ringside's data dir
	diskReserve = 16 << 20 // --index-reserve, the smallest allowed
	// diskMargin is the free space above the reserve left to ringside's
	// own writes to use up.
	diskMargin = 2 << 20
)

// diskStatus is the HTTP status and S3 code of an SDK error.
func diskStatus(err error) (int, string) {
	var re interface{ HTTPStatusCode() int }
	var ae smithy.APIError
	status, code := 0, ""
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	return status, code
}

func diskBody(i int) []byte {
	return bytes.Repeat([]byte(fmt.Sprintf("object %05d;", i)), 20)
}

// diskPut writes key with 1.8 KiB of user metadata, so that each write
// takes a visible bite of the index's disk.
func diskPut(ctx context.Context, c *s3.Client, bucket, key string, body []byte) error {
	_, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
		Metadata: map[string]string{"pad": strings.Repeat("m", 1800)},
	})
	return err
}

func diskGet(ctx context.Context, c *s3.Client, bucket, key string) ([]byte, error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// diskWantRefused fails unless a PUT of key is refused with 503
// ServiceUnavailable and the backend never saw it.
func diskWantRefused(t *testing.T, gw *diskGateway, backend *s3.Client, bucket, key string) {
	t.Helper()
	ctx := context.Background()
	err := diskPut(ctx, gw.S3, bucket, key, []byte("refused"))
	if status, code := diskStatus(err); status != http.StatusServiceUnavailable || code != "ServiceUnavailable" {
		t.Fatalf("PUT %s on a full index disk: %v, want 503 ServiceUnavailable", key, err)
	}
	_, err = backend.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if status, _ := diskStatus(err); status != http.StatusNotFound {
		t.Errorf("backend HEAD of the refused %s: %v, want 404: the refusal must come before the backend write", key, err)
	}
}

// diskWantReads fails unless GET, HEAD and LIST are served.
func diskWantReads(t *testing.T, gw *diskGateway, bucket string, acked map[string][]byte, sample []string) {
	t.Helper()
	ctx := context.Background()
	for _, k := range sample {
		got, err := diskGet(ctx, gw.S3, bucket, k)
		if err != nil || !bytes.Equal(got, acked[k]) {
			t.Fatalf("GET %s on a full index disk: %d bytes, %v", k, len(got), err)
		}
		if _, err := gw.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)}); err != nil {
			t.Fatalf("HEAD %s on a full index disk: %v", k, err)
		}
	}
	out, err := gw.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(10)})
	if err != nil || len(out.Contents) == 0 {
		t.Fatalf("LIST on a full index disk: %v, %v", out, err)
	}
}

// diskWaitWritable polls PUTs of key until one is accepted; it returns
// how long that took.
func diskWaitWritable(t *testing.T, gw *diskGateway, bucket, key string, body []byte) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(30 * time.Second)
	for {
		err := diskPut(context.Background(), gw.S3, bucket, key, body)
		if err == nil {
			return time.Since(start)
		}
		if status, _ := diskStatus(err); status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("PUT %s once space was freed: %v", key, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDiskFull runs ringside with its data dir on a 64 MiB tmpfs and
// fills that disk with writes through ringside, then to the last byte.
// Badger writes its logs through memory maps: without the reserve the
// write that fills the disk is a SIGBUS. Here ringside must refuse writes
// with 503 before the backend sees them, keep serving reads, take writes
// again once space is freed, start on a full disk and serve reads, and
// lose no acknowledged write.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED, not run: the full-disk test mounts a tmpfs, which needs root")
	}
	data := diskTmpfs(t, diskSize)
	backendURL := diskMinIO(t)
	backend := diskS3Client(backendURL, diskMinIOUser, diskMinIOSecret)
	ctx := context.Background()
	const bucket = "disk-full"
	// MinIO answers its liveness probe before it takes requests.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, err := backend.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("create the backend bucket: %v", err)
		}
	}
	if _, err := backend.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}

	gw := newDiskGateway(t, data, fmt.Sprint(diskReserve))
	gw.Start()
	gw.CLI("location", "add", "ring", "--endpoint", backendURL, "--access-key", diskMinIOUser,
		"--secret-key", diskMinIOSecret, "--bucket", bucket, "--no-prefix")
	if _, err := gw.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "ring:ingest"}}); err != nil {
		t.Fatal(err)
	}

	// Leave ringside diskMargin above its reserve, and let its writes
	// use that up.
	filler := diskFill(t, data, "filler", diskFree(t, data)-diskReserve-diskMargin)
	acked := map[string][]byte{}
	var keys []string
	i := 0
	for ; i < 20000; i++ {
		key := fmt.Sprintf("k%05d", i)
		err := diskPut(ctx, gw.S3, bucket, key, diskBody(i))
		if err != nil {
			if status, code := diskStatus(err); status != http.StatusServiceUnavailable || code != "ServiceUnavailable" {
				t.Fatalf("PUT %s while the disk fills: %v, want success or 503", key, err)
			}
			break
		}
		acked[key], keys = diskBody(i), append(keys, key)
	}
	gw.Alive("while its writes filled the disk")
	if len(acked) == 0 || i == 20000 {
		t.Fatalf("%d PUTs acknowledged of %d: the disk never filled", len(acked), i)
	}
	freeAtRefusal := diskFree(t, data)
	t.Logf("full disk: tmpfs %d MiB, --index-reserve %d MiB; %d PUTs (1.8 KiB of metadata each) acknowledged, then 503 with %d bytes free",
		diskSize>>20, diskReserve>>20, len(acked), freeAtRefusal)
	for j := range 3 {
		diskWantRefused(t, gw, backend, bucket, fmt.Sprintf("refused-a%d", j))
	}
	sample := []string{keys[0], keys[len(keys)/2], keys[len(keys)-1]}
	diskWantReads(t, gw, bucket, acked, sample)

	// Another writer takes the last free byte: reads go on, nothing dies.
	rest := diskFill(t, data, "rest", -1)
	t.Logf("full disk: another writer took the rest, %d bytes free", diskFree(t, data))
	diskWantReads(t, gw, bucket, acked, sample)
	diskWantRefused(t, gw, backend, bucket, "refused-b")
	gw.Alive("with the disk full to the last byte")
	if w := gw.Metric("ringside_index_writable"); w != 0 {
		t.Errorf("ringside_index_writable = %v on a full disk, want 0", w)
	}

	// Space is freed: writes resume by themselves.
	for _, f := range []string{rest, filler} {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	took := diskWaitWritable(t, gw, bucket, "after-free", []byte("after free"))
	acked["after-free"] = []byte("after free")
	t.Logf("full disk: writes resumed %v after the filler files were removed", took.Round(time.Millisecond))
	refused := gw.Metric("ringside_index_writes_refused_total")
	repairs := gw.Metric("ringside_index_repairs_total") + gw.Metric("ringside_index_repairs_pending")
	gw.Stop()

	// A start on a disk full to the last byte serves reads.
	full := diskFill(t, data, "full", -1)
	t.Logf("full disk: restart with %d bytes free", diskFree(t, data))
	gw.Start()
	diskWantReads(t, gw, bucket, acked, sample)
	diskWantRefused(t, gw, backend, bucket, "refused-c")
	gw.Alive("started on a full disk")
	if err := os.Remove(full); err != nil {
		t.Fatal(err)
	}
	took = diskWaitWritable(t, gw, bucket, "after-restart", []byte("after restart"))
	acked["after-restart"] = []byte("after restart")
	t.Logf("full disk: started read-only; writes resumed %v after space was freed", took.Round(time.Millisecond))

	// Killed with the disk full, it starts again on the full disk: the
	// memtable log the kill left is replayed read-only.
	full = diskFill(t, data, "full", -1)
	refused += gw.Metric("ringside_index_writes_refused_total")
	repairs += gw.Metric("ringside_index_repairs_total") + gw.Metric("ringside_index_repairs_pending")
	gw.Kill()
	gw.Start()
	diskWantReads(t, gw, bucket, acked, []string{keys[0], "after-free", "after-restart"})
	// A GET of a key the index misses asks the backend; a listing
	// shows the index itself.
	listed, err := gw.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("after-")})
	if err != nil || len(listed.Contents) != 2 || aws.ToString(listed.Contents[1].Key) != "after-restart" {
		t.Fatalf("LIST after- on a full disk after a kill = %v, %v; want after-free and after-restart, the write the kill left in the log", listed, err)
	}
	diskWantRefused(t, gw, backend, bucket, "refused-d")
	gw.Alive("started on a full disk after a kill")
	if err := os.Remove(full); err != nil {
		t.Fatal(err)
	}
	took = diskWaitWritable(t, gw, bucket, "after-kill", []byte("after kill"))
	acked["after-kill"] = []byte("after kill")
	t.Logf("full disk: killed, started read-only over the log it left; writes resumed %v after space was freed", took.Round(time.Millisecond))
	refused += gw.Metric("ringside_index_writes_refused_total")
	repairs += gw.Metric("ringside_index_repairs_total") + gw.Metric("ringside_index_repairs_pending")

	// Nothing acknowledged is lost: every key reads back its bytes,
	// through ringside and on the backend.
	lost := 0
	for k, want := range acked {
		got, err := diskGet(ctx, gw.S3, bucket, k)
		direct, derr := diskGet(ctx, backend, bucket, k)
		if err != nil || derr != nil || !bytes.Equal(got, want) || !bytes.Equal(direct, want) {
			lost++
			t.Errorf("acknowledged %s: ringside %d bytes (%v), backend %d bytes (%v), want %d", k, len(got), err, len(direct), derr, len(want))
		}
	}
	t.Logf("full disk: %d acknowledged writes, %d lost; %v writes refused with 503; %v index writes repaired or pending repair",
		len(acked), lost, refused, repairs)
	gw.Stop()
}
