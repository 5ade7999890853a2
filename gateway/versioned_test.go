package gateway

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// A copy of an older version of a key that needs URL encoding reads that
// version and names it in x-amz-copy-source-version-id.
func TestCopyOfAVersionWithAnEncodedKey(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	const key = "dir/k ey+ü&%.txt"
	v1 := aws.ToString(e.put("data", key, "first").VersionId)
	e.put("data", key, "second")
	ctx := context.Background()
	out, err := e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("data"), Key: aws.String("copy"),
		CopySource: aws.String("data/" + url.PathEscape(key) + "?versionId=" + url.QueryEscape(v1))})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.CopySourceVersionId); got != v1 {
		t.Errorf("x-amz-copy-source-version-id = %q, want %q", got, v1)
	}
	if _, body := e.get("data", "copy"); body != "first" {
		t.Errorf("copy of version %s has %q", v1, body)
	}
}

// DeleteObjects in a versioned bucket answers as S3: a key without a
// version gets a delete marker (DeleteMarker, DeleteMarkerVersionId); a
// version is removed (VersionId); a delete marker named by its version is
// removed and reported as one (DeleteMarker, DeleteMarkerVersionId).
func TestDeleteObjectsOfVersionsAndMarkers(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	ctx := context.Background()
	v1 := aws.ToString(e.put("data", "a", "1").VersionId)
	e.put("data", "b", "1")
	del, err := e.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("data"), Key: aws.String("c")})
	if err != nil || !aws.ToBool(del.DeleteMarker) {
		t.Fatalf("delete marker of c: %+v, %v", del, err)
	}
	marker := aws.ToString(del.VersionId)
	out, err := e.s3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("data"), Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{
		{Key: aws.String("a"), VersionId: aws.String(v1)},
		{Key: aws.String("b")},
		{Key: aws.String("c"), VersionId: aws.String(marker)},
	}}})
	if err != nil || len(out.Errors) != 0 {
		t.Fatalf("DeleteObjects: %v, errors %+v", err, out.Errors)
	}
	got := map[string]s3types.DeletedObject{}
	for _, d := range out.Deleted {
		got[aws.ToString(d.Key)] = d
	}
	if d := got["a"]; aws.ToString(d.VersionId) != v1 || aws.ToBool(d.DeleteMarker) {
		t.Errorf("version of a: %+v", d)
	}
	if d := got["b"]; !aws.ToBool(d.DeleteMarker) || aws.ToString(d.DeleteMarkerVersionId) == "" || d.VersionId != nil {
		t.Errorf("b: %+v, want a new delete marker", d)
	}
	if d := got["c"]; aws.ToString(d.VersionId) != marker || !aws.ToBool(d.DeleteMarker) || aws.ToString(d.DeleteMarkerVersionId) != marker {
		t.Errorf("delete marker of c: %+v", d)
	}
	if vs, err := e.db.KeyVersions("data", "c"); err != nil || len(vs) != 0 {
		t.Errorf("index versions of c after its marker was removed: %v, %v", vs, err)
	}
	if vs, err := e.db.KeyVersions("data", "b"); err != nil || len(vs) != 2 || !vs[0].IsDeleteMarker {
		t.Errorf("index versions of b: %+v, %v", vs, err)
	}
}

// Versions created and removed concurrently leave the index as the
// backend has them.
func TestConcurrentVersionsMatchTheBackend(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 10 {
				out, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String("k"),
					Body: strings.NewReader(fmt.Sprint(w, i))})
				if err != nil {
					t.Error(err)
					return
				}
				if i%2 == 0 {
					if _, err := e.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("data"), Key: aws.String("k"), VersionId: out.VersionId}); err != nil {
						t.Error(err)
					}
				}
				if i%3 == 0 {
					if _, err := e.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("data"), Key: aws.String("k")}); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	listed, err := e.direct.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("ring")})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	latest := ""
	for _, v := range listed.Versions {
		want = append(want, aws.ToString(v.VersionId))
		if aws.ToBool(v.IsLatest) {
			latest = aws.ToString(v.VersionId)
		}
	}
	for _, m := range listed.DeleteMarkers {
		want = append(want, aws.ToString(m.VersionId))
		if aws.ToBool(m.IsLatest) {
			latest = aws.ToString(m.VersionId)
		}
	}
	vs, err := e.db.KeyVersions("data", "k")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.VersionID)
	}
	if len(vs) > 0 && vs[0].VersionID != latest {
		t.Errorf("latest version in the index %s, on the backend %s", vs[0].VersionID, latest)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("index versions %v, backend %v", got, want)
	}
}

func TestOverlaps(t *testing.T) {
	var o overlaps
	// Alone: no overlap.
	end := o.begin("b", "k")
	if end() {
		t.Error("a write alone reported an overlap")
	}
	// Two at once, and another key alongside: both of k overlap, the
	// other key's write does not.
	endA := o.begin("b", "k")
	endOther := o.begin("b", "other")
	endB := o.begin("b", "k")
	if endA() != true || endOther() != false || endB() != true {
		t.Error("overlapping writes of one key not both reported")
	}
	// The busy stretch ended: a new write is alone again.
	if o.begin("b", "k")() {
		t.Error("a write after the others ended reported an overlap")
	}
	if len(o.busy) != 0 {
		t.Errorf("keys left busy: %v", o.busy)
	}
}
