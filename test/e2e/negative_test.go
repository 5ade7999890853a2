package e2e

// Issue 4's negative matrix: every route, asked without a signature, with a
// wrong secret or an unknown key, with a tampered header, a skewed clock,
// a wrong payload hash, a tampered or expired presigned URL, and (for the
// uploads) a tampered aws-chunked body. Each must get S3's error, and the
// backend bucket must be exactly as it was.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/ringside/ringside/test/testenv"
)

// attack is one way of getting a request wrong.
type attack struct {
	name   string
	code   string
	status int
	// applies picks the routes the attack applies to; nil for all.
	applies func(rawRoute) bool
	build   func(t *testing.T, n *negEnv, r rawRoute) *http.Request
}

func isStreaming(r rawRoute) bool { return r.streaming }
func hasBody(r rawRoute) bool     { return len(r.body) > 0 }

var attacks = []attack{
	{name: "anonymous", code: "AccessDenied", status: 403,
		build: func(t *testing.T, n *negEnv, r rawRoute) *http.Request { return r.request(t, n.endpoint()) }},
	{name: "wrong secret", code: "SignatureDoesNotMatch", status: 403,
		build: func(t *testing.T, n *negEnv, r rawRoute) *http.Request {
			return signedRequest(t, r, n.endpoint(), creds{gwAccessKey, "not-the-secret"}, time.Now())
		}},
	{name: "unknown access key", code: "InvalidAccessKeyId", status: 403,
		build: func(t *testing.T, n *negEnv, r rawRoute) *http.Request {
			return signedRequest(t, r, n.endpoint(), creds{"E2EUNKNOWNKEY", gwSecretKey}, time.Now())
		}},
	{name: "tampered signed header", code: "SignatureDoesNotMatch", status: 403,
		build: func(t *testing.T, n *negEnv, r rawRoute) *http.Request {
			req := r.request(t, n.endpoint())
			req.Header.Set("X-Amz-Meta-Note", "as signed")
			sign(t, req, n.good, sha256Hex(r.body), time.Now())
			req.Header.Set("X-Amz-Meta-Note", "changed on the way")
			return req
		}},
	{name: "clock skewed by 20 minutes", code: "RequestTimeTooSkewed", status: 403,
		build: func(t *testing.T, n *negEnv, r rawRoute) *http.Request {
			return signedRequest(t, r, n.endpoint(), n.good, time.Now().Add(-20*time.Minute))
		}},
	{name: "wrong payload hash", code: "XAmzContentSHA256Mismatch", status: 400,
		build: func(t *testing.T, n *negEnv, r rawRoute) *http.Request {
			req := r.request(t, n.endpoint())
			sign(t, req, n.good, sha256Hex(append([]byte("not the body:"), r.body...)), time.Now())
			return req
		}},
	{name: "presigned, tampered signature", code: "SignatureDoesNotMatch", status: 403,
		build: func(t *testing.T, n *negEnv, r rawRoute) *http.Request {
			u := presign(t, r, n.endpoint(), n.good, time.Now(), 15*time.Minute)
			return r.requestTo(t, setQuery(t, u, "X-Amz-Signature", flipHex), r.body)
		}},
	{name: "presigned, expired URL given a longer expiry", code: "SignatureDoesNotMatch", status: 403,
		build: func(t *testing.T, n *negEnv, r rawRoute) *http.Request {
			u := presign(t, r, n.endpoint(), n.good, time.Now().Add(-10*time.Minute), time.Minute)
			return r.requestTo(t, setQuery(t, u, "X-Amz-Expires", func(string) string { return "3600" }), r.body)
		}},
	{name: "presigned, expired", code: "AccessDenied", status: 403,
		build: func(t *testing.T, n *negEnv, r rawRoute) *http.Request {
			return r.requestTo(t, presign(t, r, n.endpoint(), n.good, time.Now().Add(-10*time.Minute), time.Minute), r.body)
		}},
	{name: "wrong Content-MD5", code: "BadDigest", status: 400, applies: hasBody,
		build: func(t *testing.T, n *negEnv, r rawRoute) *http.Request {
			req := r.request(t, n.endpoint())
			req.Header.Set("Content-Md5", contentMD5(append([]byte("not the body:"), r.body...)))
			sign(t, req, n.good, sha256Hex(r.body), time.Now())
			return req
		}},
	{name: "aws-chunked, tampered chunk signature", code: "SignatureDoesNotMatch", status: 403, applies: isStreaming,
		build: func(t *testing.T, n *negEnv, r rawRoute) *http.Request {
			return streamingRequest(t, r, n.endpoint(), n.good, time.Now(), chunkBadSignature)
		}},
	{name: "aws-chunked, tampered chunk data", code: "SignatureDoesNotMatch", status: 403, applies: isStreaming,
		build: func(t *testing.T, n *negEnv, r rawRoute) *http.Request {
			return streamingRequest(t, r, n.endpoint(), n.good, time.Now(), chunkBadData)
		}},
	{name: "aws-chunked unsigned, wrong trailing checksum", code: "BadDigest", status: 400, applies: isStreaming,
		build: func(t *testing.T, n *negEnv, r rawRoute) *http.Request {
			return trailerRequest(t, r, n.endpoint(), n.good, time.Now(), true)
		}},
}

