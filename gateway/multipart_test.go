package gateway

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
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
	_, err = e.parts("data", "k", aws.ToString(up.UploadId))
	wantS3Code(t, err, "NoSuchUpload")
	_, err = e.s3.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("data"), Key: aws.String("k"), UploadId: up.UploadId})
	wantS3Code(t, err, "NoSuchUpload")
	if got := e.uploads("data"); len(got) != 0 {
		t.Errorf("uploads after abort = %q", got)
	}
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
	first := strings.Repeat("a", 5<<20)
	uploadParts(t, e.s3, "data", "k", first, "body")
	v, err := e.db.Latest("data", "k")
	if err != nil {
		t.Fatal(err)
	}
	etag := v.ETag
	if !strings.HasSuffix(etag, `-2"`) {
		t.Fatalf("ETag of a two-part upload: %s", etag)
	}
	bucket, key := aws.String("data"), aws.String("k")

	head, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: key, IfMatch: aws.String(etag)})
	if err != nil || aws.ToString(head.ETag) != etag {
		t.Errorf("HEAD If-Match = %v, %v", head, err)
	}
	get, body := e.get("data", "k", func(in *s3.GetObjectInput) { in.IfMatch = aws.String(etag) })
	if aws.ToString(get.ETag) != etag || body != first+"body" {
		t.Errorf("GET If-Match = %q %q", aws.ToString(get.ETag), body)
	}
	_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: key, IfNoneMatch: aws.String(etag)})
	if httpStatusOf(err) != 304 {
		t.Errorf("GET If-None-Match = %v, want 304", err)
	}
	attrs, err := e.s3.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: bucket, Key: key,
		ObjectAttributes: []s3types.ObjectAttributes{s3types.ObjectAttributesEtag, s3types.ObjectAttributesObjectParts, s3types.ObjectAttributesObjectSize}})
	if err != nil || aws.ToString(attrs.ETag) != strings.Trim(etag, `"`) || aws.ToInt64(attrs.ObjectSize) != 5<<20+4 ||
		attrs.ObjectParts == nil || aws.ToInt32(attrs.ObjectParts.TotalPartsCount) != 2 {
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

// rawSigned sends a request signed with the client's keys, its body as it
// is (the SDK would not send a malformed document), and returns the answer
// with its body read.
func (e *s3Env) rawSigned(method, target, body string, header map[string]string) (*http.Response, string) {
	e.t.Helper()
	return e.sendSigned(method, target, []byte(body), []byte(body), header)
}

// sendSigned sends body signed with the client's keys and the payload hash
// of signed, and returns the answer with its body read.
func (e *s3Env) sendSigned(method, target string, body, signed []byte, header map[string]string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+target, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256(signed)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds := aws.Credentials{AccessKeyID: clientAccess, SecretAccessKey: clientSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, "s3", "us-east-1", time.Now()); err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, string(b)
}

// documentCode is the Code of an S3 error document.
func documentCode(body string) string {
	var doc struct{ Code string }
	_ = xml.Unmarshal([]byte(body), &doc)
	return doc.Code
}

// startUpload begins an upload through the gateway.
func (e *s3Env) startUpload(bucket, key string) string {
	e.t.Helper()
	up, err := e.s3.CreateMultipartUpload(context.Background(), &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		e.t.Fatalf("start an upload of %s/%s: %v", bucket, key, err)
	}
	return aws.ToString(up.UploadId)
}

// uploadPart uploads one part through the gateway and returns its ETag.
func (e *s3Env) uploadPart(bucket, key, id string, n int32, body []byte) string {
	e.t.Helper()
	out, err := e.s3.UploadPart(context.Background(), &s3.UploadPartInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(id),
		PartNumber: aws.Int32(n), Body: bytes.NewReader(body),
	})
	if err != nil {
		e.t.Fatalf("upload part %d of %s/%s: %v", n, bucket, key, err)
	}
	return aws.ToString(out.ETag)
}

// uploads lists a bucket's uploads in progress through the gateway, as
// "key id" lines.
func (e *s3Env) uploads(bucket string) []string {
	e.t.Helper()
	out, err := e.s3.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		e.t.Fatalf("list the uploads of %s: %v", bucket, err)
	}
	var lines []string
	for _, u := range out.Uploads {
		lines = append(lines, aws.ToString(u.Key)+" "+aws.ToString(u.UploadId))
	}
	return lines
}

