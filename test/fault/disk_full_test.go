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
// Badger writes its logs and tables through memory maps: without the
// reserve a write that fills the disk is a SIGBUS. Here ringside must
// refuse writes with 503 before the backend sees them, keep serving reads,
// take writes again once space is freed, start on a full disk (after a
// clean stop and after a kill) and serve reads, and lose no acknowledged
// write.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED, not run: the full-disk test mounts a tmpfs, which needs root")
	}
	r := newDiskRun(t)
	r.fillThroughRingside()

	// Another writer takes the last free byte: reads go on, nothing dies.
	rest := diskFill(t, r.data, "rest", -1)
	t.Logf("full disk: another writer took the rest, %d bytes free", diskFree(t, r.data))
	r.wantFullDiskServes("refused-b", r.sample...)
	if w := r.gw.Metric("ringside_index_writable"); w != 0 {
		t.Errorf("ringside_index_writable = %v on a full disk, want 0", w)
	}
	took := r.freeAndWrite("after-free", rest, r.filler)
	t.Logf("full disk: writes resumed %v after the filler files were removed", took.Round(time.Millisecond))

	// A start on a disk full to the last byte serves reads.
	r.countAndStop(r.gw.Stop)
	full := diskFill(t, r.data, "full", -1)
	t.Logf("full disk: restart with %d bytes free", diskFree(t, r.data))
	r.gw.Start()
	r.wantFullDiskServes("refused-c", r.sample...)
	took = r.freeAndWrite("after-restart", full)
	t.Logf("full disk: started read-only; writes resumed %v after space was freed", took.Round(time.Millisecond))

	// Killed with the disk full, it starts again on the full disk: the
	// memtable log the kill left is replayed read-only.
	full = diskFill(t, r.data, "full", -1)
	r.countAndStop(r.gw.Kill)
	r.gw.Start()
	r.wantFullDiskServes("refused-d", r.keys[0], "after-free", "after-restart")
	r.wantListed("after-", "after-free", "after-restart")
	took = r.freeAndWrite("after-kill", full)
	t.Logf("full disk: killed, started read-only over the log it left; writes resumed %v after space was freed", took.Round(time.Millisecond))

	lost := r.lost()
	r.countAndStop(r.gw.Stop)
	t.Logf("full disk: %d acknowledged writes, %d lost; %v writes refused (S3 and ingester); %v index writes repaired or pending repair",
		len(r.acked), lost, r.refused, r.repairs)
}

// diskRun is one full-disk scenario: a ringside whose data dir is a
// tmpfs, a mirror bucket on MinIO, and what was acknowledged.
type diskRun struct {
	t       *testing.T
	data    string // the tmpfs
	filler  string // the file that leaves ringside diskMargin above its reserve
	gw      *diskGateway
	backend *s3.Client
	bucket  string
	acked   map[string][]byte
	keys    []string // the keys written while the disk filled, in order
	sample  []string // a few of them
	refused float64  // ringside_index_writes_refused_total, over every run
	repairs float64  // repairs done or pending, over every run
}

func newDiskRun(t *testing.T) *diskRun {
	r := &diskRun{t: t, data: diskTmpfs(t, diskSize), bucket: "disk-full", acked: map[string][]byte{}}
	backendURL := diskMinIO(t)
	r.backend = diskS3Client(backendURL, diskMinIOUser, diskMinIOSecret)
	ctx := context.Background()
	// MinIO answers its liveness probe before it takes requests.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, err := r.backend.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(r.bucket)})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("create the backend bucket: %v", err)
		}
	}
	if _, err := r.backend.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(r.bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	r.gw = newDiskGateway(t, r.data, fmt.Sprint(diskReserve))
	r.gw.Start()
	r.gw.CLI("location", "add", "ring", "--endpoint", backendURL, "--access-key", diskMinIOUser,
		"--secret-key", diskMinIOSecret, "--bucket", r.bucket, "--no-prefix")
	if _, err := r.gw.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(r.bucket),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "ring:ingest"}}); err != nil {
		t.Fatal(err)
	}
	return r
}

