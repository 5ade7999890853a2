package gateway

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ringside/ringside/embedded"
	"github.com/ringside/ringside/index"
)

// fakeDisk is the index filesystem of a test: free bytes it sets, and a
// number of measures that find plenty before it is full again.
type fakeDisk struct {
	free      atomic.Int64
	plentyFor atomic.Int64
}

const plenty = 1 << 40

func (f *fakeDisk) measure(string) (int64, error) {
	if f.plentyFor.Add(-1) >= 0 {
		return plenty, nil
	}
	return f.free.Load(), nil
}

// newS3EnvOnDisk is newS3Env with the index on disk, measured by disk.
func newS3EnvOnDisk(t *testing.T, disk *fakeDisk) *s3Env {
	t.Helper()
	be, err := embedded.Start("127.0.0.1:0", backendAccess, backendSecret, "ring", "shared")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	e := &s3Env{t: t, dir: t.TempDir(), backend: be, direct: newS3Client(be.URL(), backendAccess, backendSecret),
		opts: &index.Options{Reserve: 1 << 20, FreeSpace: disk.measure}}
	e.start()
	t.Cleanup(e.stop)
	if err := index.RegisterSpaceMetrics(e.reg, e.db); err != nil {
		t.Fatal(err)
	}
	e.addLocation("ring", "ring", true)
	e.addLocation("shared", "shared", false)
	return e
}

func (e *s3Env) spaceMetric(name string) float64 {
	e.t.Helper()
	families, err := e.reg.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			m := f.GetMetric()[0]
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	e.t.Fatalf("no metric %s", name)
	return 0
}

// A full index disk refuses every kind of write with 503 before the
// backend sees it, keeps serving reads, and takes writes again once space
// is back.
func TestWritesRefusedOnFullIndexDisk(t *testing.T) {
	disk := &fakeDisk{}
	disk.free.Store(plenty)
	e := newS3EnvOnDisk(t, disk)
	e.createBucket("bkt", "ring")
	e.put("bkt", "kept", "kept bytes")
	ctx := context.Background()
	disk.free.Store(0)

	refused := map[string]func() error{
		"put": func() error {
			_, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("new"), Body: strings.NewReader("x")})
			return err
		},
		"copy": func() error {
			_, err := e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("copy"), CopySource: aws.String("bkt/kept")})
			return err
		},
		"delete": func() error {
			_, err := e.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("kept")})
			return err
		},
		"delete objects": func() error {
			_, err := e.s3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("bkt"),
				Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{{Key: aws.String("kept")}}}})
			return err
		},
		"create upload": func() error {
			_, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("mp")})
			return err
		},
		"create bucket": func() error {
			_, err := e.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("other")})
			return err
		},
	}
	for name, write := range refused {
		err := write()
		if httpStatusOf(err) != http.StatusServiceUnavailable || apiErrorCode(err) != "ServiceUnavailable" {
			t.Errorf("%s on a full index disk: %v, want 503 ServiceUnavailable", name, err)
		}
	}
	if got := strings.Join(e.backendKeys("ring"), ","); got != "kept" {
		t.Errorf("backend keys after refused writes = %s, want kept", got)
	}
	if _, body := e.get("bkt", "kept"); body != "kept bytes" {
		t.Errorf("GET on a full index disk = %q", body)
	}
	out, err := e.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt")})
	if err != nil || len(out.Contents) != 1 {
		t.Errorf("LIST on a full index disk = %v, %v", out, err)
	}
	if e.spaceMetric("ringside_index_writable") != 0 || e.spaceMetric("ringside_index_writes_refused_total") < float64(len(refused)) {
		t.Errorf("writable %v, refused %v", e.spaceMetric("ringside_index_writable"), e.spaceMetric("ringside_index_writes_refused_total"))
	}

	disk.free.Store(plenty)
	e.put("bkt", "new", "after")
	if _, body := e.get("bkt", "new"); body != "after" {
		t.Errorf("GET of a write after space came back = %q", body)
	}
}

// A write the backend stored but the index could not record is answered
// as stored, marked for repair, and repaired from the backend.
func TestIndexWriteFailedAfterBackendIsRepaired(t *testing.T) {
	for _, tt := range []struct{ name, constraint string }{
		{"mirror", "ring:ingest"},
		{"prefix", "shared"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			disk := &fakeDisk{}
			disk.free.Store(plenty)
			e := newS3EnvOnDisk(t, disk)
			e.createBucket("bkt", tt.constraint)
			ctx := context.Background()

			// Plenty for the gateway's check, full for the index write
			// after the backend's; a background measure in between takes
			// the one plentiful answer, and the PUT is refused: retry.
			disk.free.Store(0)
			var out *s3.PutObjectOutput
			var err error
			for range 5 {
				disk.plentyFor.Store(1)
				out, err = e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("stored")})
				if httpStatusOf(err) != http.StatusServiceUnavailable {
					break
				}
			}
			if err != nil {
				t.Fatalf("PUT whose index write failed: %v, want success", err)
			}
			if pending, _ := e.db.Repairs(); len(pending) != 1 || pending[0].Key != "k" {
				t.Fatalf("pending repairs = %v", pending)
			}
			if v, err := e.db.Latest("bkt", "k"); !errors.Is(err, index.ErrNotFound) {
				t.Fatalf("index entry of the failed write = %+v, %v", v, err)
			}

			disk.plentyFor.Store(0)
			disk.free.Store(plenty)
			e.db.StartRepairs(ctx, e.mirror, 10*time.Millisecond)
			deadline := time.Now().Add(10 * time.Second)
			for e.spaceMetric("ringside_index_repairs_total") < 1 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if e.spaceMetric("ringside_index_repairs_total") != 1 || e.spaceMetric("ringside_index_repairs_pending") != 0 {
				t.Fatalf("repairs %v, pending %v", e.spaceMetric("ringside_index_repairs_total"), e.spaceMetric("ringside_index_repairs_pending"))
			}
			if v, err := e.db.Latest("bkt", "k"); err != nil || v.ETag != aws.ToString(out.ETag) {
				t.Errorf("index entry after repair = %+v, %v; PUT answered ETag %s", v, err, aws.ToString(out.ETag))
			}
			head, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
			if err != nil || aws.ToString(head.ETag) != aws.ToString(out.ETag) || aws.ToInt64(head.ContentLength) != 6 {
				t.Errorf("HEAD after repair = %+v, %v; PUT answered ETag %s", head, err, aws.ToString(out.ETag))
			}
			if _, body := e.get("bkt", "k"); body != "stored" {
				t.Errorf("GET after repair = %q", body)
			}
		})
	}
}
