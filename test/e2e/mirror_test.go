package e2e

// Issue 3: out-of-band changes made directly on the backend (with aws-cli
// pointed at it) show through the gateway; point reads; control and status.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// changeDeadline bounds the wait for an out-of-band change to show, with
// passes every 200ms.
const changeDeadline = 20 * time.Second

// newMirror adds a no-prefix location on a fresh versioned backend bucket
// and returns the pair; the gateway bucket is created by the caller.
func newMirror(t *testing.T, gw *Gateway, be *Backend, bucket string) mirrorPair {
	t.Helper()
	target := be.NewBucket(t, "mirror-"+bucket, true)
	gw.AddLocation("loc-"+bucket, be, target, true)
	return mirrorPair{gw: gw, be: be, gwBucket: bucket, beBucket: target}
}

// waitSame waits until the gateway shows what the backend holds.
func (p mirrorPair) waitSame(t *testing.T, what string) {
	t.Helper()
	eventually(t, changeDeadline, what, func() error { return p.compare(context.Background(), true) })
}

func TestMirrorOutOfBand(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, be *Backend) {
		ctx := context.Background()
		gw := startGateway(t, GatewayOptions{})
		p := newMirror(t, gw, be, "media")
		awsBE := newAWSCLI(t, be.URL, be.AccessKey, be.SecretKey)
		awsGW := newAWSCLI(t, gw.S3URL, gwAccessKey, gwSecretKey)
		dir := t.TempDir()
		bb := p.beBucket

		// Already on the backend before the mirror bucket exists: two
		// versions, a deleted object, metadata.
		for i, body := range []string{"pre v1", "pre v2"} {
			if _, err := put(ctx, be.S3, bb, "pre/a.txt", []byte(body), "text/plain", map[string]string{"n": fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := put(ctx, be.S3, bb, "pre/gone.txt", []byte("gone"), "text/plain", nil); err != nil {
			t.Fatal(err)
		}
		awsBE.Must("s3", "rm", "s3://"+bb+"/pre/gone.txt")
		prePath := writeFile(t, dir, "pre.json", []byte(`{"pre": true}`))
		awsBE.Must("s3", "cp", prePath, "s3://"+bb+"/pre/c.json", "--content-type", "application/json",
			"--cache-control", "max-age=5", "--metadata", "origin=backend")

		out := gw.MustCLI("bucket", "create", "media", "--location", "loc-media", "--mirror")
		if !strings.Contains(out, "media") {
			t.Errorf("bucket create --mirror printed:\n%s", out)
		}
		p.waitSame(t, "initial sync")
		var head headOut
		awsGW.JSON(&head, "s3api", "head-object", "--bucket", "media", "--key", "pre/c.json")
		head.check(t, "pre-existing object", 13, "application/json", "max-age=5", map[string]string{"origin": "backend"})

		// New object.
		newPath := writeFile(t, dir, "new.txt", payload(20, 4000))
		awsBE.Must("s3", "cp", newPath, "s3://"+bb+"/oob/new.txt", "--content-type", "text/x-new", "--metadata", "origin=backend")
		p.waitSame(t, "new object")
		checkBody(t, gw, "media", "oob/new.txt", payload(20, 4000))
		awsGW.JSON(&head, "s3api", "head-object", "--bucket", "media", "--key", "oob/new.txt")
		head.check(t, "new object", 4000, "text/x-new", "", map[string]string{"origin": "backend"})

		// Overwrite: a new version.
		over := payload(21, 5000)
		overPath := writeFile(t, dir, "over.txt", over)
		awsBE.Must("s3", "cp", overPath, "s3://"+bb+"/oob/new.txt", "--content-type", "text/x-over")
		p.waitSame(t, "overwrite")
		checkBody(t, gw, "media", "oob/new.txt", over)

		// Delete: a delete marker.
		awsBE.Must("s3", "rm", "s3://"+bb+"/oob/new.txt")
		p.waitSame(t, "delete")
		if _, err := gw.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("media"), Key: aws.String("oob/new.txt")}); !isNotFound(err) {
			t.Errorf("HEAD of a key deleted on the backend: %v, want 404", err)
		}
		var vs versionsOut
		awsGW.JSON(&vs, "s3api", "list-object-versions", "--bucket", "media", "--prefix", "oob/new.txt")
		if len(vs.DeleteMarkers) != 1 || !vs.DeleteMarkers[0].IsLatest || len(vs.Versions) != 2 {
			t.Fatalf("versions after a backend delete: %+v; want 2 versions under a latest delete marker", vs)
		}

		// Removal of the delete marker: the object reappears.
		awsBE.Must("s3api", "delete-object", "--bucket", bb, "--key", "oob/new.txt", "--version-id", vs.DeleteMarkers[0].VersionId)
		p.waitSame(t, "removal of a delete marker")
		checkBody(t, gw, "media", "oob/new.txt", over)

		// Delete of a specific version: the latest goes, the one before
		// becomes current.
		var latest string
		for _, v := range vs.Versions {
			if v.Size == int64(len(over)) {
				latest = v.VersionId
			}
		}
		awsBE.Must("s3api", "delete-object", "--bucket", bb, "--key", "oob/new.txt", "--version-id", latest)
		p.waitSame(t, "delete of a specific version")
		checkBody(t, gw, "media", "oob/new.txt", payload(20, 4000))

		// Metadata-only change: copy in place with new metadata.
		awsBE.Must("s3api", "copy-object", "--bucket", bb, "--key", "pre/c.json", "--copy-source", bb+"/pre/c.json",
			"--metadata-directive", "REPLACE", "--content-type", "application/x-changed", "--metadata", "origin=changed,extra=1")
		p.waitSame(t, "metadata-only change")
		awsGW.JSON(&head, "s3api", "head-object", "--bucket", "media", "--key", "pre/c.json")
		head.check(t, "object after a metadata-only change", 13, "application/x-changed", "", map[string]string{"origin": "changed", "extra": "1"})

		// Multipart upload (aws-cli goes multipart above 8 MiB).
		mp := payload(22, 9*mib)
		mpPath := writeFile(t, dir, "mp.bin", mp)
		awsBE.Must("s3", "cp", mpPath, "s3://"+bb+"/oob/mp.bin")
		p.waitSame(t, "multipart upload")
		got := filepath.Join(dir, "mp.out")
		awsGW.Must("s3", "cp", "s3://media/oob/mp.bin", got)
		if fileSum(t, got) != sum(mp) {
			t.Errorf("a multipart object written on the backend reads back different through the gateway")
		}
	})
}

