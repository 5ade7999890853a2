package e2e

// The matrix's other clients: s3cmd, rclone, a boto3 script, and
// aws-sdk-go-v2 left at its default checksum settings.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/ringside/ringside/test/testenv"
)

func locationConfig(loc string) *types.CreateBucketConfiguration {
	return &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(loc)}
}

// matrixS3Cmd drives s3cmd: put (single and multipart), get, ls, del.
func matrixS3Cmd(t *testing.T, m *matrixEnv) {
	host := strings.TrimPrefix(strings.TrimPrefix(m.gw.S3URL, "https://"), "http://")
	c := newS3Cmd(t, "http://"+host, gwAccessKey, gwSecretKey)
	var tlsArgs []string
	if m.ca != "" {
		tlsArgs = []string{"--ssl", "--ca-certs=" + m.ca, "--check-certificate", "--check-hostname"}
	}
	run := func(args ...string) string {
		t.Helper()
		return c.Must(append(slices.Clone(tlsArgs), args...)...)
	}
	dir := t.TempDir()
	s3p := "s3://" + m.bucket + "/s3cmd/"
	small, big := payload(501, 2500), payload(502, 12*mib+11)
	run("put", writeFile(t, dir, "small.bin", small), s3p+"small.bin")
	run("put", "--multipart-chunk-size-mb=5", writeFile(t, dir, "big.bin", big), s3p+"big.bin")
	m.checkStored(t, "s3cmd/small.bin", small)
	m.checkStored(t, "s3cmd/big.bin", big)
	if h, err := m.be.S3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(m.beBucket), Key: aws.String("s3cmd/big.bin")}); err != nil {
		t.Errorf("HEAD s3cmd/big.bin on the backend: %v", err)
	} else if etag := aws.ToString(h.ETag); !strings.HasSuffix(strings.Trim(etag, `"`), "-3") && m.be.Kind == "minio" {
		t.Errorf("s3cmd/big.bin has ETag %s on the backend, want a 3-part multipart upload's", etag)
	}
	run("get", s3p+"small.bin", filepath.Join(dir, "small.out"))
	run("get", s3p+"big.bin", filepath.Join(dir, "big.out"))
	checkFile(t, "s3cmd get of the small object", filepath.Join(dir, "small.out"), small)
	checkFile(t, "s3cmd get of the multipart object", filepath.Join(dir, "big.out"), big)
	ls := run("ls", s3p)
	for name, data := range map[string][]byte{"small.bin": small, "big.bin": big} {
		if !lsShows(ls, s3p+name, len(data)) {
			t.Errorf("s3cmd ls does not show %s%s with %d bytes:\n%s", s3p, name, len(data), ls)
		}
	}
	run("del", s3p+"small.bin")
	m.checkGone(t, "s3cmd/small.bin")
}

// lsShows reports whether a listing has a line ending with size and url.
func lsShows(ls, url string, size int) bool {
	for _, line := range strings.Split(ls, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[len(f)-1] == url && f[len(f)-2] == fmt.Sprint(size) {
			return true
		}
	}
	return false
}

// matrixRclone drives rclone: copy up (one file above its multipart
// cutoff), ls, cat, and copy down.
func matrixRclone(t *testing.T, m *matrixEnv) {
	r := newRclone(t, m.gw.S3URL, gwAccessKey, gwSecretKey)
	flags := []string{"--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M"}
	if m.ca != "" {
		flags = append(flags, "--ca-cert", m.ca)
	}
	run := func(args ...string) string {
		t.Helper()
		return r.Must(append(args, flags...)...)
	}
	dir := t.TempDir()
	files := map[string][]byte{"one.txt": payload(601, 700), "sub/two.bin": payload(602, 90000), "big.bin": payload(603, 11*mib+5)}
	src := filepath.Join(dir, "src")
	for name, data := range files {
		writeFile(t, src, name, data)
	}
	remote := "gw:" + m.bucket + "/rclone"
	run("copy", src, remote)
	ls := run("ls", remote)
	for name, data := range files {
		if !strings.Contains(ls, fmt.Sprintf("%d %s", len(data), name)) {
			t.Errorf("rclone ls does not show %s (%d bytes):\n%s", name, len(data), ls)
		}
		m.checkStored(t, "rclone/"+name, data)
	}
	if cat := run("cat", remote+"/sub/two.bin"); sum([]byte(cat)) != sum(files["sub/two.bin"]) {
		t.Errorf("rclone cat sub/two.bin: %d bytes that differ from the %d written", len(cat), len(files["sub/two.bin"]))
	}
	down := filepath.Join(dir, "down")
	run("copy", remote, down)
	for name, data := range files {
		checkFile(t, "rclone copy down of "+name, filepath.Join(down, name), data)
	}
}

