package gateway

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// signedRaw signs req as the test client, with an unsigned payload.
func signedRaw(t *testing.T, req *http.Request) {
	t.Helper()
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	creds := aws.Credentials{AccessKeyID: clientAccess, SecretAccessKey: clientSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
}

// A key with control characters is listed by every listing that asks for
// encoding-type=url in a document SDKs can parse; its raw form is not
// XML 1.0 at all.
func TestListingsEncodeKeysForURL(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	const key = "ctl\x01dir/a b+c\x1f"
	e.put("data", key, "body")
	ctx := context.Background()
	decode := func(s *string) string {
		t.Helper()
		d, err := url.QueryUnescape(aws.ToString(s))
		if err != nil {
			t.Fatalf("%q is not URL-encoded: %v", aws.ToString(s), err)
		}
		return d
	}

	versions, err := e.s3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("data"), EncodingType: s3types.EncodingTypeUrl})
	if err != nil {
		t.Fatalf("ListObjectVersions: %v", err)
	}
	if len(versions.Versions) != 1 || decode(versions.Versions[0].Key) != key {
		t.Fatalf("versions = %+v", versions.Versions)
	}
	if versions.EncodingType != s3types.EncodingTypeUrl {
		t.Errorf("EncodingType = %q", versions.EncodingType)
	}
	delimited, err := e.s3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("data"),
		EncodingType: s3types.EncodingTypeUrl, Delimiter: aws.String("/"), Prefix: aws.String("ctl\x01"),
		KeyMarker: aws.String("ctl\x01"), MaxKeys: aws.Int32(1)})
	if err != nil {
		t.Fatalf("ListObjectVersions with a delimiter: %v", err)
	}
	if len(delimited.CommonPrefixes) != 1 || decode(delimited.CommonPrefixes[0].Prefix) != "ctl\x01dir/" {
		t.Errorf("common prefixes = %+v", delimited.CommonPrefixes)
	}
	if decode(delimited.Prefix) != "ctl\x01" || decode(delimited.KeyMarker) != "ctl\x01" || decode(delimited.Delimiter) != "/" {
		t.Errorf("prefix %q, key marker %q, delimiter %q", aws.ToString(delimited.Prefix), aws.ToString(delimited.KeyMarker), aws.ToString(delimited.Delimiter))
	}

	v2, err := e.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("data"), EncodingType: s3types.EncodingTypeUrl})
	if err != nil || len(v2.Contents) != 1 || decode(v2.Contents[0].Key) != key {
		t.Errorf("ListObjectsV2 = %v, %v", v2, err)
	}
	v1, err := e.s3.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("data"), EncodingType: s3types.EncodingTypeUrl})
	if err != nil || len(v1.Contents) != 1 || decode(v1.Contents[0].Key) != key {
		t.Errorf("ListObjects = %v, %v", v1, err)
	}

	// The backend's own answer to starting an upload of a key with control
	// characters is not XML 1.0; the uploads listing is checked with a key
	// that only needs escaping.
	const upKey = "up load&+<x>"
	up, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("data"), Key: aws.String(upKey)})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	uploads, err := e.s3.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("data"), EncodingType: s3types.EncodingTypeUrl})
	if err != nil || len(uploads.Uploads) != 1 || decode(uploads.Uploads[0].Key) != upKey {
		t.Errorf("ListMultipartUploads = %v, %v", uploads, err)
	}
	if _, err := e.s3.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("data"), Key: aws.String(upKey), UploadId: up.UploadId}); err != nil {
		t.Errorf("AbortMultipartUpload: %v", err)
	}
}

// Negative limits of a listing are refused as S3 refuses them.
func TestListingsRefuseNegativeLimits(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	for _, target := range []string{
		"/data?max-keys=-1", "/data?list-type=2&max-keys=-1", "/data?versions&max-keys=-1",
		"/data?uploads&max-uploads=-1", "/data/k?uploadId=u&max-parts=-1",
	} {
		t.Run(target, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, e.url+target, nil)
			if err != nil {
				t.Fatal(err)
			}
			signedRaw(t, req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "<Code>InvalidArgument</Code>") {
				t.Errorf("%d %s", resp.StatusCode, body)
			}
		})
	}
}