// checkBody reads key through the gateway and compares it with want.
func checkBody(t *testing.T, gw *Gateway, bucket, key string, want []byte) {
	t.Helper()
	b, err := getBytes(context.Background(), gw.S3, bucket, key, "")
	if err != nil {
		t.Fatalf("GET %s through the gateway: %v", key, err)
	}
	if sum(b) != sum(want) {
		t.Fatalf("GET %s through the gateway: %d bytes that differ from the %d expected", key, len(b), len(want))
	}
}

// TestMirrorPointRead: with no pass due for an hour, an object written
// directly on the backend is served on the first GET or HEAD, and indexed.
func TestMirrorPointRead(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, be *Backend) {
		ctx := context.Background()
		gw := startGateway(t, GatewayOptions{MirrorInterval: "1h"})
		p := newMirror(t, gw, be, "reads")
		gw.MustCLI("bucket", "create", "reads", "--location", "loc-reads", "--mirror")
		gw.WaitMirrorIdle("reads", 30*time.Second)

		body := payload(30, 2000)
		if _, err := put(ctx, be.S3, p.beBucket, "direct/get.bin", body, "application/x-point", map[string]string{"via": "backend"}); err != nil {
			t.Fatal(err)
		}
		if _, err := put(ctx, be.S3, p.beBucket, "direct/head.bin", []byte("head me"), "text/x-head", nil); err != nil {
			t.Fatal(err)
		}
		objs, err := listObjects(ctx, gw.S3, "reads", "", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(objs) != 0 {
			t.Fatalf("objects listed before any pass could run (interval 1h): %v", objs)
		}

		out, err := gw.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("reads"), Key: aws.String("direct/get.bin")})
		if err != nil {
			t.Fatalf("first GET of an object only the backend knows: %v", err)
		}
		got, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if sum(got) != sum(body) || aws.ToString(out.ContentType) != "application/x-point" || out.Metadata["via"] != "backend" {
			t.Errorf("first GET: %d bytes, type %q, meta %v; want the backend's object", len(got), aws.ToString(out.ContentType), out.Metadata)
		}
		h, err := gw.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("reads"), Key: aws.String("direct/head.bin")})
		if err != nil {
			t.Fatalf("first HEAD of an object only the backend knows: %v", err)
		}
		if aws.ToInt64(h.ContentLength) != 7 || aws.ToString(h.ContentType) != "text/x-head" {
			t.Errorf("first HEAD: size %d type %q, want 7 and text/x-head", aws.ToInt64(h.ContentLength), aws.ToString(h.ContentType))
		}
		if _, err := gw.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("reads"), Key: aws.String("direct/none")}); errCode(err) != "NoSuchKey" {
			t.Errorf("GET of a key nobody wrote: %v, want NoSuchKey", err)
		}

		// Served means indexed: both are listed at once, still without a pass.
		objs, err = listObjects(ctx, gw.S3, "reads", "", "")
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(objs) != fmt.Sprintf("[{direct/get.bin 2000 %s} {direct/head.bin 7 %s}]", aws.ToString(out.ETag), aws.ToString(h.ETag)) {
			t.Errorf("listing after the point reads: %v; want both objects", objs)
		}
		if err := p.compare(ctx, true); err != nil {
			t.Errorf("after the point reads the gateway differs from the backend:\n%v", err)
		}
	})
}

