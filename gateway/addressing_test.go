package gateway

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestAddressingSplit(t *testing.T) {
	a, err := newAddressing([]string{"S3.Example.com.", " example.com", "", "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host, target      string
		bucket, key       string
		virtual           bool
		wantOp            string
		method, copyLabel string
	}{
		{"photos.s3.example.com", "/", "photos", "", true, "ListObjects", "GET", ""},
		{"photos.s3.example.com:7480", "/?list-type=2", "photos", "", true, "ListObjectsV2", "GET", ""},
		{"PHOTOS.S3.EXAMPLE.COM", "/a/b.txt", "photos", "a/b.txt", true, "GetObject", "GET", ""},
		{"photos.s3.example.com", "//lead", "photos", "/lead", true, "PutObject", "PUT", ""},
		{"photos.s3.example.com", "/", "photos", "", true, "CreateBucket", "PUT", ""},
		{"photos.s3.example.com", "/k", "photos", "k", true, "CopyObject", "PUT", "src/k"},
		// The longest domain wins; a host equal to a domain is path style.
		{"s3.example.com", "/photos/k", "photos", "k", false, "GetObject", "GET", ""},
		{"example.com:443", "/", "", "", false, "ListBuckets", "GET", ""},
		{"docs.example.com", "/k", "docs", "k", true, "GetObject", "GET", ""},
		{"demo.localhost:7480", "/k", "demo", "k", true, "HeadObject", "HEAD", ""},
		// Hosts under no domain, IP addresses: path style.
		{"photos.other.org", "/photos/k", "photos", "k", false, "GetObject", "GET", ""},
		{"127.0.0.1:7480", "/photos/k", "photos", "k", false, "GetObject", "GET", ""},
		{"[::1]:7480", "/photos", "photos", "", false, "ListObjects", "GET", ""},
		{"notexample.com", "/b/k", "b", "k", false, "GetObject", "GET", ""},
	}
	for _, tt := range tests {
		t.Run(tt.host+tt.target, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://x"+tt.target, nil)
			r.Host = tt.host
			if tt.copyLabel != "" {
				r.Header.Set("X-Amz-Copy-Source", tt.copyLabel)
			}
			bucket, key, virtual := a.split(r)
			if bucket != tt.bucket || key != tt.key || virtual != tt.virtual {
				t.Fatalf("split = %q %q %v, want %q %q %v", bucket, key, virtual, tt.bucket, tt.key, tt.virtual)
			}
			if got := a.classify(r).String(); got != tt.wantOp {
				t.Errorf("classify = %s, want %s", got, tt.wantOp)
			}
		})
	}
}

func TestAddressingRefusesBadDomains(t *testing.T) {
	for _, d := range []string{"127.0.0.1", "::1", "s3.example.com:7480", "http://s3.example.com", "a..b", "-a.com", "a b"} {
		if _, err := newAddressing([]string{d}); err == nil {
			t.Errorf("domain %q accepted", d)
		}
	}
}

// hostClient is an SDK client that addresses buckets in virtual-hosted
// style under endpoint's host, whatever it is, and reaches the gateway at
// addr: the names need not resolve.
func hostClient(endpoint, addr string) *s3.Client {
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(endpoint),
		Region:       "us-east-1",
		UsePathStyle: false,
		Credentials:  credentials.NewStaticCredentialsProvider(clientAccess, clientSecret, ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   &http.Client{Transport: &http.Transport{DialContext: dial}},
	})
}