// parts lists an upload's parts through the gateway, as "number etag size"
// lines.
func (e *s3Env) parts(bucket, key, id string) ([]string, error) {
	out, err := e.s3.ListParts(context.Background(), &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(id)})
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, p := range out.Parts {
		lines = append(lines, fmt.Sprintf("%d %s %d", aws.ToInt32(p.PartNumber), aws.ToString(p.ETag), aws.ToInt64(p.Size)))
	}
	return lines, nil
}

// The gateway keeps nothing of an upload: one begun before a restart is
// listed, its parts too, and it is continued and completed after it.
func TestMultipartAcrossRestart(t *testing.T) {
	tests := []struct {
		name, location, backendBucket, backendKey string
	}{
		{"no prefix", "ring", "ring", "big"},
		{"prefix", "shared", "shared", "data/big"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newS3EnvIn(t, t.TempDir())
			ctx := context.Background()
			e.createBucket("data", tt.location)
			up, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
				Bucket: aws.String("data"), Key: aws.String("big"),
				ContentType: aws.String("application/x-big"), Metadata: map[string]string{"kind": "restarted"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(up.Bucket) != "data" || aws.ToString(up.Key) != "big" {
				t.Errorf("create answered bucket %q key %q, want the gateway's", aws.ToString(up.Bucket), aws.ToString(up.Key))
			}
			id := aws.ToString(up.UploadId)
			p1, p2 := bytes.Repeat([]byte("a"), 5<<20), []byte("tail")
			e1 := e.uploadPart("data", "big", id, 1, p1)

			e.restart()

			if got, want := e.uploads("data"), []string{"big " + id}; !slices.Equal(got, want) {
				t.Fatalf("uploads after the restart = %q, want %q", got, want)
			}
			parts, err := e.parts("data", "big", id)
			if want := []string{fmt.Sprintf("1 %s %d", e1, len(p1))}; err != nil || !slices.Equal(parts, want) {
				t.Fatalf("parts after the restart = %q, %v, want %q", parts, err, want)
			}
			e2 := e.uploadPart("data", "big", id, 2, p2)
			out, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
				Bucket: aws.String("data"), Key: aws.String("big"), UploadId: aws.String(id),
				MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{
					{PartNumber: aws.Int32(1), ETag: aws.String(e1)}, {PartNumber: aws.Int32(2), ETag: aws.String(e2)}}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(out.Bucket) != "data" || aws.ToString(out.Key) != "big" || aws.ToString(out.VersionId) == "" ||
				!strings.HasSuffix(aws.ToString(out.Location), "/data/big") {
				t.Errorf("complete answered %+v", out)
			}
			head, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("big")})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToInt64(head.ContentLength) != int64(len(p1)+len(p2)) || aws.ToString(head.ContentType) != "application/x-big" ||
				head.Metadata["kind"] != "restarted" || aws.ToString(head.VersionId) != aws.ToString(out.VersionId) {
				t.Errorf("HEAD = length %d type %q meta %v version %q", aws.ToInt64(head.ContentLength),
					aws.ToString(head.ContentType), head.Metadata, aws.ToString(head.VersionId))
			}
			if _, body := e.get("data", "big"); body != string(p1)+string(p2) {
				t.Errorf("GET gave %d bytes, want the %d uploaded", len(body), len(p1)+len(p2))
			}
			if _, body, err := e.directGet(tt.backendBucket, tt.backendKey); err != nil || len(body) != len(p1)+len(p2) {
				t.Errorf("backend %s/%s: %d bytes, %v", tt.backendBucket, tt.backendKey, len(body), err)
			}
			if got := e.uploads("data"); len(got) != 0 {
				t.Errorf("uploads after completion = %q", got)
			}
		})
	}
}