// matrixBoto3 runs a boto3 script: put, get, list, a multipart
// upload_file and download_file.
func matrixBoto3(t *testing.T, m *matrixEnv) {
	dir := t.TempDir()
	small, big := payload(701, 4096+3), payload(702, 11*mib+1)
	env := []string{
		"E2E_BUCKET=" + m.bucket,
		"E2E_SMALL=" + writeFile(t, dir, "small.bin", small),
		"E2E_BIG=" + writeFile(t, dir, "big.bin", big),
		"E2E_OUT=" + filepath.Join(dir, "big.out"),
		"E2E_CA=" + m.ca,
	}
	out := runBoto3(t, m.gw.S3URL, gwAccessKey, gwSecretKey, matrixBoto3Script, env...)
	if !strings.Contains(out, "boto3 matrix ok") {
		t.Errorf("the boto3 script did not finish:\n%s", out)
	}
	checkFile(t, "boto3 download_file", filepath.Join(dir, "big.out"), big)
	m.checkStored(t, "boto3/small.bin", small)
	m.checkStored(t, "boto3/big.bin", big)
}

const matrixBoto3Script = `
import hashlib, os, sys
import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)

b = os.environ["E2E_BUCKET"]
verify = os.environ["E2E_CA"] or None
s3 = boto3.client("s3", endpoint_url=os.environ["E2E_ENDPOINT"], verify=verify,
                  config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
small = open(os.environ["E2E_SMALL"], "rb").read()
s3.put_object(Bucket=b, Key="boto3/small.bin", Body=small, Metadata={"client": "boto3"})
r = s3.get_object(Bucket=b, Key="boto3/small.bin")
if r["Body"].read() != small: fail("get_object bytes")
if r["Metadata"] != {"client": "boto3"}: fail("metadata %r" % r["Metadata"])
cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
s3.upload_file(os.environ["E2E_BIG"], b, "boto3/big.bin", Config=cfg)
keys = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=b, Prefix="boto3/", PaginationConfig={"PageSize": 1}):
    keys += [(o["Key"], o["Size"]) for o in page.get("Contents", [])]
want = [("boto3/big.bin", os.path.getsize(os.environ["E2E_BIG"])), ("boto3/small.bin", len(small))]
if keys != want: fail("list %r, want %r" % (keys, want))
s3.download_file(b, "boto3/big.bin", os.environ["E2E_OUT"], Config=cfg)
def digest(p):
    return hashlib.sha256(open(p, "rb").read()).hexdigest()
if digest(os.environ["E2E_BIG"]) != digest(os.environ["E2E_OUT"]): fail("download_file bytes differ")
print("boto3 matrix ok")
`

