package gateway

import (
	"context"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// listFixture writes a/1 a/2 b c/1 d into bucket data.
func listFixture(t *testing.T) *s3Env {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	for _, k := range []string{"a/1", "a/2", "b", "c/1", "d"} {
		e.put("data", k, "x")
	}
	return e
}

func TestListV2DelimiterPaging(t *testing.T) {
	e := listFixture(t)
	ctx := context.Background()
	var pages [][]string
	in := &s3.ListObjectsV2Input{Bucket: aws.String("data"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1)}
	for {
		out, err := e.s3.ListObjectsV2(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var page []string
		for _, p := range out.CommonPrefixes {
			page = append(page, aws.ToString(p.Prefix))
		}
		for _, o := range out.Contents {
			page = append(page, aws.ToString(o.Key))
		}
		pages = append(pages, page)
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		if len(pages) > 10 {
			t.Fatal("listing does not end")
		}
		in.ContinuationToken = out.NextContinuationToken
	}
	if want := [][]string{{"a/"}, {"b"}, {"c/"}, {"d"}}; !reflect.DeepEqual(pages, want) {
		t.Errorf("pages = %v, want %v", pages, want)
	}
	out, err := e.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("data"), Prefix: aws.String("a/")})
	if err != nil || len(out.Contents) != 2 || aws.ToString(out.Contents[1].Key) != "a/2" {
		t.Errorf("prefix listing = %v, %v", out, err)
	}
	if o := out.Contents[0]; aws.ToString(o.ETag) != md5ETag("x") || aws.ToInt64(o.Size) != 1 || o.LastModified == nil {
		t.Errorf("listed object = %+v", o)
	}
}

func TestListV1MarkerPaging(t *testing.T) {
	e := listFixture(t)
	ctx := context.Background()
	var keys []string
	in := &s3.ListObjectsInput{Bucket: aws.String("data"), MaxKeys: aws.Int32(2), Delimiter: aws.String("/")}
	for i := 0; ; i++ {
		out, err := e.s3.ListObjects(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.CommonPrefixes {
			keys = append(keys, aws.ToString(p.Prefix))
		}
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		if !aws.ToBool(out.IsTruncated) || i > 10 {
			break
		}
		in.Marker = out.NextMarker
	}
	if want := []string{"a/", "b", "c/", "d"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("keys = %v, want %v", keys, want)
	}
}

func TestListVersionsPaging(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "ring")
	var want []string
	for _, k := range []string{"a", "b"} {
		var ids []string
		for i := 0; i < 3; i++ {
			ids = append(ids, aws.ToString(e.put("data", k, "x").VersionId))
		}
		for i := len(ids) - 1; i >= 0; i-- {
			want = append(want, k+"@"+ids[i])
		}
	}
	var got []string
	in := &s3.ListObjectVersionsInput{Bucket: aws.String("data"), MaxKeys: aws.Int32(2)}
	for i := 0; ; i++ {
		out, err := e.s3.ListObjectVersions(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range out.Versions {
			got = append(got, aws.ToString(v.Key)+"@"+aws.ToString(v.VersionId))
		}
		if !aws.ToBool(out.IsTruncated) || i > 10 {
			break
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("versions = %v, want %v", got, want)
	}
}