// setQuery rewrites one query parameter of a URL.
func setQuery(t *testing.T, raw, name string, f func(string) string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if !q.Has(name) {
		t.Fatalf("%s has no %s", raw, name)
	}
	q.Set(name, f(q.Get(name)))
	u.RawQuery = q.Encode()
	return u.String()
}

// negEnv is a gateway with a bucket in a known state.
type negEnv struct {
	gw    *Gateway
	be    *Backend
	good  creds
	watch stateWatch

	bucket      string // on a no-prefix location
	spareLoc    string // a prefix location, free for new buckets
	emptyBucket string // an empty bucket on spareLoc
	v1          string // the first version of "k"
	uploadID    string // an upload of "mpu" with part 1
	part1ETag   string
	upload2ID   string // an upload of "mpu2" without parts
	newBucket   string
	objectBody  []byte
}

func (n *negEnv) endpoint() string { return n.gw.S3URL }

func TestNegativeMatrix(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, be *Backend) {
		n := newNegEnv(t, be)
		n.positiveControls(t)
		before := n.watch.snapshot(t)
		routes := n.routes()
		for _, r := range routes {
			for _, a := range attacks {
				if a.applies != nil && !a.applies(r) {
					continue
				}
				t.Run(r.name+"/"+a.name, func(t *testing.T) {
					got := send(t, rawClient, a.build(t, n, r))
					checkRefusal(t, r, got, a.code, a.status)
					if after := n.watch.snapshot(t); after != before {
						t.Errorf("the refused request changed the state:\n%s", diffLines(before, after))
					}
				})
			}
		}
		t.Run("presigned URL expiring in 1s", func(t *testing.T) {
			n.presignedExpiry(t)
			if after := n.watch.snapshot(t); after != before {
				t.Errorf("the state changed:\n%s", diffLines(before, after))
			}
		})
		// The same routes correctly signed succeed, in an order where
		// each finds what it needs: the refusals above were the attacks'.
		t.Run("correctly signed", func(t *testing.T) {
			for _, r := range routes {
				got := send(t, rawClient, signedRequest(t, r, n.endpoint(), n.good, time.Now()))
				if got.Status != r.okStatus {
					t.Errorf("%s correctly signed: %s, want %d\n%s", r.name, got, r.okStatus, got.Body)
				}
			}
		})
	})
}

// checkRefusal checks an answer's status and, but for HEAD, its S3 error
// code, and that it gives no secret away.
func checkRefusal(t *testing.T, r rawRoute, got s3Answer, code string, status int) {
	t.Helper()
	if got.Status != status || (r.method != http.MethodHead && got.Code != code) {
		t.Errorf("%s %s: %s, want %d %s\n%s", r.method, r.path, got, status, code, got.Body)
	}
	checkNoSecrets(t, "a refusal", got.Body)
}

