package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Conditional writes, parts of multipart objects and multipart checksums,
// through ringside in front of each backend, with aws-cli and the Go SDK.
func TestConditionsPartsChecksums(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, be *Backend) {
		gw := startGateway(t, GatewayOptions{})
		target := be.NewBucket(t, "cond", true)
		gw.AddLocation("ring", be, target, true)
		ctx := context.Background()
		if _, err := gw.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("cond"),
			CreateBucketConfiguration: locationConfig("ring")}); err != nil {
			t.Fatal(err)
		}
		t.Run("put-if-absent", func(t *testing.T) { putIfAbsent(t, gw, be, target) })
		t.Run("part-numbers", func(t *testing.T) { partNumbers(t, gw, be, target) })
		if be.Kind == "minio" {
			// The embedded backend keeps no checksums: MinIO checks them.
			t.Run("multipart-checksums", func(t *testing.T) { multipartChecksums(t, gw) })
		}
	})
}

// putIfAbsentScript is a lock taken twice with If-None-Match: * by boto3.
// Debian's boto3 (1.26) and aws-cli (2.9) predate the IfNoneMatch
// parameter of PutObject, so the header is added as the request is
// signed, as any client of that age would have to.
const putIfAbsentScript = `
import os, boto3, botocore
c = boto3.client("s3", endpoint_url=os.environ["E2E_ENDPOINT"])
c.meta.events.register("before-sign.s3.PutObject",
    lambda request, **kw: request.headers.add_header("If-None-Match", "*"))
first = c.put_object(Bucket="cond", Key="lock", Body=b"owner=a")
print("first", first["ETag"])
try:
    c.put_object(Bucket="cond", Key="lock", Body=b"owner=z")
    print("second ok")
except botocore.exceptions.ClientError as e:
    print("second", e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
`

// putIfAbsent: If-None-Match: * writes a new key once (boto3); the SDK's
// If-Match holds for the current ETag only, and not for the ETag of a
// version replaced on the backend behind ringside's back.
func putIfAbsent(t *testing.T, gw *Gateway, be *Backend, target string) {
	ctx := context.Background()
	out := runBoto3(t, gw.S3URL, gwAccessKey, gwSecretKey, putIfAbsentScript)
	if !strings.Contains(out, "second PreconditionFailed 412") {
		t.Fatalf("put-if-absent twice with boto3:\n%s", out)
	}
	var etag string
	for _, line := range strings.Split(out, "\n") {
		if e, ok := strings.CutPrefix(line, "first "); ok {
			etag = e
		}
	}
	if etag == "" {
		t.Fatalf("the first put-if-absent answered no ETag:\n%s", out)
	}
	_, err := gw.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("new"),
		Body: strings.NewReader("x"), IfNoneMatch: aws.String("*")})
	if err != nil {
		t.Fatalf("SDK PutObject If-None-Match * of a new key: %v", err)
	}
	_, err = gw.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("new"),
		Body: strings.NewReader("y"), IfNoneMatch: aws.String("*")})
	if apiCode(err) != "PreconditionFailed" {
		t.Fatalf("SDK PutObject If-None-Match * of an existing key: %v", err)
	}
	second, err := gw.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("lock"),
		Body: strings.NewReader("owner=b"), IfMatch: aws.String(etag)})
	if err != nil {
		t.Fatalf("PutObject If-Match the current ETag: %v", err)
	}
	if _, err := be.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(target), Key: aws.String("lock"),
		Body: strings.NewReader("owner=out-of-band")}); err != nil {
		t.Fatal(err)
	}
	// Whether or not the index has seen the out-of-band write yet, the
	// condition fails: in the index, or on the backend as it writes.
	_, err = gw.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("lock"),
		Body: strings.NewReader("owner=c"), IfMatch: second.ETag})
	if code := apiCode(err); code != "PreconditionFailed" {
		t.Errorf("If-Match of a version replaced out of band: %v", err)
	}
	got, err := be.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(target), Key: aws.String("lock")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(body) != "owner=out-of-band" {
		t.Errorf("backend has %q, want the out-of-band write kept", body)
	}
}