// TestMirrorControl: status, pause, resume, rescan --wait, the location's
// mirroring indicator and the ingester's metrics.
func TestMirrorControl(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, be *Backend) {
		ctx := context.Background()
		gw := startGateway(t, GatewayOptions{})
		p := newMirror(t, gw, be, "ctl")
		awsGW := newAWSCLI(t, gw.S3URL, gwAccessKey, gwSecretKey)
		awsGW.Must("s3api", "create-bucket", "--bucket", "ctl", "--create-bucket-configuration", "LocationConstraint=loc-ctl:ingest")
		gw.WaitMirrorIdle("ctl", 30*time.Second)

		all := gw.MustCLI("mirror", "status")
		if !strings.Contains(all, "ctl") || !strings.Contains(all, "loc-ctl") {
			t.Errorf("mirror status does not show bucket ctl:\n%s", all)
		}
		if m := locationMirroring(t, gw, "loc-ctl"); m != "idle" && m != "scanning" {
			t.Errorf("location loc-ctl mirroring %q, want the mirror's state, idle or scanning", m)
		}

		gw.MustCLI("mirror", "pause", "ctl")
		if st := mirrorStatus(t, gw, "ctl"); st.State != "paused" {
			t.Errorf("state after pause: %s, want paused", st.State)
		}
		if m := locationMirroring(t, gw, "loc-ctl"); m != "paused" {
			t.Errorf("location loc-ctl mirroring %q after pause, want paused", m)
		}
		if _, err := put(ctx, be.S3, p.beBucket, "while-paused.txt", []byte("p"), "text/plain", nil); err != nil {
			t.Fatal(err)
		}
		gw.MustCLI("mirror", "resume", "ctl")
		p.waitSame(t, "change made while paused, after resume")

		for i := 0; i < 5; i++ {
			if _, err := put(ctx, be.S3, p.beBucket, fmt.Sprintf("rescan/%d", i), []byte("r"), "text/plain", nil); err != nil {
				t.Fatal(err)
			}
		}
		before := mirrorStatus(t, gw, "ctl")
		gw.MustCLI("mirror", "rescan", "ctl", "--wait")
		if err := p.compare(ctx, true); err != nil {
			t.Errorf("right after rescan --wait the gateway differs from the backend:\n%v", err)
		}
		after := mirrorStatus(t, gw, "ctl")
		if !after.LastFullPass.After(before.LastFullPass) || after.Passes <= before.Passes {
			t.Errorf("rescan --wait: last full pass %v -> %v, passes %d -> %d; want a new full pass",
				before.LastFullPass, after.LastFullPass, before.Passes, after.Passes)
		}
		one := gw.MustCLI("mirror", "status", "ctl")
		if !strings.Contains(one, "ctl") {
			t.Errorf("mirror status ctl:\n%s", one)
		}

		metrics := httpGet(t, gw.AdminURL+"/metrics")
		for _, m := range []string{"ringside_mirror_passes_total", "ringside_mirror_versions_scanned_total",
			"ringside_mirror_changes_applied_total", "ringside_mirror_pass_duration_seconds"} {
			if !strings.Contains(metrics, m) {
				t.Errorf("/metrics lacks %s", m)
			}
		}
	})
}

// mirrorStatusOut is `ringside mirror status BUCKET --json`.
type mirrorStatusOut struct {
	Bucket        string    `json:"bucket"`
	State         string    `json:"state"`
	LastError     string    `json:"lastError"`
	InitialSynced int64     `json:"initialSynced"`
	LastFullPass  time.Time `json:"lastFullPass"`
	Passes        int64     `json:"passes"`
}

func mirrorStatus(t *testing.T, gw *Gateway, bucket string) mirrorStatusOut {
	t.Helper()
	var st mirrorStatusOut
	raw := gw.MustCLI("mirror", "status", bucket, "--json")
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		t.Fatalf("decode mirror status --json: %v\n%s", err, raw)
	}
	return st
}

func locationMirroring(t *testing.T, gw *Gateway, name string) string {
	t.Helper()
	var locs []struct {
		Name      string `json:"name"`
		Mirroring string `json:"mirroring"`
	}
	raw := gw.MustCLI("location", "list", "--json")
	if err := json.Unmarshal([]byte(raw), &locs); err != nil {
		t.Fatalf("decode location list --json: %v\n%s", err, raw)
	}
	for _, l := range locs {
		if l.Name == name {
			return l.Mirroring
		}
	}
	t.Fatalf("location list does not show %s:\n%s", name, raw)
	return ""
}

// httpGet reads an admin API page with the admin token.
func httpGet(t *testing.T, url string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, b)
	}
	return string(b)
}