// ListMultipartUploads shows the client's keys, never the backend's, in
// both kinds of location, with S3's prefix, delimiter and paging.
func TestListUploadsKeys(t *testing.T) {
	locations := []struct {
		name, location, backendPrefix string
	}{
		{"no prefix", "ring", ""},
		{"prefix", "shared", "data/"},
	}
	queries := []struct {
		name         string
		in           s3.ListMultipartUploadsInput
		wantKeys     []string
		wantPrefixes []string
	}{
		{"all", s3.ListMultipartUploadsInput{}, []string{"a/1", "a/2", "b", "b", "c/d/e"}, nil},
		{"prefix", s3.ListMultipartUploadsInput{Prefix: aws.String("a/")}, []string{"a/1", "a/2"}, nil},
		{"delimiter", s3.ListMultipartUploadsInput{Delimiter: aws.String("/")}, []string{"b", "b"}, []string{"a/", "c/"}},
		{"prefix and delimiter", s3.ListMultipartUploadsInput{Prefix: aws.String("c/"), Delimiter: aws.String("/")}, nil, []string{"c/d/"}},
		{"key marker", s3.ListMultipartUploadsInput{KeyMarker: aws.String("a/2")}, []string{"b", "b", "c/d/e"}, nil},
	}
	for _, loc := range locations {
		t.Run(loc.name, func(t *testing.T) {
			e := newS3Env(t)
			ctx := context.Background()
			e.createBucket("data", loc.location)
			var ids []string
			for _, key := range []string{"a/1", "a/2", "b", "b", "c/d/e"} {
				ids = append(ids, e.startUpload("data", key))
			}
			if loc.backendPrefix != "" {
				// Another bucket's upload on the same backend bucket.
				e.createBucket("other", loc.location)
				e.startUpload("other", "a/9")
				direct, err := e.direct.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(loc.location), Prefix: aws.String(loc.backendPrefix + "a/1")})
				if err != nil || len(direct.Uploads) != 1 {
					t.Fatalf("backend uploads under %sa/1: %+v, %v", loc.backendPrefix, direct, err)
				}
			}
			for _, q := range queries {
				t.Run(q.name, func(t *testing.T) {
					in := q.in
					in.Bucket = aws.String("data")
					out, err := e.s3.ListMultipartUploads(ctx, &in)
					if err != nil {
						t.Fatal(err)
					}
					var keys, prefixes []string
					for _, u := range out.Uploads {
						keys = append(keys, aws.ToString(u.Key))
					}
					for _, p := range out.CommonPrefixes {
						prefixes = append(prefixes, aws.ToString(p.Prefix))
					}
					if !slices.Equal(keys, q.wantKeys) || !slices.Equal(prefixes, q.wantPrefixes) {
						t.Errorf("keys %q prefixes %q, want %q and %q", keys, prefixes, q.wantKeys, q.wantPrefixes)
					}
					if aws.ToString(out.Bucket) != "data" || aws.ToString(out.Prefix) != aws.ToString(q.in.Prefix) {
						t.Errorf("answered bucket %q prefix %q", aws.ToString(out.Bucket), aws.ToString(out.Prefix))
					}
				})
			}
			t.Run("paging", func(t *testing.T) {
				var got []string
				in := &s3.ListMultipartUploadsInput{Bucket: aws.String("data"), MaxUploads: aws.Int32(1)}
				for page := 0; ; page++ {
					if page > 10 {
						t.Fatal("the listing does not end")
					}
					out, err := e.s3.ListMultipartUploads(ctx, in)
					if err != nil {
						t.Fatal(err)
					}
					for _, u := range out.Uploads {
						got = append(got, aws.ToString(u.UploadId))
					}
					if !aws.ToBool(out.IsTruncated) {
						break
					}
					if next := aws.ToString(out.NextKeyMarker); strings.HasPrefix(next, "data/") || next == "" {
						t.Fatalf("next key marker %q", next)
					}
					in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
				}
				if !slices.Equal(got, ids) {
					t.Errorf("paged upload IDs = %q, want %q", got, ids)
				}
			})
		})
	}
}

// An upload begun straight on the backend bucket, by a client of its own,
// is the gateway's to list, continue and complete.
func TestUploadBegunOnBackend(t *testing.T) {
	tests := []struct {
		name, location, backendKey string
	}{
		{"no prefix", "ring", "oob"},
		{"prefix", "shared", "data/oob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newS3Env(t)
			ctx := context.Background()
			e.createBucket("data", tt.location)
			up, err := e.direct.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(tt.location), Key: aws.String(tt.backendKey)})
			if err != nil {
				t.Fatal(err)
			}
			id := aws.ToString(up.UploadId)
			part, err := e.direct.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(tt.location), Key: aws.String(tt.backendKey),
				UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("hello")})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := e.uploads("data"), []string{"oob " + id}; !slices.Equal(got, want) {
				t.Fatalf("uploads = %q, want %q", got, want)
			}
			parts, err := e.parts("data", "oob", id)
			if want := []string{"1 " + aws.ToString(part.ETag) + " 5"}; err != nil || !slices.Equal(parts, want) {
				t.Fatalf("parts = %q, %v, want %q", parts, err, want)
			}
			if _, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
				Bucket: aws.String("data"), Key: aws.String("oob"), UploadId: up.UploadId,
				MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}},
			}); err != nil {
				t.Fatal(err)
			}
			if _, body := e.get("data", "oob"); body != "hello" {
				t.Errorf("GET = %q", body)
			}
		})
	}
}