// partNumbers reads parts of a multipart object completed through ringside
// and of one completed on the backend directly.
func partNumbers(t *testing.T, gw *Gateway, be *Backend, target string) {
	ctx := context.Background()
	parts := [][]byte{bytes.Repeat([]byte("a"), 5<<20), []byte("tail")}
	upload(t, gw.S3, "cond", "mp", parts, "")
	upload(t, be.S3, target, "oob", parts, "")
	for _, key := range []string{"mp", "oob"} {
		for n, want := range parts {
			out, err := gw.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("cond"), Key: aws.String(key), PartNumber: aws.Int32(int32(n + 1))})
			if err != nil {
				t.Fatalf("GET %s part %d: %v", key, n+1, err)
			}
			body, _ := io.ReadAll(out.Body)
			out.Body.Close()
			if !bytes.Equal(body, want) || aws.ToInt32(out.PartsCount) != 2 || out.ContentRange == nil {
				t.Errorf("GET %s part %d: %d bytes, parts count %d, range %q", key, n+1, len(body), aws.ToInt32(out.PartsCount), aws.ToString(out.ContentRange))
			}
		}
		_, err := gw.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("cond"), Key: aws.String(key), PartNumber: aws.Int32(3)})
		var re interface{ HTTPStatusCode() int }
		if !errors.As(err, &re) || re.HTTPStatusCode() != 416 {
			t.Errorf("HEAD %s part 3 of 2: %v, want 416", key, err)
		}
	}
}

// multipartChecksums: a part checksum that does not match at completion is
// refused by the backend and the refusal relayed; a full-object CRC32 is
// returned at completion.
func multipartChecksums(t *testing.T, gw *Gateway) {
	ctx := context.Background()
	parts := [][]byte{bytes.Repeat([]byte("c"), 5<<20), []byte("last")}
	up, err := gw.S3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("cond"), Key: aws.String("sum"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumType: types.ChecksumTypeComposite})
	if err != nil {
		t.Fatal(err)
	}
	var done []types.CompletedPart
	for i, p := range parts {
		sum := sha256.Sum256(p)
		out, err := gw.S3.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("cond"), Key: aws.String("sum"), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p), ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sum[:]))})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag, ChecksumSHA256: out.ChecksumSHA256})
	}
	wrong := sha256.Sum256([]byte("not the part"))
	bad := append([]types.CompletedPart(nil), done...)
	bad[0].ChecksumSHA256 = aws.String(base64.StdEncoding.EncodeToString(wrong[:]))
	_, err = gw.S3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("cond"), Key: aws.String("sum"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: bad}})
	if code := apiCode(err); code != "InvalidPart" {
		t.Errorf("completion with a wrong part checksum: %v, want InvalidPart", err)
	}
	fin, err := gw.S3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("cond"), Key: aws.String("sum"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	if err != nil {
		t.Fatalf("completion with the right checksums: %v", err)
	}
	if aws.ToString(fin.ChecksumSHA256) == "" {
		t.Errorf("completion answered no SHA256 checksum: %+v", fin)
	}
	id := upload(t, gw.S3, "cond", "crc", parts, types.ChecksumAlgorithmCrc32)
	if id == "" {
		t.Errorf("a full-object CRC32 upload answered no CRC32")
	}
}

// upload makes key a multipart object of parts through c, with the
// checksum algorithm given (full-object type) if any, and returns the
// final checksum the completion answered.
func upload(t *testing.T, c *s3.Client, bucket, key string, parts [][]byte, alg types.ChecksumAlgorithm) string {
	t.Helper()
	ctx := context.Background()
	in := &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if alg != "" {
		in.ChecksumAlgorithm, in.ChecksumType = alg, types.ChecksumTypeFullObject
	}
	up, err := c.CreateMultipartUpload(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var done []types.CompletedPart
	for i, p := range parts {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p), ChecksumAlgorithm: alg})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
	}
	cin := &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}
	if alg != "" {
		cin.ChecksumType = types.ChecksumTypeFullObject
	}
	fin, err := c.CompleteMultipartUpload(ctx, cin)
	if err != nil {
		t.Fatalf("complete %s/%s: %v", bucket, key, err)
	}
	return aws.ToString(fin.ChecksumCRC32)
}

// apiCode is the S3 error code of err, "" when it has none.
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
