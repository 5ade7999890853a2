package gateway

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestMultipart(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "ring")
	parts := [][]byte{bytes.Repeat([]byte("a"), 5<<20), []byte("tail")}
	up, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String("data"), Key: aws.String("big"),
		ContentType: aws.String("application/x-big"), Metadata: map[string]string{"kind": "multi"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var done []s3types.CompletedPart
	for i, p := range parts {
		out, err := e.s3.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String("data"), Key: aws.String("big"), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p),
		})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, s3types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	// A part whose digest does not match is refused.
	sum := md5.Sum([]byte("other"))
	_, err = e.s3.UploadPart(ctx, &s3.UploadPartInput{
		Bucket: aws.String("data"), Key: aws.String("big"), UploadId: up.UploadId,
		PartNumber: aws.Int32(3), Body: strings.NewReader("payload"),
		ContentMD5: aws.String(base64.StdEncoding.EncodeToString(sum[:])),
	})
	wantS3Code(t, err, "BadDigest")

	out, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String("data"), Key: aws.String("big"), UploadId: up.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The gateway answers with the backend's ETag, whatever its form
	// (the embedded backend gives multipart objects an MD5 ETag).
	etag := aws.ToString(out.ETag)
	if !strings.HasPrefix(etag, `"`) || aws.ToString(out.VersionId) == "" {
		t.Fatalf("complete answered etag %q version %q", etag, aws.ToString(out.VersionId))
	}
	head, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(head.ETag) != etag || aws.ToInt64(head.ContentLength) != 5<<20+4 ||
		aws.ToString(head.ContentType) != "application/x-big" || head.Metadata["kind"] != "multi" {
		t.Errorf("HEAD = etag %q length %d type %q meta %v", aws.ToString(head.ETag), aws.ToInt64(head.ContentLength), aws.ToString(head.ContentType), head.Metadata)
	}
	get, body := e.get("data", "big", func(in *s3.GetObjectInput) { in.IfMatch = aws.String(etag) })
	if aws.ToString(get.ETag) != etag || body != string(parts[0])+string(parts[1]) {
		t.Errorf("GET = etag %q, %d bytes", aws.ToString(get.ETag), len(body))
	}
	list, err := e.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("data")})
	if err != nil || len(list.Contents) != 1 || aws.ToString(list.Contents[0].ETag) != etag {
		t.Errorf("listing = %+v, %v", list.Contents, err)
	}
}

