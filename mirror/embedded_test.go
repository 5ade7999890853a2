package mirror

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/embedded"
	"github.com/ringside/ringside/index"
)

// TestAgainstEmbeddedBackend drives the ingester over HTTP against the
// in-process S3 server: each kind of out-of-band change is made with the
// backend client and must be in the index when rescan --wait returns.
func TestAgainstEmbeddedBackend(t *testing.T) {
	ctx := context.Background()
	srv, err := embedded.Start("127.0.0.1:0", "mirror-test", "mirror-secret", "backing")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cl, err := backend.New(backend.Config{Endpoint: srv.URL(), AccessKey: "mirror-test", SecretKey: "mirror-secret", Bucket: "backing"})
	if err != nil {
		t.Fatal(err)
	}
	db, err := index.OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.CreateBucket(index.Bucket{Name: "mb", Location: "embedded", Mirror: true, Versioning: "Enabled"}); err != nil {
		t.Fatal(err)
	}

	put := func(key, body string, meta map[string]string) backend.PutResult {
		t.Helper()
		r, err := cl.PutObject(ctx, key, strings.NewReader(body), int64(len(body)), meta, backend.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// Objects already in the backend when the mirror bucket starts.
	for i := range 7 {
		put(fmt.Sprintf("seed/%d", i), "seed", map[string]string{"Content-Type": "text/plain"})
	}
	put("seed/0", "seed again", nil)

	opts := testOptions()
	opts.PageSize = 4
	m := New(db, func(string) (Target, error) { return Target{Source: cl}, nil }, opts)
	t.Cleanup(m.Close)
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "initial sync", func() bool { return ingestState(t, db, "mb").InitialSyncDone })
	checkAgainstBackend(t, db, cl)

	rescan := func() {
		t.Helper()
		if err := m.Rescan(ctx, "mb", true); err != nil {
			t.Fatal(err)
		}
	}
	latest := func(key string) index.Version {
		t.Helper()
		v, err := db.Latest("mb", key)
		if err != nil {
			t.Fatalf("latest of %s: %v", key, err)
		}
		return v
	}

	v1 := put("obj", "one", map[string]string{"Content-Type": "text/csv", "X-Amz-Meta-Color": "blue"})
	rescan()
	if got := latest("obj"); got.VersionID != v1.VersionID || got.Metadata["X-Amz-Meta-Color"] != "blue" || got.Metadata["Content-Type"] != "text/csv" {
		t.Errorf("new object: %+v", got)
	}

	v2 := put("obj", "two", nil)
	rescan()
	if got := latest("obj"); got.VersionID != v2.VersionID || got.Size != 3 {
		t.Errorf("overwrite: %+v", got)
	}

	dm, err := cl.DeleteObject(ctx, "obj", "")
	if err != nil {
		t.Fatal(err)
	}
	rescan()
	if got := latest("obj"); !got.IsDeleteMarker || got.VersionID != dm.VersionID {
		t.Errorf("delete marker: %+v", got)
	}

	if _, err := cl.DeleteObject(ctx, "obj", dm.VersionID); err != nil {
		t.Fatal(err)
	}
	rescan()
	if got := latest("obj"); got.IsDeleteMarker || got.VersionID != v2.VersionID {
		t.Errorf("delete marker removed: %+v", got)
	}

	if _, err := cl.DeleteObject(ctx, "obj", v2.VersionID); err != nil {
		t.Fatal(err)
	}
	rescan()
	if got := latest("obj"); got.VersionID != v1.VersionID {
		t.Errorf("latest version deleted: %+v", got)
	}

	cp, err := cl.CopyObject(ctx, "obj", "", "obj", map[string]string{"X-Amz-Meta-Color": "red"}, backend.Conditions{})
	if err != nil {
		t.Fatal(err)
	}
	rescan()
	if got := latest("obj"); got.VersionID != cp.VersionID || got.Metadata["X-Amz-Meta-Color"] != "red" {
		t.Errorf("metadata-only copy: %+v", got)
	}

	up, err := cl.CreateMultipartUpload(ctx, "big", map[string]string{"Content-Type": "application/zip"}, backend.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	part1 := bytes.Repeat([]byte("a"), 5<<20)
	e1, err := cl.UploadPart(ctx, "big", up, 1, bytes.NewReader(part1), int64(len(part1)), "")
	if err != nil {
		t.Fatal(err)
	}
	e2, err := cl.UploadPart(ctx, "big", up, 2, strings.NewReader("tail"), 4, "")
	if err != nil {
		t.Fatal(err)
	}
	mpu, err := cl.CompleteMultipartUpload(ctx, "big", up, []backend.Part{{Number: 1, ETag: e1}, {Number: 2, ETag: e2}})
	if err != nil {
		t.Fatal(err)
	}
	rescan()
	if got := latest("big"); got.VersionID != mpu.VersionID || got.Size != 5<<20+4 || got.Metadata["Content-Type"] != "application/zip" {
		t.Errorf("multipart: %+v", got)
	}

	checkAgainstBackend(t, db, cl)
	s, err := m.Status("mb")
	if err != nil || s.State == StateError || s.InitialSynced != 8 {
		t.Errorf("status: %+v, %v", s, err)
	}
}

// checkAgainstBackend compares the index of mb with a full listing of the
// backend and every version's headers.
func checkAgainstBackend(t *testing.T, db *index.DB, src Source) {
	t.Helper()
	ctx := context.Background()
	var want []string
	var objects []backend.Object
	km, vm := "", ""
	for {
		p, err := src.ListVersions(ctx, "", km, vm, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range p.Versions {
			want = append(want, render(o.Key, o.VersionID, o.IsDeleteMarker, o.Size, o.ETag))
			objects = append(objects, o)
		}
		if !p.IsTruncated {
			break
		}
		km, vm = p.NextKeyMarker, p.NextVersionIDMarker
	}
	var got []string
	err := db.ScanKeys("mb", "", "", func(key string, vs []index.Version) error {
		for _, v := range vs {
			got = append(got, render(key, v.VersionID, v.IsDeleteMarker, v.Size, v.ETag))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("index differs from the backend:\nindex:   %v\nbackend: %v", got, want)
	}
	for _, o := range objects {
		if o.IsDeleteMarker {
			continue
		}
		h, err := src.HeadObject(ctx, o.Key, o.VersionID)
		if err != nil {
			t.Fatal(err)
		}
		v, err := db.GetVersion("mb", o.Key, o.VersionID)
		if err != nil {
			t.Fatal(err)
		}
		if v.MetaPending || !sameMeta(v.Metadata, h.Metadata) {
			t.Errorf("%s@%s: index has %v (pending %v), backend %v", o.Key, o.VersionID, v.Metadata, v.MetaPending, h.Metadata)
		}
	}
}