// TestVirtualHostedRequests drives the S3 API in virtual-hosted style
// under a configured domain: what is written that way is what path-style
// clients see, and the reverse.
func TestVirtualHostedRequests(t *testing.T) {
	e := newS3EnvWith(t, "", func(c *Config) { c.Domains = []string{"s3.test"} })
	ctx := context.Background()
	u, _ := url.Parse(e.url)
	vh := hostClient("http://s3.test:"+u.Port(), u.Host)

	if _, err := vh.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vhost"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "shared"}}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	if _, err := vh.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("vhost")}); err != nil {
		t.Fatalf("head bucket: %v", err)
	}
	for _, key := range []string{"top", "dir/sub/file.txt", "vhost/looks-like-a-bucket", "spaced key+plus"} {
		if _, err := vh.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vhost"), Key: aws.String(key), Body: strings.NewReader("body of " + key)}); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
		if _, got := e.get("vhost", key); got != "body of "+key {
			t.Fatalf("path-style read of %s: %q", key, got)
		}
		out, err := vh.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("vhost"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		data, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if string(data) != "body of "+key {
			t.Fatalf("virtual-hosted read of %s: %q", key, data)
		}
	}
	list, err := vh.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("vhost")})
	if err != nil || aws.ToInt32(list.KeyCount) != 4 || aws.ToString(list.Name) != "vhost" {
		t.Fatalf("list: %+v, %v", list, err)
	}
	// ListBuckets at the domain itself is path style.
	buckets, err := vh.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(buckets.Buckets) != 1 || aws.ToString(buckets.Buckets[0].Name) != "vhost" {
		t.Fatalf("list buckets: %+v, %v", buckets, err)
	}
	// gofakes3 answers some operations; they too see the bucket.
	if _, err := vh.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("vhost")}); err != nil {
		t.Fatalf("get versioning: %v", err)
	}
	if _, err := vh.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vhost"), Key: aws.String("top")}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("vhost"), Key: aws.String("top")}); apiErrorCode(err) != "NotFound" {
		t.Fatalf("head of a deleted key: %v", err)
	}
	_, err = vh.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("nosuch"), Key: aws.String("k")})
	wantS3Code(t, err, "NoSuchBucket")

	// A multipart upload's Location is the object's URL as addressed.
	up, err := vh.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("vhost"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	part, err := vh.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("vhost"), Key: aws.String("mp"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("one part")})
	if err != nil {
		t.Fatal(err)
	}
	done, err := vh.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("vhost"), Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{ETag: part.ETag, PartNumber: aws.Int32(1)}}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "http://vhost.s3.test:" + u.Port() + "/mp"; aws.ToString(done.Location) != want {
		t.Errorf("multipart location = %q, want %q", aws.ToString(done.Location), want)
	}
}

// TestMisroutedHostRefused checks that a virtual-hosted-style request
// under no configured domain is refused rather than answered for another
// bucket, or taken for a CreateBucket, while path-style requests through
// the same host still work.
func TestMisroutedHostRefused(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("demo", "shared")
	e.put("demo", "k", "data")
	u, _ := url.Parse(e.url)
	vh := hostClient("http://example.test:"+u.Port(), u.Host)

	refused := map[string]func() error{
		"ListObjectsV2": func() error {
			_, err := vh.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("demo")})
			return err
		},
		"ListObjects": func() error {
			_, err := vh.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("demo")})
			return err
		},
		"GetObject": func() error {
			_, err := vh.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("demo"), Key: aws.String("k")})
			return err
		},
		"PutObject": func() error {
			_, err := vh.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("demo"), Key: aws.String("newkey")})
			return err
		},
		"DeleteBucket": func() error {
			_, err := vh.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("demo")})
			return err
		},
	}
	for name, call := range refused {
		t.Run(name, func(t *testing.T) {
			err := call()
			wantS3Code(t, err, "InvalidRequest")
			if msg := apiMessage(err); !strings.Contains(msg, `bucket "demo"`) || !strings.Contains(msg, "--domain example.test") {
				t.Errorf("message = %q", msg)
			}
		})
	}
	if got := strings.Join(e.bucketNames(), ","); got != "demo" {
		t.Fatalf("buckets after the refusals: %s", got)
	}
	if _, got := e.get("demo", "k"); got != "data" {
		t.Fatalf("demo/k = %q", got)
	}

	// Path style through a host whose first label is a bucket: served
	// where the path names a bucket.
	ps := hostClient("http://demo.example.test:"+u.Port(), u.Host)
	path := s3.New(ps.Options(), func(o *s3.Options) { o.UsePathStyle = true })
	out, err := path.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("demo"), Key: aws.String("k")})
	if err != nil {
		t.Fatalf("path-style GET through demo.example.test: %v", err)
	}
	out.Body.Close()
	// ListBuckets is a GET of "/" too, as ListObjects in virtual-hosted
	// style is: through such a host, it cannot be told apart.
	_, err = path.ListBuckets(ctx, &s3.ListBucketsInput{})
	wantS3Code(t, err, "InvalidRequest")
	// A host whose label names no bucket changes nothing.
	other := s3.New(hostClient("http://nothing.example.test:"+u.Port(), u.Host).Options(), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := other.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("fresh"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "shared"}}); err != nil {
		t.Fatalf("path-style CreateBucket through nothing.example.test: %v", err)
	}
}

func TestHostName(t *testing.T) {
	for in, want := range map[string]string{
		"a.example.com": "a.example.com", "A.Example.COM:7480": "a.example.com", "a.example.com.": "a.example.com",
		"127.0.0.1:80": "127.0.0.1", "[::1]:7480": "::1", "[::1]": "::1", "::1": "::1", "": "",
	} {
		if got := hostName(in); got != want {
			t.Errorf("hostName(%q) = %q, want %q", in, got, want)
		}
	}
}