func TestMultipartAbort(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "ring")
	up, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("data"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.UploadPart(ctx, &s3.UploadPartInput{
		Bucket: aws.String("data"), Key: aws.String("k"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("part"),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("data"), Key: aws.String("k"), UploadId: up.UploadId}); err != nil {
		t.Fatal(err)
	}
	_, err = e.s3.UploadPart(ctx, &s3.UploadPartInput{
		Bucket: aws.String("data"), Key: aws.String("k"), UploadId: up.UploadId,
		PartNumber: aws.Int32(2), Body: strings.NewReader("part"),
	})
	wantS3Code(t, err, "NoSuchUpload")
	if keys := e.backendKeys("ring"); len(keys) != 0 {
		t.Errorf("backend keys after abort = %v", keys)
	}
}

// TestMultipartETagRoundTrip gives an object the ETag a multipart upload
// gets on S3 ("<md5 of the part md5s>-<parts>"), which is no hex MD5, and
// checks that every answer shows it and every condition compares it as it
// is.
func TestMultipartETagRoundTrip(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "ring")
	e.put("data", "k", "body")
	v, err := e.db.Latest("data", "k")
	if err != nil {
		t.Fatal(err)
	}
	const etag = `"d41d8cd98f00b204e9800998ecf8427e-3"`
	v.ETag = etag
	if err := e.db.RecordVersion("data", v); err != nil {
		t.Fatal(err)
	}
	bucket, key := aws.String("data"), aws.String("k")

	head, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: key, IfMatch: aws.String(etag)})
	if err != nil || aws.ToString(head.ETag) != etag {
		t.Errorf("HEAD If-Match = %v, %v", head, err)
	}
	get, body := e.get("data", "k", func(in *s3.GetObjectInput) { in.IfMatch = aws.String(etag) })
	if aws.ToString(get.ETag) != etag || body != "body" {
		t.Errorf("GET If-Match = %q %q", aws.ToString(get.ETag), body)
	}
	_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: key, IfNoneMatch: aws.String(etag)})
	if httpStatusOf(err) != 304 {
		t.Errorf("GET If-None-Match = %v, want 304", err)
	}
	attrs, err := e.s3.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: bucket, Key: key,
		ObjectAttributes: []s3types.ObjectAttributes{s3types.ObjectAttributesEtag, s3types.ObjectAttributesObjectParts, s3types.ObjectAttributesObjectSize}})
	if err != nil || aws.ToString(attrs.ETag) != strings.Trim(etag, `"`) || aws.ToInt64(attrs.ObjectSize) != 4 ||
		attrs.ObjectParts == nil || aws.ToInt32(attrs.ObjectParts.TotalPartsCount) != 3 {
		t.Errorf("attributes = %+v, %v", attrs, err)
	}
	list, err := e.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bucket})
	if err != nil || aws.ToString(list.Contents[0].ETag) != etag {
		t.Errorf("listed ETag = %v, %v", list.Contents, err)
	}
	versions, err := e.s3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: bucket})
	if err != nil || aws.ToString(versions.Versions[0].ETag) != etag {
		t.Errorf("version listing ETag = %v, %v", versions.Versions, err)
	}
	if _, err := e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bucket, Key: aws.String("copy"),
		CopySource: aws.String("data/k"), CopySourceIfMatch: aws.String(etag)}); err != nil {
		t.Errorf("copy with x-amz-copy-source-if-match: %v", err)
	}
	if _, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: key, Body: strings.NewReader("next"),
		IfMatch: aws.String(etag)}); err != nil {
		t.Errorf("PUT If-Match: %v", err)
	}
	_, err = e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: key, Body: strings.NewReader("lost"),
		IfMatch: aws.String(etag)})
	wantS3Code(t, err, "PreconditionFailed")
	if _, body := e.get("data", "k"); body != "next" {
		t.Errorf("body after conditional writes = %q", body)
	}
}

func TestUploadPartCopy(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "ring")
	v1 := aws.ToString(e.put("data", "src", "0123456789").VersionId)
	e.put("data", "src", "abcdefghij")
	up, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("data"), Key: aws.String("dst")})
	if err != nil {
		t.Fatal(err)
	}
	copyPart := func(source, rng, ifMatch string) (*s3.UploadPartCopyOutput, error) {
		in := &s3.UploadPartCopyInput{
			Bucket: aws.String("data"), Key: aws.String("dst"), UploadId: up.UploadId,
			PartNumber: aws.Int32(1), CopySource: aws.String(source), CopySourceRange: aws.String(rng),
		}
		if ifMatch != "" {
			in.CopySourceIfMatch = aws.String(ifMatch)
		}
		return e.s3.UploadPartCopy(ctx, in)
	}
	_, err = copyPart("data/src?versionId="+v1, "bytes=2-5", `"nomatch"`)
	wantS3Code(t, err, "PreconditionFailed")
	out, err := copyPart("data/src?versionId="+v1, "bytes=2-5", md5ETag("0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String("data"), Key: aws.String("dst"), UploadId: up.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{
			{ETag: out.CopyPartResult.ETag, PartNumber: aws.Int32(1)}}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, body := e.get("data", "dst"); body != "2345" {
		t.Errorf("copied part = %q, want 2345 from the first version", body)
	}
}

// A bucket with no upload in progress lists none, rather than answering
// NoSuchUpload as gofakes3 does.
func TestListUploadsEmpty(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	out, err := e.s3.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String("data")})
	if err != nil {
		t.Fatalf("list uploads of a bucket with none: %v", err)
	}
	if len(out.Uploads) != 0 {
		t.Fatalf("uploads = %+v, want none", out.Uploads)
	}
}
