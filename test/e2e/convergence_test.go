package e2e

// Issue 3's convergence and crash tests: random writes through the gateway
// and directly on the backend, passes, restarts after SIGKILL; the
// gateway's version listing must end equal to the backend's.

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// convergenceOps changes are made per seed; RINGSIDE_E2E_SEEDS sets the
// number of seeds (default 8) for a longer run.
const convergenceOps = 50

func convergenceSeeds(t *testing.T) uint64 {
	s := os.Getenv("RINGSIDE_E2E_SEEDS")
	if s == "" {
		return 8
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 {
		t.Fatalf("RINGSIDE_E2E_SEEDS=%q: want a positive number", s)
	}
	return n
}

func TestMirrorConvergence(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, be *Backend) {
		gw := startGateway(t, GatewayOptions{})
		seeds := convergenceSeeds(t)
		for seed := uint64(1); seed <= seeds; seed++ {
			t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				bucket := fmt.Sprintf("conv%d", seed)
				p := newMirror(t, gw, be, bucket)
				createMirrorBucket(t, gw, bucket, "loc-"+bucket)
				w := &writer{p: p, r: rand.New(rand.NewPCG(seed, 7)), keys: []string{"a", "b", "c", "d/e", "d/f", "g h", "i/j/k", "l"}}
				for i := 0; i < convergenceOps; i++ {
					if err := w.step(ctx); err != nil {
						t.Fatalf("op %d: %v\nops so far:\n%s", i, err, strings.Join(w.log, "\n"))
					}
				}
				gw.MustCLI("mirror", "rescan", bucket, "--wait")
				if err := p.compare(ctx, true); err != nil {
					t.Errorf("after rescan --wait the gateway differs from the backend:\n%v\nops:\n%s", err, strings.Join(w.log, "\n"))
					reportLateConvergence(t, p)
				}
			})
		}
	})
}

// createMirrorBucket makes a mirror bucket over S3 (LOC:ingest) with the
// Go SDK.
func createMirrorBucket(t *testing.T, gw *Gateway, bucket, loc string) {
	t.Helper()
	_, err := gw.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{
		Bucket: aws.String(bucket),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{
			LocationConstraint: types.BucketLocationConstraint(loc + ":ingest"),
		},
	})
	if err != nil {
		t.Fatalf("create mirror bucket %s on %s: %v", bucket, loc, err)
	}
}

