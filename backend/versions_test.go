package backend

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// entry is a listing entry in short: key, version, marker, latest.
func entry(o Object) string {
	kind := "v"
	if o.IsDeleteMarker {
		kind = "dm"
	}
	latest := ""
	if o.IsLatest {
		latest = " latest"
	}
	return fmt.Sprintf("%s %s %s%s", o.Key, kind, o.VersionID, latest)
}

func TestListVersionsOrderAndPaging(t *testing.T) {
	c := newTestClient(t)
	ctx := ctxT(t)
	del := func(key string) string {
		t.Helper()
		r, err := c.DeleteObject(ctx, key, "")
		if err != nil || !r.IsDeleteMarker {
			t.Fatalf("delete %s: %+v, %v", key, r, err)
		}
		return r.VersionID
	}
	a1 := put(t, c, "a", []byte("a1"), nil).VersionID
	b1 := put(t, c, "b b", []byte("b1"), nil).VersionID
	aDM := del("a")
	a3 := put(t, c, "a", []byte("a3"), nil).VersionID
	bDM := del("b b")
	c1 := put(t, c, "c+1", []byte("c1"), nil).VersionID
	want := []string{
		"a v " + a3 + " latest", "a dm " + aDM, "a v " + a1,
		"b b dm " + bDM + " latest", "b b v " + b1,
		"c+1 v " + c1 + " latest",
	}
	for _, size := range []int{0, 1, 2, 4} {
		t.Run(fmt.Sprintf("pages of %d", size), func(t *testing.T) {
			var got []string
			for _, o := range versionsOf(t, c, "", size) {
				got = append(got, entry(o))
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("listing:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}

	page, err := c.ListVersions(ctx, "b", "", "", 0)
	if err != nil || len(page.Versions) != 2 || page.Versions[0].Key != "b b" || page.IsTruncated {
		t.Fatalf("prefix b: %+v, %v", page, err)
	}
	first, err := c.ListVersions(ctx, "", "", "", 2)
	if err != nil || !first.IsTruncated || first.NextKeyMarker != "a" || first.NextVersionIDMarker != aDM {
		t.Fatalf("first page of 2: %+v, %v", first, err)
	}
	// A key marker alone starts after every version of that key.
	if page, err := c.ListVersions(ctx, "", "a", "", 0); err != nil || entry(page.Versions[0]) != want[3] {
		t.Fatalf("after key a: %+v, %v", page, err)
	}
	// The size of a version and its ETag come through.
	if v := first.Versions[0]; v.Size != 2 || v.ETag == "" || v.LastModified.IsZero() {
		t.Fatalf("version fields: %+v", v)
	}
}

func TestListVersionsErrors(t *testing.T) {
	c := newTestClient(t, func(cfg *Config) { cfg.Bucket = "nobucket" })
	_, err := c.ListVersions(context.Background(), "", "", "", 0)
	wantCode(t, err, "NoSuchBucket", 404)
}

func TestDecodeVersions(t *testing.T) {
	// As S3 sends it: entries interleaved, names URL-encoded, EncodingType
	// last, ETags with and without quotes.
	page, err := decodeVersions(strings.NewReader(awsListing))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range page.Versions {
		got = append(got, fmt.Sprintf("%s|%s|%t|%t|%s|%d|%s", o.Key, o.VersionID, o.IsDeleteMarker, o.IsLatest, o.ETag, o.Size, o.LastModified.Format("15:04:05.000")))
	}
	want := []string{
		`a b c|v/3+|false|true|"e1"|7|03:04:05.678`,
		`a b c|v2|true|false||0|03:04:04.000`,
		`k+2|null|false|true|"e3"|0|03:04:03.000`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("decoded:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !page.IsTruncated || page.NextKeyMarker != "k+2" || page.NextVersionIDMarker != "null" {
		t.Fatalf("page markers: %+v", page)
	}

	if _, err := decodeVersions(strings.NewReader("<ListVersionsResult><Version><Key>")); err == nil {
		t.Fatal("a truncated document decoded")
	}
}

func TestUnversionedBucket(t *testing.T) {
	srv := startBackend(t)
	ctx := ctxT(t)
	raw := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(testAccessKey, testSecretKey, "")})
	if _, err := raw.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("plain")}); err != nil {
		t.Fatal(err)
	}
	c := clientFor(t, srv.URL(), func(cfg *Config) { cfg.Bucket = "plain" })
	if state, err := c.Versioning(ctx); err != nil || state != "" {
		t.Fatalf("versioning of a plain bucket: %q, %v", state, err)
	}
	res, err := c.PutObject(ctx, "k", strings.NewReader("x"), 1, nil, PutOptions{})
	if err != nil || res.VersionID != "null" {
		t.Fatalf("put: %+v, %v", res, err)
	}
	if got, r := get(t, c, "k", "null"); string(got) != "x" || r.VersionID != "null" {
		t.Fatalf("GET of the null version: %q as %q", got, r.VersionID)
	}
	if vs := versionsOf(t, c, "", 0); len(vs) != 1 || vs[0].VersionID != "null" || !vs[0].IsLatest {
		t.Fatalf("listing: %+v", vs)
	}
	if r, err := c.DeleteObject(ctx, "k", "null"); err != nil || r.IsDeleteMarker {
		t.Fatalf("delete of the null version: %+v, %v", r, err)
	}
	_, err = c.HeadObject(ctx, "k", "")
	wantCode(t, err, "NoSuchKey", 404)
}