func newNegEnv(t *testing.T, be *Backend) *negEnv {
	t.Helper()
	ctx := context.Background()
	n := &negEnv{gw: startGateway(t, GatewayOptions{}), be: be, good: creds{gwAccessKey, gwSecretKey},
		bucket: "neg", spareLoc: "spare", emptyBucket: "neg-empty", newBucket: "neg-new"}
	beBucket := be.NewBucket(t, "negative", true)
	n.gw.AddLocation("ring", be, beBucket, true)
	n.gw.AddLocation(n.spareLoc, be, be.NewBucket(t, "negative-spare", true), false)
	for b, loc := range map[string]string{n.bucket: "ring", n.emptyBucket: n.spareLoc} {
		if _, err := n.gw.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b), CreateBucketConfiguration: locationConfig(loc)}); err != nil {
			t.Fatalf("create bucket %s: %v", b, err)
		}
	}
	n.seed(t)
	n.objectBody = payload(901, 3*streamChunkSize+1234)
	n.watch = stateWatch{gw: n.gw, be: be, gwBucket: n.bucket, beBucket: beBucket,
		uploads:    map[string]string{"mpu": n.uploadID, "mpu2": n.upload2ID},
		uploadKeys: []string{"k", "mpu", "mpu2"}}
	return n
}

// seed writes, through the gateway: two versions of "k", a tagged object,
// an upload of "mpu" with one part, and an upload of "mpu2" with none.
func (n *negEnv) seed(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	c, b := n.gw.S3, n.bucket
	v1, err := put(ctx, c, b, "k", []byte("first version of k"), "text/plain", map[string]string{"rev": "1"})
	if err != nil {
		t.Fatalf("seed k: %v", err)
	}
	n.v1 = aws.ToString(v1.VersionId)
	if _, err := put(ctx, c, b, "k", []byte("second version of k"), "text/markdown", map[string]string{"rev": "2"}); err != nil {
		t.Fatalf("seed k again: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("tagged"),
		Body: strings.NewReader("tagged object"), Tagging: aws.String("color=blue")}); err != nil {
		t.Fatalf("seed tagged: %v", err)
	}
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mpu")})
	if err != nil {
		t.Fatalf("start an upload: %v", err)
	}
	n.uploadID = aws.ToString(up.UploadId)
	part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("mpu"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("part one")})
	if err != nil {
		t.Fatalf("upload part 1: %v", err)
	}
	n.part1ETag = aws.ToString(part.ETag)
	up2, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mpu2")})
	if err != nil {
		t.Fatalf("start a second upload: %v", err)
	}
	n.upload2ID = aws.ToString(up2.UploadId)
}

// positiveControls checks that the request builders are right: a signed
// GET, a presigned GET and PUT, and aws-chunked uploads (signed chunks,
// unsigned with a trailing checksum) all succeed.
func (n *negEnv) positiveControls(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	get := rawRoute{name: "GetObject", method: http.MethodGet, path: "/" + n.bucket + "/k"}
	if got := send(t, rawClient, signedRequest(t, get, n.endpoint(), n.good, time.Now())); got.Status != 200 || got.Body != "second version of k" {
		t.Fatalf("control: signed GET: %s %q", got, got.Body)
	}
	if got := send(t, rawClient, get.requestTo(t, presign(t, get, n.endpoint(), n.good, time.Now(), time.Minute), nil)); got.Status != 200 {
		t.Fatalf("control: presigned GET: %s\n%s", got, got.Body)
	}
	for key, build := range map[string]func(rawRoute) *http.Request{
		"ctl/presigned": func(r rawRoute) *http.Request {
			return r.requestTo(t, presign(t, r, n.endpoint(), n.good, time.Now(), time.Minute), r.body)
		},
		"ctl/streaming": func(r rawRoute) *http.Request {
			return streamingRequest(t, r, n.endpoint(), n.good, time.Now(), chunkIntact)
		},
		"ctl/trailer": func(r rawRoute) *http.Request {
			return trailerRequest(t, r, n.endpoint(), n.good, time.Now(), false)
		},
	} {
		data := payload(902, 2*streamChunkSize+77)
		r := rawRoute{name: "PutObject", method: http.MethodPut, path: "/" + n.bucket + "/" + key, body: data}
		req := build(r)
		if got := send(t, rawClient, req); got.Status != 200 {
			t.Fatalf("control: PUT %s: %s\n%s", key, got, got.Body)
		}
		stored, err := testenv.GetObject(ctx, n.be.S3, n.watch.beBucket, key, "")
		if err != nil || sum(stored) != sum(data) {
			t.Fatalf("control: the backend holds %d bytes under %s (err %v), want the %d sent", len(stored), key, err, len(data))
		}
	}
}