// matrixGoSDK uses aws-sdk-go-v2 with the SDK's defaults for checksums
// (RequestChecksumCalculation and ResponseChecksumValidation both
// WhenSupported, as config.LoadDefaultConfig leaves them): over HTTPS its
// uploads are aws-chunked with a trailing CRC32. The wire is recorded to
// prove it.
func matrixGoSDK(t *testing.T, m *matrixEnv) {
	ctx := context.Background()
	rec := &wireRecorder{base: m.http.Transport}
	// s3.New alone leaves both settings unset, which means WhenRequired;
	// config.LoadDefaultConfig resolves them to WhenSupported, what an
	// application gets.
	c := s3.New(s3.Options{
		BaseEndpoint:               aws.String(m.gw.S3URL),
		UsePathStyle:               true,
		Region:                     "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider(gwAccessKey, gwSecretKey, ""),
		HTTPClient:                 &http.Client{Transport: rec},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	})
	b := aws.String(m.bucket)

	objects := map[string][]byte{
		"sdk/small.bin": payload(801, 300*1024+9), // several 64 KiB chunks
		"sdk/empty":     {},
	}
	for key, data := range objects {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String(key), Body: bytes.NewReader(data),
			Metadata: map[string]string{"client": "go-sdk"}}); err != nil {
			t.Fatalf("PutObject %s: %v", key, err)
		}
	}
	// A body the SDK cannot seek or measure ahead: only the trailer can
	// carry its checksum, which needs TLS.
	if m.scheme == "https" {
		objects["sdk/stream.bin"] = payload(802, 200*1024+1)
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("sdk/stream.bin"),
			Body: io.MultiReader(bytes.NewReader(objects["sdk/stream.bin"])), ContentLength: aws.Int64(200*1024 + 1)}); err != nil {
			t.Fatalf("PutObject sdk/stream.bin from a plain reader: %v", err)
		}
	}

	part1, part2 := payload(803, 5*mib), payload(804, 777)
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("sdk/mpu.bin")})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	var parts []types.CompletedPart
	for i, data := range [][]byte{part1, part2} {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String("sdk/mpu.bin"), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(data)})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: aws.String("sdk/mpu.bin"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	objects["sdk/mpu.bin"] = append(append([]byte{}, part1...), part2...)

	for key, data := range objects {
		// The SDK's own GET, which validates a checksum the gateway returns.
		got, err := testenv.GetObject(ctx, c, m.bucket, key, "")
		if err != nil {
			t.Errorf("GetObject %s with the default SDK: %v", key, err)
		} else if sum(got) != sum(data) {
			t.Errorf("GetObject %s with the default SDK: %d bytes, want the %d written", key, len(got), len(data))
		}
		m.checkStored(t, key, data)
	}
	// The checksum the SDK sent is kept and returned, as S3 does.
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("sdk/small.bin"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		t.Fatalf("GetObject sdk/small.bin with its checksum: %v", err)
	}
	got.Body.Close()
	if want := crc32Base64(objects["sdk/small.bin"]); aws.ToString(got.ChecksumCRC32) != want {
		t.Errorf("GetObject sdk/small.bin: x-amz-checksum-crc32 %q, want %q", aws.ToString(got.ChecksumCRC32), want)
	}
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("sdk/small.bin")})
	if err != nil || aws.ToInt64(h.ContentLength) != int64(len(objects["sdk/small.bin"])) || h.Metadata["client"] != "go-sdk" {
		t.Errorf("HeadObject sdk/small.bin: %+v, err %v; want %d bytes and client=go-sdk", h, err, len(objects["sdk/small.bin"]))
	} else if h.ContentEncoding != nil {
		t.Errorf("HeadObject sdk/small.bin: Content-Encoding %q kept from the transport", aws.ToString(h.ContentEncoding))
	}

	seen := rec.uploads()
	t.Logf("aws-sdk-go-v2 uploads over %s: %s", m.scheme, strings.Join(seen, "; "))
	if m.scheme == "https" {
		for _, s := range seen {
			if strings.HasPrefix(s, "/"+m.bucket+"/sdk/empty ") {
				// An empty body has nothing to trail: the SDK sends its
				// checksum as a header.
				continue
			}
			if !strings.Contains(s, "STREAMING-UNSIGNED-PAYLOAD-TRAILER") || !strings.Contains(s, "aws-chunked") {
				t.Errorf("over HTTPS the default SDK sent %s, want an aws-chunked body with a trailing checksum: the test no longer covers that path", s)
			}
		}
	}
}

// crc32Base64 is S3's form of a CRC32 checksum.
func crc32Base64(b []byte) string {
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.ChecksumIEEE(b))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// wireRecorder notes how each upload's body was sent.
type wireRecorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	seen []string
}

func (w *wireRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut {
		w.mu.Lock()
		w.seen = append(w.seen, fmt.Sprintf("%s sha256=%s encoding=%s trailer=%s", r.URL.Path,
			r.Header.Get("X-Amz-Content-Sha256"), r.Header.Get("Content-Encoding"), r.Header.Get("X-Amz-Trailer")))
		w.mu.Unlock()
	}
	return w.base.RoundTrip(r)
}

func (w *wireRecorder) uploads() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.seen)
}
