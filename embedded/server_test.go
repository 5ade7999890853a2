package embedded

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

const (
	testKey    = "embedded-test"
	testSecret = "embedded-secret"
)

func start(t *testing.T, buckets ...string) *Server {
	t.Helper()
	srv, err := Start("127.0.0.1:0", testKey, testSecret, buckets...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return srv
}

// sdk is an aws-sdk-go-v2 client with the SDK's default settings, as a
// user's program would have.
func sdk(srv *Server, secret string) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(testKey, secret, ""),
		BaseEndpoint: aws.String(srv.URL()),
		UsePathStyle: true,
	})
}

// signed makes a request signed as the SDK would, and returns the status
// and body of the answer.
func signed(t *testing.T, method, url string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	req.Header.Set("X-Amz-Content-Sha256", empty)
	creds := aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, empty, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

func apiCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func TestStart(t *testing.T) {
	srv := start(t, "one", "two")
	if !regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+$`).MatchString(srv.URL()) {
		t.Fatalf("URL %q", srv.URL())
	}
	out, err := sdk(srv, testSecret).GetBucketVersioning(context.Background(), &s3.GetBucketVersioningInput{Bucket: aws.String("two")})
	if err != nil || out.Status != types.BucketVersioningStatusEnabled {
		t.Fatalf("versioning of a started bucket: %+v, %v", out, err)
	}
	for _, bad := range [][]string{{"Not_A_Bucket"}, {"dup", "dup"}} {
		if s, err := Start("127.0.0.1:0", testKey, testSecret, bad...); err == nil {
			s.Close()
			t.Errorf("started with buckets %q", bad)
		}
	}
	if s, err := Start("127.0.0.1:0", "ab", testSecret); err == nil {
		s.Close()
		t.Error("started with a two-character access key")
	}
	if got := loopbackAddr(&net.TCPAddr{IP: net.IPv6unspecified, Port: 9}); got != "127.0.0.1:9" {
		t.Errorf("wildcard listener reached at %s", got)
	}
}

func TestAuthentication(t *testing.T) {
	srv := start(t, "bkt")
	ctx := context.Background()
	_, err := sdk(srv, "wrong").ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("bkt")})
	if apiCode(err) != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %v", err)
	}
	resp, err := http.Get(srv.URL() + "/bkt?versions")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("an anonymous request got %d", resp.StatusCode)
	}

	good := sdk(srv, testSecret)
	if _, err := good.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	pre, err := s3.NewPresignClient(good).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	for url, want := range map[string]int{pre.URL: 200, strings.Replace(pre.URL, "X-Amz-Signature=", "X-Amz-Signature=0", 1): 403} {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("presigned GET got %d, want %d", resp.StatusCode, want)
		}
	}
}

func TestVersionListingXML(t *testing.T) {
	srv := start(t, "bkt")
	c := sdk(srv, testSecret)
	ctx := context.Background()
	for _, key := range []string{"a b", "a+b", "a b"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key), Body: strings.NewReader(key)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("a+b")}); err != nil {
		t.Fatal(err)
	}
	status, body, _ := signed(t, "GET", srv.URL()+"/bkt?versions&encoding-type=url&max-keys=3")
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	// Entries in order: the two versions of "a b", newest first, then the
	// delete marker of "a+b", with the page cut after it.
	re := regexp.MustCompile(`<(Version|DeleteMarker)><Key>([^<]*)</Key>.*?<IsLatest>(true|false)</IsLatest>`)
	var got []string
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		got = append(got, m[1]+" "+m[2]+" "+m[3])
	}
	want := []string{"Version a%20b true", "Version a%20b false", "DeleteMarker a%2Bb true"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("entries %q, want %q in\n%s", got, want, body)
	}
	for _, part := range []string{"<EncodingType>url</EncodingType>", "<IsTruncated>true</IsTruncated>", "<NextKeyMarker>a%2Bb</NextKeyMarker>"} {
		if !strings.Contains(body, part) {
			t.Errorf("no %s in\n%s", part, body)
		}
	}
	for _, q := range []string{"max-keys=x", "encoding-type=base64", "version-id-marker=abc"} {
		if status, body, _ := signed(t, "GET", srv.URL()+"/bkt?versions&"+q); status != 400 || !strings.Contains(body, "InvalidArgument") {
			t.Errorf("?versions&%s: %d %s", q, status, body)
		}
	}
}

func TestVersionedReadsWithTheSDK(t *testing.T) {
	srv := start(t, "bkt")
	c := sdk(srv, testSecret)
	ctx := context.Background()
	put := func(key, body string) string {
		out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key), Body: strings.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.VersionId)
	}
	v1 := put("k", "first")
	put("k", "the second")
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), VersionId: aws.String(v1)})
	if err != nil || aws.ToInt64(head.ContentLength) != 5 || aws.ToString(head.VersionId) != v1 {
		t.Fatalf("HEAD of v1: %+v, %v", head, err)
	}
	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil || !aws.ToBool(del.DeleteMarker) {
		t.Fatalf("delete: %+v, %v", del, err)
	}
	if status, _, h := signed(t, "GET", srv.URL()+"/bkt/k"); status != 404 || h.Get("x-amz-delete-marker") != "true" {
		t.Fatalf("GET under a delete marker: %d %v", status, h)
	}
	url := srv.URL() + "/bkt/k?versionId=" + strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(aws.ToString(del.VersionId))
	if status, _, h := signed(t, "HEAD", url); status != 405 || h.Get("x-amz-delete-marker") != "true" {
		t.Fatalf("HEAD of the delete marker: %d %v", status, h)
	}

	// Copy and part copy read the version asked for.
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("copy"),
		CopySource: aws.String("bkt/k?versionId=" + strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(v1))}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("copy")})
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	if b, _ := io.ReadAll(got.Body); string(b) != "first" {
		t.Fatalf("copy of v1 holds %q", b)
	}
}

func TestNullVersion(t *testing.T) {
	srv := start(t)
	c := sdk(srv, testSecret)
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("plain")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("plain"), Key: aws.String("k"), Body: bytes.NewReader([]byte("x"))})
	if err != nil || out.VersionId != nil {
		t.Fatalf("put to an unversioned bucket: %+v, %v", out, err)
	}
	if status, body, _ := signed(t, "GET", srv.URL()+"/plain/k?versionId=null"); status != 200 || body != "x" {
		t.Fatalf("GET of the null version: %d %q", status, body)
	}
	if status, body, _ := signed(t, "GET", srv.URL()+"/plain?versions"); status != 200 || !strings.Contains(body, "<VersionId>null</VersionId>") {
		t.Fatalf("listing of an unversioned bucket: %d %s", status, body)
	}
	if status, _, _ := signed(t, "DELETE", srv.URL()+"/plain/k?versionId=null"); status != 204 {
		t.Fatalf("DELETE of the null version: %d", status)
	}
	if status, _, _ := signed(t, "HEAD", srv.URL()+"/plain/k"); status != 404 {
		t.Fatalf("HEAD after deleting the null version: %d", status)
	}
}

func TestDeleteObjectsWithVersions(t *testing.T) {
	srv := start(t, "bkt")
	c := sdk(srv, testSecret)
	ctx := context.Background()
	var ids []string
	for _, body := range []string{"one", "two"} {
		out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, aws.ToString(out.VersionId))
	}
	out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("k"), VersionId: aws.String(ids[1])},
		{Key: aws.String("other")},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 2 || aws.ToString(out.Deleted[0].VersionId) != ids[1] || aws.ToBool(out.Deleted[0].DeleteMarker) ||
		!aws.ToBool(out.Deleted[1].DeleteMarker) || aws.ToString(out.Deleted[1].DeleteMarkerVersionId) == "" {
		t.Fatalf("deleted: %+v", out.Deleted)
	}
	// The version named went for good; no delete marker hides "k".
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	if b, _ := io.ReadAll(got.Body); string(b) != "one" || aws.ToString(got.VersionId) != ids[0] {
		t.Fatalf("k is now %q (%s)", b, aws.ToString(got.VersionId))
	}
}

func TestCloseDropsIdleConnections(t *testing.T) {
	srv, err := Start("127.0.0.1:0", testKey, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	// A connection that never sends a request, as clients dial ahead.
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := http.Get(srv.URL()); err == nil {
		t.Fatal("the server still answers")
	}
}