// reportLateConvergence says whether the gateway converges later, to tell
// a slow pass from a lost change.
func reportLateConvergence(t *testing.T, p mirrorPair) {
	start := time.Now()
	deadline := start.Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if p.compare(context.Background(), true) == nil {
			t.Logf("the gateway converged %v after rescan --wait returned", time.Since(start).Round(time.Millisecond))
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("the gateway did not converge within 10s after rescan --wait")
}

// writer makes random changes, through the gateway and directly on the
// backend, on a small set of keys so that they collide.
type writer struct {
	p    mirrorPair
	r    *rand.Rand
	keys []string
	n    int
	log  []string
}

func (w *writer) step(ctx context.Context) error {
	key := w.keys[w.r.IntN(len(w.keys))]
	w.n++
	gw, be := w.p.gw.S3, w.p.be.S3
	gb, bb := w.p.gwBucket, w.p.beBucket
	body := payload(uint64(w.n)*1000+w.r.Uint64N(1000), w.r.IntN(3000))
	meta := map[string]string{"op": fmt.Sprint(w.n)}
	ctype := fmt.Sprintf("text/x-op-%d", w.n)
	var err error
	op := w.r.IntN(12)
	switch op {
	case 0, 1:
		w.logf("gateway put %s", key)
		_, err = put(ctx, gw, gb, key, body, ctype, meta)
	case 2, 3:
		w.logf("backend put %s", key)
		_, err = put(ctx, be, bb, key, body, ctype, meta)
	case 4:
		w.logf("gateway delete %s", key)
		_, err = gw.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(gb), Key: aws.String(key)})
	case 5:
		w.logf("backend delete %s", key)
		_, err = be.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bb), Key: aws.String(key)})
	case 6, 7:
		onGateway := op == 7
		c, b := be, bb
		if onGateway {
			c, b = gw, gb
		}
		id, ok, lerr := w.pickVersion(ctx, c, b, key)
		if lerr != nil || !ok {
			return lerr
		}
		w.logf("%s delete version %s@%s", side(onGateway), key, id)
		_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String(key), VersionId: aws.String(id)})
	case 8:
		if _, herr := be.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bb), Key: aws.String(key)}); herr != nil {
			return nil // nothing current to change
		}
		w.logf("backend metadata change %s", key)
		_, err = be.CopyObject(ctx, &s3.CopyObjectInput{
			Bucket: aws.String(bb), Key: aws.String(key), CopySource: aws.String(bb + "/" + urlPath(key)),
			MetadataDirective: types.MetadataDirectiveReplace, ContentType: aws.String(ctype), Metadata: meta,
		})
	case 9:
		onGateway := w.r.IntN(2) == 0
		c, b := be, bb
		if onGateway {
			c, b = gw, gb
		}
		w.logf("%s multipart put %s", side(onGateway), key)
		err = multipartPut(ctx, c, b, key, body, ctype, meta)
	case 10:
		src := w.keys[w.r.IntN(len(w.keys))]
		if _, herr := gw.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(gb), Key: aws.String(src)}); herr != nil {
			return nil
		}
		in := &s3.CopyObjectInput{Bucket: aws.String(gb), Key: aws.String(key), CopySource: aws.String(gb + "/" + urlPath(src))}
		if src == key {
			// S3 refuses a copy onto itself that changes nothing.
			in.MetadataDirective, in.ContentType, in.Metadata = types.MetadataDirectiveReplace, aws.String(ctype), meta
		}
		w.logf("gateway copy %s -> %s", src, key)
		_, err = gw.CopyObject(ctx, in)
	case 11:
		other := w.keys[w.r.IntN(len(w.keys))]
		w.logf("gateway delete objects %s, %s", key, other)
		var out *s3.DeleteObjectsOutput
		out, err = gw.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(gb), Delete: &types.Delete{
			Objects: []types.ObjectIdentifier{{Key: aws.String(key)}, {Key: aws.String(other)}},
		}})
		if err == nil && len(out.Errors) > 0 {
			err = fmt.Errorf("%s: %s", aws.ToString(out.Errors[0].Code), aws.ToString(out.Errors[0].Message))
		}
	}
	if stale(op, err) {
		w.logf("  refused (%s): the gateway had not yet seen a backend change", errCode(err))
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", w.log[len(w.log)-1], err)
	}
	return nil
}

// stale reports whether a gateway operation chosen from the gateway's view
// failed because a backend change had not reached that view yet: a copy
// whose source, or a version delete whose version, was just removed on the
// backend. The backend's refusal is then the right answer.
func stale(op int, err error) bool {
	switch errCode(err) {
	case "NoSuchKey", "NoSuchVersion":
		return op == 7 || op == 10
	}
	return false
}

func (w *writer) logf(format string, args ...any) {
	w.log = append(w.log, fmt.Sprintf("%3d ", w.n)+fmt.Sprintf(format, args...))
}

// pickVersion picks one version or delete marker of key from c's listing.
func (w *writer) pickVersion(ctx context.Context, c *s3.Client, bucket, key string) (string, bool, error) {
	l, err := listVersions(ctx, c, bucket, key, "", 1000)
	if err != nil {
		return "", false, err
	}
	var ids []string
	for _, v := range l.All() {
		if v.Key == key {
			ids = append(ids, v.VersionID)
		}
	}
	if len(ids) == 0 {
		return "", false, nil
	}
	return ids[w.r.IntN(len(ids))], true, nil
}

func side(onGateway bool) string {
	if onGateway {
		return "gateway"
	}
	return "backend"
}

// urlPath escapes a key for x-amz-copy-source.
func urlPath(key string) string {
	return strings.ReplaceAll(key, " ", "%20")
}

// multipartPut writes body as a one-part multipart upload.
func multipartPut(ctx context.Context, c *s3.Client, bucket, key string, body []byte, ctype string, meta map[string]string) error {
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), ContentType: aws.String(ctype), Metadata: meta,
	})
	if err != nil {
		return err
	}
	part, err := c.UploadPart(ctx, &s3.UploadPartInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId, PartNumber: aws.Int32(1),
		Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
	})
	if err != nil {
		return err
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{ETag: part.ETag, PartNumber: aws.Int32(1)}}},
	})
	return err
}