// A refused multipart request changes nothing: neither the upload, its
// parts, nor the bucket.
func TestMultipartRefusals(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "shared")
	id := e.startUpload("data", "k")
	e1 := e.uploadPart("data", "k", id, 1, []byte("part one"))
	doc := func(parts ...string) string {
		return `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + strings.Join(parts, "") + `</CompleteMultipartUpload>`
	}
	part := func(n int, etag string) string {
		return fmt.Sprintf("<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", n, etag)
	}
	tests := []struct {
		name, method, target, body string
		header                     map[string]string
		wantStatus                 int
		wantCode                   string
	}{
		{"malformed XML", "POST", "/data/k?uploadId=" + id, "<CompleteMultipartUpload><Part>", nil, 400, "MalformedXML"},
		{"other document", "POST", "/data/k?uploadId=" + id, "<Delete><Object><Key>k</Key></Object></Delete>", nil, 400, "MalformedXML"},
		{"no parts", "POST", "/data/k?uploadId=" + id, doc(), nil, 400, "MalformedXML"},
		{"listed part number not a number", "POST", "/data/k?uploadId=" + id, doc("<Part><PartNumber>x</PartNumber></Part>"), nil, 400, "MalformedXML"},
		{"parts out of order", "POST", "/data/k?uploadId=" + id, doc(part(2, e1), part(1, e1)), nil, 400, "InvalidPartOrder"},
		{"part listed twice", "POST", "/data/k?uploadId=" + id, doc(part(1, e1), part(1, e1)), nil, 400, "InvalidPartOrder"},
		{"wrong part ETag", "POST", "/data/k?uploadId=" + id, doc(part(1, `"0123456789abcdef0123456789abcdef"`)), nil, 400, "InvalidPart"},
		{"part never uploaded", "POST", "/data/k?uploadId=" + id, doc(part(1, e1), part(2, e1)), nil, 400, "InvalidPart"},
		{"unknown upload", "POST", "/data/k?uploadId=nope", doc(part(1, e1)), nil, 404, "NoSuchUpload"},
		{"upload of another key", "POST", "/data/other?uploadId=" + id, doc(part(1, e1)), nil, 404, "NoSuchUpload"},
		{"empty upload ID", "PUT", "/data/k?partNumber=2&uploadId=", "data", nil, 404, "NoSuchUpload"},
		{"part number 0", "PUT", "/data/k?partNumber=0&uploadId=" + id, "data", nil, 400, "InvalidArgument"},
		{"part number 10001", "PUT", "/data/k?partNumber=10001&uploadId=" + id, "data", nil, 400, "InvalidArgument"},
		{"part number not a number", "PUT", "/data/k?partNumber=one&uploadId=" + id, "data", nil, 400, "InvalidArgument"},
		{"part of an unknown upload", "PUT", "/data/k?partNumber=1&uploadId=nope", "data", nil, 404, "NoSuchUpload"},
		{"parts of an unknown upload", "GET", "/data/k?uploadId=nope", "", nil, 404, "NoSuchUpload"},
		{"bad max-parts", "GET", "/data/k?uploadId=" + id + "&max-parts=-1", "", nil, 400, "InvalidArgument"},
		{"bad max-uploads", "GET", "/data?uploads&max-uploads=x", "", nil, 400, "InvalidArgument"},
		{"upload without a key", "POST", "/data?uploads", "", nil, 405, "MethodNotAllowed"},
		{"completion without a key", "POST", "/data?uploadId=" + id, doc(part(1, e1)), nil, 405, "MethodNotAllowed"},
		{"uploads of an unknown bucket", "GET", "/nobucket?uploads", "", nil, 404, "NoSuchBucket"},
		{"too many tags", "POST", "/data/t?uploads", "", map[string]string{"X-Amz-Tagging": "a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11"}, 400, "InvalidTag"},
		{"a tag twice", "POST", "/data/t?uploads", "", map[string]string{"X-Amz-Tagging": "a=1&a=2"}, 400, "InvalidTag"},
		{"KMS encryption", "POST", "/data/t?uploads", "", map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms"}, 501, "NotImplemented"},
		{"public ACL", "POST", "/data/t?uploads", "", map[string]string{"X-Amz-Acl": "public-read"}, 501, "NotImplemented"},
	}
	snapshot := func() string {
		parts, err := e.parts("data", "k", id)
		return fmt.Sprintf("uploads %q parts %q %v backend %q", e.uploads("data"), parts, err, e.backendKeys("shared"))
	}
	before := snapshot()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.rawSigned(tt.method, tt.target, tt.body, tt.header)
			if resp.StatusCode != tt.wantStatus || documentCode(body) != tt.wantCode {
				t.Errorf("answer %d %s, want %d %s", resp.StatusCode, body, tt.wantStatus, tt.wantCode)
			}
			if after := snapshot(); after != before {
				t.Errorf("state changed:\n%s\nto\n%s", before, after)
			}
		})
	}
}

// UploadPart answers the part's ETag and echoes the checksum its body was
// verified against; a body that fails it is refused.
func TestUploadPartAnswers(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	id := e.startUpload("data", "k")
	body := "some part"
	crc := crc32.ChecksumIEEE([]byte(body))
	sum := base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc))
	resp, _ := e.rawSigned("PUT", "/data/k?partNumber=1&uploadId="+id, body, map[string]string{"X-Amz-Checksum-Crc32": sum})
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != md5ETag(body) || resp.Header.Get("X-Amz-Checksum-Crc32") != sum {
		t.Errorf("answer %d ETag %q checksum %q, want 200 %s %s", resp.StatusCode, resp.Header.Get("ETag"),
			resp.Header.Get("X-Amz-Checksum-Crc32"), md5ETag(body), sum)
	}
	resp, answer := e.rawSigned("PUT", "/data/k?partNumber=2&uploadId="+id, "other part", map[string]string{"X-Amz-Checksum-Crc32": sum})
	if resp.StatusCode != 400 || documentCode(answer) != "BadDigest" {
		t.Errorf("a part failing its checksum: %d %s", resp.StatusCode, answer)
	}
	if parts, err := e.parts("data", "k", id); err != nil || len(parts) != 1 {
		t.Errorf("parts = %q, %v, want part 1 alone", parts, err)
	}
}

// Each multipart operation is counted under its own name, and so are the
// backend calls it makes.
func TestMultipartMetrics(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "ring")
	// Adding the location lists its uploads once, to check the backend
	// user may: that call is counted too.
	probes, _ := gather(t, e.reg, "ringside_backend_requests_total", map[string]string{"op": "ListMultipartUploads", "status": "200"})
	id := e.startUpload("data", "k")
	etag := e.uploadPart("data", "k", id, 1, []byte("body"))
	e.uploads("data")
	if _, err := e.parts("data", "k", id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String("data"), Key: aws.String("k"), UploadId: aws.String(id),
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: aws.String(etag)}}},
	}); err != nil {
		t.Fatal(err)
	}
	id2 := e.startUpload("data", "k2")
	if _, err := e.s3.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("data"), Key: aws.String("k2"), UploadId: aws.String(id2)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, op, status string
		want             float64
	}{
		{"ringside_s3_requests_total", "CreateMultipartUpload", "200", 2},
		{"ringside_s3_requests_total", "UploadPart", "200", 1},
		{"ringside_s3_requests_total", "ListMultipartUploads", "200", 1},
		{"ringside_s3_requests_total", "ListParts", "200", 1},
		{"ringside_s3_requests_total", "CompleteMultipartUpload", "200", 1},
		{"ringside_s3_requests_total", "AbortMultipartUpload", "204", 1},
		{"ringside_backend_requests_total", "ListMultipartUploads", "200", probes + 1},
		// The client's ListParts, and the completion's, which learns the
		// part sizes.
		{"ringside_backend_requests_total", "ListParts", "200", 2},
		{"ringside_backend_requests_total", "UploadPart", "200", 1},
		{"ringside_backend_requests_total", "CompleteMultipartUpload", "200", 1},
	}
	for _, tt := range tests {
		got, ok := gather(t, e.reg, tt.name, map[string]string{"op": tt.op, "status": tt.status})
		if !ok || got != tt.want {
			t.Errorf("%s{op=%s,status=%s} = %v (present %v), want %v", tt.name, tt.op, tt.status, got, ok, tt.want)
		}
	}
}
