package embedded

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// uploadsPage is one ListMultipartUploads page as "key" entries and
// "prefix/" common prefixes, with its next markers.
func uploadsPage(t *testing.T, c *s3.Client, in *s3.ListMultipartUploadsInput) (entries []string, ids []string, out *s3.ListMultipartUploadsOutput) {
	t.Helper()
	out, err := c.ListMultipartUploads(context.Background(), in)
	if err != nil {
		t.Fatalf("list uploads %+v: %v", in, err)
	}
	for _, u := range out.Uploads {
		entries = append(entries, aws.ToString(u.Key))
		ids = append(ids, aws.ToString(u.UploadId))
	}
	for _, p := range out.CommonPrefixes {
		entries = append(entries, "prefix "+aws.ToString(p.Prefix))
	}
	return entries, ids, out
}

func TestListMultipartUploads(t *testing.T) {
	srv := start(t, "bkt", "empty")
	c := sdk(srv, testSecret)
	ctx := context.Background()
	ids := map[string][]string{}
	keys := []string{"a/1", "a/2", "b", "b", "c/d/e", "z"}
	for _, key := range keys {
		up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		ids[key] = append(ids[key], aws.ToString(up.UploadId))
	}
	// A completed and an aborted upload are no longer in progress.
	for _, key := range []string{"done", "gone"} {
		up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		if key == "gone" {
			if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String(key), UploadId: up.UploadId}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String(key), UploadId: up.UploadId,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}}); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name string
		in   s3.ListMultipartUploadsInput
		want []string
	}{
		{"all", s3.ListMultipartUploadsInput{}, keys},
		{"prefix", s3.ListMultipartUploadsInput{Prefix: aws.String("a/")}, []string{"a/1", "a/2"}},
		{"delimiter", s3.ListMultipartUploadsInput{Delimiter: aws.String("/")}, []string{"b", "b", "z", "prefix a/", "prefix c/"}},
		{"key marker", s3.ListMultipartUploadsInput{KeyMarker: aws.String("b")}, []string{"c/d/e", "z"}},
		{"key and upload ID markers", s3.ListMultipartUploadsInput{KeyMarker: aws.String("b"), UploadIdMarker: aws.String(ids["b"][0])}, []string{"b", "c/d/e", "z"}},
		{"upload ID marker alone is ignored", s3.ListMultipartUploadsInput{UploadIdMarker: aws.String(ids["b"][0])}, keys},
		{"common prefix as key marker", s3.ListMultipartUploadsInput{Delimiter: aws.String("/"), KeyMarker: aws.String("a/")}, []string{"b", "b", "z", "prefix c/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Bucket = aws.String("bkt")
			got, _, out := uploadsPage(t, c, &in)
			if !slices.Equal(got, tt.want) || aws.ToBool(out.IsTruncated) {
				t.Errorf("got %q (truncated %v), want %q", got, aws.ToBool(out.IsTruncated), tt.want)
			}
		})
	}

	t.Run("pages join up", func(t *testing.T) {
		for _, delimiter := range []string{"", "/"} {
			var all []string
			in := &s3.ListMultipartUploadsInput{Bucket: aws.String("bkt"), MaxUploads: aws.Int32(1), Delimiter: aws.String(delimiter)}
			for range 10 {
				got, _, out := uploadsPage(t, c, in)
				all = append(all, got...)
				if !aws.ToBool(out.IsTruncated) {
					break
				}
				in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
			}
			whole, _, _ := uploadsPage(t, c, &s3.ListMultipartUploadsInput{Bucket: aws.String("bkt"), Delimiter: aws.String(delimiter)})
			slices.Sort(whole)
			slices.Sort(all)
			if !slices.Equal(all, whole) {
				t.Errorf("delimiter %q: pages of one give %q, one page %q", delimiter, all, whole)
			}
		}
	})
	t.Run("within a key, oldest first", func(t *testing.T) {
		_, got, _ := uploadsPage(t, c, &s3.ListMultipartUploadsInput{Bucket: aws.String("bkt"), Prefix: aws.String("b")})
		if !slices.Equal(got, ids["b"]) {
			t.Errorf("upload IDs of b = %q, want %q", got, ids["b"])
		}
	})
	t.Run("a bucket without uploads", func(t *testing.T) {
		got, _, out := uploadsPage(t, c, &s3.ListMultipartUploadsInput{Bucket: aws.String("empty")})
		if len(got) != 0 || aws.ToBool(out.IsTruncated) {
			t.Errorf("got %q", got)
		}
	})
	t.Run("a missing bucket", func(t *testing.T) {
		_, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("nope")})
		if apiCode(err) != "NoSuchBucket" {
			t.Errorf("got %v", err)
		}
	})
}