// fillThroughRingside leaves ringside diskMargin above its reserve and
// writes through it until it refuses.
func (r *diskRun) fillThroughRingside() {
	t := r.t
	r.filler = diskFill(t, r.data, "filler", diskFree(t, r.data)-diskReserve-diskMargin)
	const most = 20000
	i := 0
	for ; i < most; i++ {
		key := fmt.Sprintf("k%05d", i)
		err := diskPut(context.Background(), r.gw.S3, r.bucket, key, diskBody(i))
		if err != nil {
			if status, code := diskStatus(err); status != http.StatusServiceUnavailable || code != "ServiceUnavailable" {
				t.Fatalf("PUT %s while the disk fills: %v, want success or 503", key, err)
			}
			break
		}
		r.acked[key], r.keys = diskBody(i), append(r.keys, key)
	}
	r.gw.Alive("while its writes filled the disk")
	if len(r.acked) == 0 || i == most {
		t.Fatalf("%d PUTs acknowledged of %d: the disk never filled", len(r.acked), i)
	}
	t.Logf("full disk: tmpfs %d MiB, --index-reserve %d MiB; %d PUTs (1.8 KiB of metadata each) acknowledged, then 503 with %d bytes free",
		diskSize>>20, diskReserve>>20, len(r.acked), diskFree(t, r.data))
	r.sample = []string{r.keys[0], r.keys[len(r.keys)/2], r.keys[len(r.keys)-1]}
	for j := range 3 {
		diskWantRefused(t, r.gw, r.backend, r.bucket, fmt.Sprintf("refused-a%d", j))
	}
	diskWantReads(t, r.gw, r.bucket, r.acked, r.sample)
}

// wantFullDiskServes checks that reads of keys are served and a write is
// refused, and that ringside is still alive.
func (r *diskRun) wantFullDiskServes(refusedKey string, keys ...string) {
	r.t.Helper()
	diskWantReads(r.t, r.gw, r.bucket, r.acked, keys)
	diskWantRefused(r.t, r.gw, r.backend, r.bucket, refusedKey)
	r.gw.Alive("on a full disk")
}

// wantListed checks the index's own listing: a GET of a key the index
// misses asks the backend, a listing does not.
func (r *diskRun) wantListed(prefix string, want ...string) {
	r.t.Helper()
	out, err := r.gw.S3.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(r.bucket), Prefix: aws.String(prefix)})
	if err != nil {
		r.t.Fatalf("LIST %s: %v", prefix, err)
	}
	var got []string
	for _, o := range out.Contents {
		got = append(got, aws.ToString(o.Key))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		r.t.Fatalf("LIST %s = %v, want %v", prefix, got, want)
	}
}

// freeAndWrite removes files, then writes key once ringside takes writes
// again, and returns how long that took.
func (r *diskRun) freeAndWrite(key string, files ...string) time.Duration {
	r.t.Helper()
	for _, f := range files {
		if err := os.Remove(f); err != nil {
			r.t.Fatal(err)
		}
	}
	body := []byte("written once space was back: " + key)
	took := diskWaitWritable(r.t, r.gw, r.bucket, key, body)
	r.acked[key] = body
	return took
}

// countAndStop adds this run's refusals and repairs to the totals, then
// stops it with stop.
func (r *diskRun) countAndStop(stop func()) {
	r.refused += r.gw.Metric("ringside_index_writes_refused_total")
	r.repairs += r.gw.Metric("ringside_index_repairs_total") + r.gw.Metric("ringside_index_repairs_pending")
	stop()
}

// lost counts the acknowledged writes that do not read back their bytes,
// through ringside or on the backend.
func (r *diskRun) lost() int {
	ctx := context.Background()
	lost := 0
	for k, want := range r.acked {
		got, err := diskGet(ctx, r.gw.S3, r.bucket, k)
		direct, derr := diskGet(ctx, r.backend, r.bucket, k)
		if err != nil || derr != nil || !bytes.Equal(got, want) || !bytes.Equal(direct, want) {
			lost++
			r.t.Errorf("acknowledged %s: ringside %d bytes (%v), backend %d bytes (%v), want %d", k, len(got), err, len(direct), derr, len(want))
		}
	}
	return lost
}