// routes are the operations under test, in an order where each, correctly
// signed, succeeds after the ones before it.
func (n *negEnv) routes() []rawRoute {
	b := "/" + n.bucket
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tagging := []byte(`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>evil</Key><Value>yes</Value></Tag></TagSet></Tagging>`)
	complete := []byte(fmt.Sprintf(`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part></CompleteMultipartUpload>`, n.part1ETag))
	del := []byte(`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>k</Key></Object><Object><Key>tagged</Key></Object></Delete>`)
	create := []byte(fmt.Sprintf(`<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>%s</LocationConstraint></CreateBucketConfiguration>`, n.spareLoc))
	md5 := func(body []byte) http.Header { return http.Header{"Content-Md5": {contentMD5(body)}} }
	return []rawRoute{
		{name: "ListBuckets", method: "GET", path: "/", okStatus: 200},
		{name: "HeadBucket", method: "HEAD", path: b, okStatus: 200},
		{name: "ListObjectsV2", method: "GET", path: b, query: q("list-type", "2"), okStatus: 200},
		{name: "ListObjectVersions", method: "GET", path: b, query: q("versions", ""), okStatus: 200},
		{name: "GetObject", method: "GET", path: b + "/k", okStatus: 200},
		{name: "GetObjectVersion", method: "GET", path: b + "/k", query: q("versionId", n.v1), okStatus: 200},
		{name: "HeadObject", method: "HEAD", path: b + "/k", okStatus: 200},
		{name: "GetObjectTagging", method: "GET", path: b + "/tagged", query: q("tagging", ""), okStatus: 200},
		{name: "PutObjectTagging", method: "PUT", path: b + "/tagged", query: q("tagging", ""), header: md5(tagging), body: tagging, okStatus: 200},
		{name: "DeleteObjectTagging", method: "DELETE", path: b + "/tagged", query: q("tagging", ""), okStatus: 204},
		{name: "CopyObject", method: "PUT", path: b + "/copied", header: http.Header{"X-Amz-Copy-Source": {n.bucket + "/k"}}, okStatus: 200},
		{name: "PutObject", method: "PUT", path: b + "/k", header: http.Header{"Content-Type": {"application/x-evil"}}, body: n.objectBody, streaming: true, okStatus: 200},
		{name: "UploadPart", method: "PUT", path: b + "/mpu", query: q("partNumber", "2", "uploadId", n.uploadID), body: n.objectBody, streaming: true, okStatus: 200},
		{name: "CompleteMultipartUpload", method: "POST", path: b + "/mpu", query: q("uploadId", n.uploadID), body: complete, okStatus: 200},
		{name: "CreateMultipartUpload", method: "POST", path: b + "/k", query: q("uploads", ""), okStatus: 200},
		{name: "AbortMultipartUpload", method: "DELETE", path: b + "/mpu2", query: q("uploadId", n.upload2ID), okStatus: 204},
		{name: "DeleteObjectVersion", method: "DELETE", path: b + "/k", query: q("versionId", n.v1), okStatus: 204},
		{name: "DeleteObject", method: "DELETE", path: b + "/k", okStatus: 204},
		{name: "DeleteObjects", method: "POST", path: b, query: q("delete", ""), header: md5(del), body: del, okStatus: 200},
		{name: "CreateBucket", method: "PUT", path: "/" + n.newBucket, body: create, okStatus: 200},
		{name: "DeleteBucket", method: "DELETE", path: "/" + n.emptyBucket, okStatus: 204},
	}
}

// presignedExpiry presigns a GET with aws-cli for one second and polls
// until the gateway refuses it as expired.
func (n *negEnv) presignedExpiry(t *testing.T) {
	a := newAWSCLI(t, n.gw.S3URL, gwAccessKey, gwSecretKey)
	u := awsPresign(t, a, "s3://"+n.bucket+"/k", 1)
	get := rawRoute{method: http.MethodGet, path: "/" + n.bucket + "/k"}
	var last s3Answer
	testenv.Eventually(t, 30*time.Second, "the presigned URL expires", func() error {
		last = send(t, rawClient, get.requestTo(t, u, nil))
		if last.Status == http.StatusOK {
			return fmt.Errorf("still accepted")
		}
		return nil
	})
	checkRefusal(t, get, last, "AccessDenied", 403)
}