func TestListParts(t *testing.T) {
	srv := start(t, "bkt")
	c := sdk(srv, testSecret)
	ctx := context.Background()
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range []int32{3, 1, 7, 1} {
		body := fmt.Sprintf("part %d, size %d", n, len(want))
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("k"), UploadId: up.UploadId,
			PartNumber: aws.Int32(n), Body: strings.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		// Part 1 uploaded again replaces the first.
		want = slices.DeleteFunc(want, func(s string) bool { return strings.HasPrefix(s, fmt.Sprintf("%d ", n)) })
		want = append(want, fmt.Sprintf("%d %s %d", n, aws.ToString(out.ETag), len(body)))
	}
	slices.Sort(want)

	list := func(in *s3.ListPartsInput) ([]string, *s3.ListPartsOutput, error) {
		out, err := c.ListParts(ctx, in)
		if err != nil {
			return nil, nil, err
		}
		var got []string
		for _, p := range out.Parts {
			got = append(got, fmt.Sprintf("%d %s %d", aws.ToInt32(p.PartNumber), aws.ToString(p.ETag), aws.ToInt64(p.Size)))
		}
		return got, out, nil
	}
	got, out, err := list(&s3.ListPartsInput{Bucket: aws.String("bkt"), Key: aws.String("k"), UploadId: up.UploadId})
	if err != nil || !slices.Equal(got, want) || aws.ToBool(out.IsTruncated) {
		t.Fatalf("parts = %q, %v, want %q", got, err, want)
	}

	var paged []string
	in := &s3.ListPartsInput{Bucket: aws.String("bkt"), Key: aws.String("k"), UploadId: up.UploadId, MaxParts: aws.Int32(2)}
	for range 5 {
		got, out, err := list(in)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, got...)
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		in.PartNumberMarker = out.NextPartNumberMarker
	}
	if !slices.Equal(paged, want) {
		t.Errorf("pages of two = %q, want %q", paged, want)
	}

	for name, in := range map[string]*s3.ListPartsInput{
		"unknown upload":        {Bucket: aws.String("bkt"), Key: aws.String("k"), UploadId: aws.String("nope")},
		"upload of another key": {Bucket: aws.String("bkt"), Key: aws.String("other"), UploadId: up.UploadId},
	} {
		if _, _, err := list(in); apiCode(err) != "NoSuchUpload" {
			t.Errorf("%s: %v, want NoSuchUpload", name, err)
		}
	}
}

// A completion is checked as S3 checks it, and a refused one leaves the
// upload as it was.
func TestCompleteChecksParts(t *testing.T) {
	srv := start(t, "bkt")
	c := sdk(srv, testSecret)
	ctx := context.Background()
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	etags := map[int32]*string{}
	for _, n := range []int32{1, 2} {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("k"), UploadId: up.UploadId,
			PartNumber: aws.Int32(n), Body: strings.NewReader(fmt.Sprint("part ", n))})
		if err != nil {
			t.Fatal(err)
		}
		etags[n] = out.ETag
	}
	complete := func(parts ...types.CompletedPart) error {
		_, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("k"),
			UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		return err
	}
	part := func(n int32, etag *string) types.CompletedPart {
		return types.CompletedPart{PartNumber: aws.Int32(n), ETag: etag}
	}
	tests := []struct {
		name  string
		parts []types.CompletedPart
		want  string
	}{
		{"out of order", []types.CompletedPart{part(2, etags[2]), part(1, etags[1])}, "InvalidPartOrder"},
		{"wrong ETag", []types.CompletedPart{part(1, etags[2])}, "InvalidPart"},
		{"missing part", []types.CompletedPart{part(1, etags[1]), part(3, etags[2])}, "InvalidPart"},
	}
	for _, tt := range tests {
		if err := complete(tt.parts...); apiCode(err) != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
	if err := complete(part(1, etags[1]), part(2, etags[2])); err != nil {
		t.Fatalf("complete after refusals: %v", err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil || string(body) != "part 1part 2" {
		t.Errorf("completed object = %q, %v", body, err)
	}
	if _, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("bkt"), Key: aws.String("k"), UploadId: up.UploadId}); apiCode(err) != "NoSuchUpload" {
		t.Errorf("parts of a completed upload: %v", err)
	}
}