// A Range that is not valid syntax is ignored, as S3 does: the whole
// object is sent.
func TestReversedRangeIsIgnored(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	e.put("data", "k", "0123456789")
	out, body := e.get("data", "k", func(in *s3.GetObjectInput) { in.Range = aws.String("bytes=5-1") })
	if body != "0123456789" || out.ContentRange != nil {
		t.Errorf("body %q, Content-Range %v", body, aws.ToString(out.ContentRange))
	}
}

// A body shorter than its Content-Length is the client's fault: 400
// IncompleteBody, and nothing is stored.
func TestShortBodyIsIncomplete(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	req, err := http.NewRequest(http.MethodPut, e.url+"/data/short", strings.NewReader("ten bytes!"))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = 100
	signedRaw(t, req)
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Written by hand: Request.Write sends nothing of a body shorter than
	// its ContentLength.
	var head strings.Builder
	fmt.Fprintf(&head, "PUT /data/short HTTP/1.1\r\nHost: %s\r\nContent-Length: 100\r\n", req.Host)
	for k, vs := range req.Header {
		fmt.Fprintf(&head, "%s: %s\r\n", k, vs[0])
	}
	if _, err := io.WriteString(conn, head.String()+"\r\nten bytes!"); err != nil {
		t.Fatal(err)
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "<Code>IncompleteBody</Code>") {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	if _, _, err := e.directGet("ring", "short"); err == nil {
		t.Error("the backend holds the incomplete object")
	}
}

// A key that is not UTF-8 is refused before anything reaches the backend,
// which could not be sent it signed.
func TestInvalidUTF8KeyIsRefused(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	e.put("data", "src", "source")
	ctx := context.Background()
	const bad = "bad\xff\xfekey"
	calls := map[string]func() error{
		"put": func() error {
			_, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String(bad), Body: strings.NewReader("x")})
			return err
		},
		"get": func() error {
			_, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String(bad)})
			return err
		},
		"copy to": func() error {
			_, err := e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("data"), Key: aws.String(bad), CopySource: aws.String("data/src")})
			return err
		},
		"copy from": func() error {
			_, err := e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("data"), Key: aws.String("dst"), CopySource: aws.String("data/" + url.PathEscape(bad))})
			return err
		},
		"create upload": func() error {
			_, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("data"), Key: aws.String(bad)})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			if code := apiErrorCode(err); code != "InvalidURI" || httpStatusOf(err) != http.StatusBadRequest {
				t.Errorf("%v (code %q)", err, code)
			}
		})
	}
	if keys := e.backendKeys("ring"); len(keys) != 1 {
		t.Errorf("backend keys %q", keys)
	}
}

// Conditional writes are servePut's like every other PutObject: the
// If-None-Match of a write is checked against the current object.
func TestPutIfNoneMatch(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	ctx := context.Background()
	put := func(key, cond string) error {
		_, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String(key),
			Body: strings.NewReader("body"), IfNoneMatch: aws.String(cond)})
		return err
	}
	if err := put("k", "*"); err != nil {
		t.Fatalf("first write with If-None-Match *: %v", err)
	}
	if err := put("k", "*"); httpStatusOf(err) != http.StatusPreconditionFailed {
		t.Errorf("second write with If-None-Match *: %v", err)
	}
	head, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if err := put("k", aws.ToString(head.ETag)); httpStatusOf(err) != http.StatusPreconditionFailed {
		t.Errorf("write with If-None-Match of the current ETag: %v", err)
	}
	if err := put("k", `"another"`); err != nil {
		t.Errorf("write with If-None-Match of another ETag: %v", err)
	}
}
