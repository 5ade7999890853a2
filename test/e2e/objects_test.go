package e2e

// Issue 2: the write-through gateway seen through real clients, on a
// no-prefix location and on a prefix location, against each backend.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/ringside/ringside/test/testenv"
)

const mib = 1 << 20

func TestObjects(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, be *Backend) {
		gw := startGateway(t, GatewayOptions{})
		npTarget := be.NewBucket(t, "objects-np", true)
		pTarget := be.NewBucket(t, "objects-p", true)

		out := gw.AddLocation("ring-np", be, npTarget, true)
		if !strings.Contains(out, "data loss") {
			t.Errorf("location add --no-prefix printed no data-loss warning:\n%s", out)
		}
		gw.AddLocation("ring-p", be, pTarget, false)
		checkLocations(t, gw, be, npTarget, pTarget)

		t.Run("no-prefix", func(t *testing.T) {
			t.Parallel()
			objectSuite(t, gw, be, "photos", "ring-np", npTarget, "")
		})
		t.Run("prefix", func(t *testing.T) {
			t.Parallel()
			objectSuite(t, gw, be, "docs", "ring-p", pTarget, "docs/")
		})
	})
}

// checkLocations checks `location list` and `location show`: both
// locations, their targets and versioning state, and no secret.
func checkLocations(t *testing.T, gw *Gateway, be *Backend, npTarget, pTarget string) {
	t.Helper()
	list := gw.MustCLI("location", "list")
	for _, want := range []string{"ring-np", "ring-p", npTarget, pTarget, "Enabled"} {
		if !strings.Contains(list, want) {
			t.Errorf("location list does not show %q:\n%s", want, list)
		}
	}
	var info struct {
		Name         string `json:"name"`
		TargetBucket string `json:"targetBucket"`
		NoPrefix     bool   `json:"noPrefix"`
		SecretKey    string `json:"secretKey"`
		Versioning   string `json:"versioning"`
	}
	raw := gw.MustCLI("location", "show", "ring-np", "--json")
	if err := json.Unmarshal([]byte(raw), &info); err != nil {
		t.Fatalf("decode location show --json: %v\n%s", err, raw)
	}
	if info.Name != "ring-np" || info.TargetBucket != npTarget || !info.NoPrefix || info.Versioning != "Enabled" {
		t.Errorf("location show ring-np = %+v, want target %s, no-prefix, versioning Enabled", info, npTarget)
	}
	if info.SecretKey == be.SecretKey {
		t.Errorf("location show prints the backend secret in clear")
	}
	text := gw.MustCLI("location", "show", "ring-p")
	if !strings.Contains(text, pTarget) {
		t.Errorf("location show ring-p does not show its target %s:\n%s", pTarget, text)
	}
}

// objectSuite runs the client scenario of issue 2 on one gateway bucket
// bound to location loc, whose objects live in beBucket under prefix.
func objectSuite(t *testing.T, gw *Gateway, be *Backend, bucket, loc, beBucket, prefix string) {
	ctx := context.Background()
	awsGW := newAWSCLI(t, gw.S3URL, gwAccessKey, gwSecretKey)
	awsBE := newAWSCLI(t, be.URL, be.AccessKey, be.SecretKey)
	dir := t.TempDir()
	pair := mirrorPair{gw: gw, be: be, gwBucket: bucket, beBucket: beBucket, prefix: prefix}

	// The bucket, bound by its location constraint.
	awsGW.Must("s3api", "create-bucket", "--bucket", bucket,
		"--create-bucket-configuration", "LocationConstraint="+loc)
	var buckets struct{ Buckets []struct{ Name string } }
	awsGW.JSON(&buckets, "s3api", "list-buckets")
	if !slices.ContainsFunc(buckets.Buckets, func(b struct{ Name string }) bool { return b.Name == bucket }) {
		t.Fatalf("list-buckets does not show %s: %+v", bucket, buckets)
	}
	if show := gw.MustCLI("bucket", "show", bucket); !strings.Contains(show, loc) {
		t.Errorf("bucket show %s does not name location %s:\n%s", bucket, loc, show)
	}

	// A small object with metadata.
	small := payload(1, 3000)
	smallPath := writeFile(t, dir, "small.txt", small)
	awsGW.Must("s3", "cp", smallPath, "s3://"+bucket+"/notes/small.txt",
		"--content-type", "text/plain", "--cache-control", "max-age=60",
		"--metadata", "owner=alice,project=ring")
	var head headOut
	awsGW.JSON(&head, "s3api", "head-object", "--bucket", bucket, "--key", "notes/small.txt")
	head.check(t, "small object", 3000, "text/plain", "max-age=60", map[string]string{"owner": "alice", "project": "ring"})
	firstVersion := head.VersionId

	// Every standard header round-trips; transport headers are not stored.
	awsGW.Must("s3api", "put-object", "--bucket", bucket, "--key", "notes/headers.txt", "--body", smallPath,
		"--content-type", "text/csv", "--cache-control", "no-cache",
		"--content-disposition", `attachment; filename="h.txt"`, "--content-encoding", "identity",
		"--content-language", "fr", "--expires", "2030-01-02T03:04:05Z", "--metadata", "k1=v1")
	var hh struct {
		headOut
		ContentDisposition string
		ContentEncoding    string
		ContentLanguage    string
		Expires            string
	}
	awsGW.JSON(&hh, "s3api", "head-object", "--bucket", bucket, "--key", "notes/headers.txt")
	hh.check(t, "headers object", 3000, "text/csv", "no-cache", map[string]string{"k1": "v1"})
	if hh.ContentDisposition != `attachment; filename="h.txt"` || hh.ContentEncoding != "identity" ||
		hh.ContentLanguage != "fr" || !strings.Contains(hh.Expires, "2030") {
		t.Errorf("standard headers did not round-trip: %+v", hh)
	}

	// No Content-Type given: the gateway answers what the backend stored.
	// (It is then removed, versions and all, so that the comparison at the
	// end does not report it again.)
	var untyped struct{ VersionId string }
	awsGW.JSON(&untyped, "s3api", "put-object", "--bucket", bucket, "--key", "untyped", "--body", smallPath)
	if err := pair.compareHead(ctx, "untyped"); err != nil {
		t.Errorf("an object written with no Content-Type: %v", err)
	}
	if _, err := gw.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("untyped"),
		VersionId: aws.String(untyped.VersionId)}); err != nil {
		t.Errorf("delete version %s of untyped: %v", untyped.VersionId, err)
	}

	// A file large enough for aws-cli to go multipart (threshold 8 MiB).
	big := payload(2, 20*mib)
	bigPath := writeFile(t, dir, "big.bin", big)
	awsGW.Must("s3", "cp", bigPath, "s3://"+bucket+"/big/big.bin")
	checkMultipart(t, gw, be, bucket, "big/big.bin", 20*mib, 3)
	got := filepath.Join(dir, "big.out")
	awsGW.Must("s3", "cp", "s3://"+bucket+"/big/big.bin", got)
	if fileSum(t, got) != sum(big) {
		t.Errorf("the 20 MiB object read back through aws-cli differs from what was written")
	}
	rangeOut := filepath.Join(dir, "range.out")
	awsGW.Must("s3api", "get-object", "--bucket", bucket, "--key", "big/big.bin", "--range", "bytes=9000000-9000099", rangeOut)
	if b, _ := os.ReadFile(rangeOut); string(b) != string(big[9000000:9000100]) {
		t.Errorf("ranged GET returned %d bytes that differ from the object's", len(b))
	}

	// s3cmd: multipart with 5 MiB chunks, get, ls.
	s3c := newS3Cmd(t, gw.S3URL, gwAccessKey, gwSecretKey)
	mid := payload(3, 12*mib)
	midPath := writeFile(t, dir, "mid.bin", mid)
	s3c.Must("put", "--multipart-chunk-size-mb=5", midPath, "s3://"+bucket+"/big/s3cmd.bin")
	s3cOut := filepath.Join(dir, "mid.out")
	s3c.Must("get", "s3://"+bucket+"/big/s3cmd.bin", s3cOut)
	if fileSum(t, s3cOut) != sum(mid) {
		t.Errorf("the 12 MiB object read back through s3cmd differs from what was written")
	}
	checkMultipart(t, gw, be, bucket, "big/s3cmd.bin", 12*mib, 3)
	if ls := s3c.Must("ls", "s3://"+bucket+"/big/"); !strings.Contains(ls, "s3cmd.bin") || !strings.Contains(ls, "big.bin") {
		t.Errorf("s3cmd ls does not show both big objects:\n%s", ls)
	}

	listingChecks(t, gw, awsGW, bucket, dir)

	// Server-side copies: a small one, and aws-cli's multipart copy of the
	// 20 MiB object (UploadPartCopy).
	awsGW.Must("s3api", "copy-object", "--bucket", bucket, "--key", "copies/small.txt",
		"--copy-source", bucket+"/notes/small.txt")
	awsGW.Must("s3", "cp", "s3://"+bucket+"/big/big.bin", "s3://"+bucket+"/copies/big.bin")
	for key, want := range map[string][]byte{"copies/small.txt": small, "copies/big.bin": big} {
		b, err := testenv.GetObject(ctx, gw.S3, bucket, key, "")
		if err != nil || sum(b) != sum(want) {
			t.Errorf("GET copy %s: %d bytes, err %v; want the source's %d bytes", key, len(b), err, len(want))
		}
	}

	// Overwrite: new bytes, and the metadata replaced, not merged.
	small2 := payload(4, 1234)
	small2Path := writeFile(t, dir, "small2.txt", small2)
	awsGW.Must("s3", "cp", small2Path, "s3://"+bucket+"/notes/small.txt",
		"--content-type", "text/markdown", "--metadata", "owner=bob")
	awsGW.JSON(&head, "s3api", "head-object", "--bucket", bucket, "--key", "notes/small.txt")
	head.check(t, "overwritten object", 1234, "text/markdown", "", map[string]string{"owner": "bob"})
	if b, err := testenv.GetObject(ctx, gw.S3, bucket, "notes/small.txt", ""); err != nil || sum(b) != sum(small2) {
		t.Errorf("GET after overwrite: %d bytes, err %v; want the new %d bytes", len(b), err, len(small2))
	}
	oldOut := filepath.Join(dir, "old.out")
	awsGW.Must("s3api", "get-object", "--bucket", bucket, "--key", "notes/small.txt", "--version-id", firstVersion, oldOut)
	if fileSum(t, oldOut) != sum(small) {
		t.Errorf("GET of the first version %s does not return the first bytes", firstVersion)
	}

	// Delete: a delete marker, the versions kept.
	awsGW.Must("s3", "rm", "s3://"+bucket+"/notes/small.txt")
	if _, err := gw.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("notes/small.txt")}); !isNotFound(err) {
		t.Errorf("HEAD after delete: err %v, want 404", err)
	}
	var versions versionsOut
	awsGW.JSON(&versions, "s3api", "list-object-versions", "--bucket", bucket, "--prefix", "notes/small.txt")
	if len(versions.Versions) != 2 || len(versions.DeleteMarkers) != 1 || !versions.DeleteMarkers[0].IsLatest {
		t.Errorf("list-object-versions after overwrite and delete: %+v; want 2 versions and a latest delete marker", versions)
	}

	// Delete one version for good.
	awsGW.Must("s3api", "delete-object", "--bucket", bucket, "--key", "notes/small.txt", "--version-id", firstVersion)
	if l, err := listVersions(ctx, gw.S3, bucket, "notes/small.txt", "", 1000); err != nil {
		t.Fatal(err)
	} else if len(l.Versions) != 1 || l.Versions[0].VersionID == firstVersion {
		t.Errorf("versions after deleting version %s: %v; want the other one only", firstVersion, l.Versions)
	}

	// Where the objects sit on the backend, seen with aws-cli pointed at it.
	awsBE.JSON(&head, "s3api", "head-object", "--bucket", beBucket, "--key", prefix+"big/big.bin")
	if head.ContentLength != 20*mib {
		t.Errorf("backend object %s%s: size %d, want %d", prefix, "big/big.bin", head.ContentLength, 20*mib)
	}
	if prefix != "" {
		if code := awsBE.Fails("s3api", "head-object", "--bucket", beBucket, "--key", "big/big.bin"); code == "" {
			t.Errorf("a prefix-mode object also sits under its bare key on the backend")
		}
	}
	if b, err := testenv.GetObject(ctx, be.S3, beBucket, prefix+"big/s3cmd.bin", ""); err != nil || sum(b) != sum(mid) {
		t.Errorf("backend %s%s: %d bytes, err %v; want the s3cmd upload", prefix, "big/s3cmd.bin", len(b), err)
	}

	if prefix != "" {
		rcloneAndBoto3(t, gw, be, bucket, dir)
	}

	// DeleteObjects, through aws-cli's recursive rm.
	awsGW.Must("s3", "rm", "s3://"+bucket+"/list/", "--recursive")
	if objs, err := listObjects(ctx, gw.S3, bucket, "list/", ""); err != nil || len(objs) != 0 {
		t.Errorf("after aws s3 rm --recursive list/: %v, err %v; want nothing", objs, err)
	}

	// The gateway's view equals the backend bucket's, key by key and
	// version by version, metadata included.
	if err := pair.compare(ctx, true); err != nil {
		t.Errorf("the gateway's listing differs from the backend's:\n%v", err)
	}
}

// listingChecks uploads a tree with aws-cli and lists it with a delimiter
// across pages, with ListObjects v2 and v1.
func listingChecks(t *testing.T, gw *Gateway, awsGW *AWSCLI, bucket, dir string) {
	t.Helper()
	tree := []string{"a/1.txt", "a/2.txt", "b/1.txt", "c.txt", "d.txt", "e/x/y.txt", "e/z.txt", "f.txt", "g/1.txt", "h.txt", "i.txt"}
	treeDir := filepath.Join(dir, "tree")
	for i, name := range tree {
		writeFile(t, treeDir, name, payload(uint64(100+i), 100+i))
	}
	awsGW.Must("s3", "cp", treeDir, "s3://"+bucket+"/list/", "--recursive")

	wantPrefixes := []string{"list/a/", "list/b/", "list/e/", "list/g/"}
	wantKeys := []string{"list/c.txt", "list/d.txt", "list/f.txt", "list/h.txt", "list/i.txt"}
	var allKeys []string
	for _, name := range tree {
		allKeys = append(allKeys, "list/"+name)
	}
	slices.Sort(allKeys)

	for _, api := range []string{"list-objects-v2", "list-objects"} {
		var l listOut
		awsGW.JSON(&l, "s3api", api, "--bucket", bucket, "--prefix", "list/", "--delimiter", "/", "--page-size", "2")
		if !slices.Equal(l.keys(), wantKeys) || !slices.Equal(l.prefixes(), wantPrefixes) {
			t.Errorf("%s with delimiter, 2 per page: keys %v prefixes %v; want %v and %v", api, l.keys(), l.prefixes(), wantKeys, wantPrefixes)
		}
	}

	// --max-items stops inside a page and resumes from its token. (Not
	// with a delimiter: botocore then counts keys and prefixes apart and
	// drops entries whatever the server, MinIO included.)
	var first, rest listOut
	awsGW.JSON(&first, "s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "list/",
		"--page-size", "3", "--max-items", "4")
	if first.NextToken == "" {
		t.Fatalf("list-objects-v2 --max-items 4 gave no NextToken: %+v", first)
	}
	awsGW.JSON(&rest, "s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "list/",
		"--page-size", "3", "--starting-token", first.NextToken)
	if keys := append(first.keys(), rest.keys()...); !slices.Equal(keys, allKeys) {
		t.Errorf("list-objects-v2 in two calls (--max-items 4, --starting-token): keys %v; want %v", keys, allKeys)
	}

	// Page by page, one entry per page, with the SDK: no entry twice.
	for _, delim := range []string{"/", ""} {
		var keys []string
		in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("list/"), MaxKeys: aws.Int32(1)}
		if delim != "" {
			in.Delimiter = aws.String(delim)
		}
		for pages := 0; pages < 50; pages++ {
			out, err := gw.S3.ListObjectsV2(context.Background(), in)
			if err != nil {
				t.Fatalf("ListObjectsV2 max-keys 1: %v", err)
			}
			for _, c := range out.Contents {
				keys = append(keys, aws.ToString(c.Key))
			}
			for _, c := range out.CommonPrefixes {
				keys = append(keys, aws.ToString(c.Prefix))
			}
			if !aws.ToBool(out.IsTruncated) {
				break
			}
			in.ContinuationToken = out.NextContinuationToken
		}
		want := allKeys
		if delim != "" {
			want = append(append([]string{}, wantKeys...), wantPrefixes...)
			slices.Sort(want)
		}
		if !slices.Equal(keys, want) {
			t.Errorf("ListObjectsV2 one entry per page, delimiter %q: %v; want %v", delim, keys, want)
		}
	}
}

// checkMultipart checks an object's size through the gateway and, on
// MinIO, that it was stored by a multipart upload of parts parts. (The
// embedded fake gives every object the MD5 of its bytes as its ETag.)
func checkMultipart(t *testing.T, gw *Gateway, be *Backend, bucket, key string, size int64, parts int) {
	t.Helper()
	h, err := gw.S3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("HEAD %s: %v", key, err)
	}
	etag := strings.Trim(aws.ToString(h.ETag), `"`)
	if aws.ToInt64(h.ContentLength) != size {
		t.Errorf("HEAD %s: size %d, want %d", key, aws.ToInt64(h.ContentLength), size)
	}
	if be.Kind == "minio" && !strings.HasSuffix(etag, fmt.Sprintf("-%d", parts)) {
		t.Errorf("HEAD %s: ETag %s, want the ETag of a %d-part multipart upload", key, etag, parts)
	}
}

// rcloneAndBoto3 runs rclone and a boto3 script against the bucket.
func rcloneAndBoto3(t *testing.T, gw *Gateway, be *Backend, bucket, dir string) {
	t.Helper()
	rc := newRclone(t, gw.S3URL, gwAccessKey, gwSecretKey)
	src := filepath.Join(dir, "rclone-src")
	files := map[string][]byte{"one.txt": payload(10, 500), "sub/two.bin": payload(11, 70000)}
	for name, data := range files {
		writeFile(t, src, name, data)
	}
	rc.Must("copy", src, "gw:"+bucket+"/rclone")
	ls := rc.Must("ls", "gw:"+bucket+"/rclone")
	for name, data := range files {
		if !strings.Contains(ls, fmt.Sprintf("%d %s", len(data), name)) {
			t.Errorf("rclone ls does not show %s (%d bytes):\n%s", name, len(data), ls)
		}
		if cat := rc.Must("cat", "gw:"+bucket+"/rclone/"+name); cat != string(data) {
			t.Errorf("rclone cat %s: %d bytes that differ from the %d written", name, len(cat), len(data))
		}
	}

	big := payload(12, 11*mib)
	bigPath := writeFile(t, dir, "boto.bin", big)
	env := []string{"E2E_BUCKET=" + bucket, "E2E_FILE=" + bigPath, "E2E_OUT=" + filepath.Join(dir, "boto.out")}
	if be.Kind == "minio" {
		env = append(env, "E2E_MULTIPART_ETAG=1")
	}
	out := runBoto3(t, gw.S3URL, gwAccessKey, gwSecretKey, boto3Script, env...)
	if !strings.Contains(out, "boto3 ok") {
		t.Errorf("boto3 script did not finish:\n%s", out)
	}
}

// boto3Script puts, gets, lists and deletes, and uploads and downloads a
// file in 5 MiB parts.
const boto3Script = `
import hashlib, os, sys
import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

b = os.environ["E2E_BUCKET"]
s3 = boto3.client("s3", endpoint_url=os.environ["E2E_ENDPOINT"],
                  config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))

def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)

s3.put_object(Bucket=b, Key="boto/a.txt", Body=b"hello boto", ContentType="text/plain", Metadata={"who": "boto"})
r = s3.get_object(Bucket=b, Key="boto/a.txt")
if r["Body"].read() != b"hello boto": fail("get_object bytes")
if r["ContentType"] != "text/plain" or r["Metadata"] != {"who": "boto"}: fail("metadata %r %r" % (r["ContentType"], r["Metadata"]))
# No empty body here: botocore 1.29 then stalls on the next PUT of the same
# connection until its read timeout, whatever the server (MinIO too).
for i in range(5):
    s3.put_object(Bucket=b, Key="boto/many/%d" % i, Body=b"x" * (i + 1), ContentType="text/x-many")
keys = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=b, Prefix="boto/", PaginationConfig={"PageSize": 2}):
    keys += [o["Key"] for o in page.get("Contents", [])]
want = ["boto/a.txt"] + ["boto/many/%d" % i for i in range(5)]
if keys != want: fail("list %r, want %r" % (keys, want))
s3.delete_object(Bucket=b, Key="boto/a.txt")
try:
    s3.head_object(Bucket=b, Key="boto/a.txt")
    fail("head after delete succeeded")
except s3.exceptions.ClientError as e:
    if e.response["Error"]["Code"] not in ("404", "NoSuchKey"): raise

cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
s3.upload_file(os.environ["E2E_FILE"], b, "boto/big.bin", Config=cfg, ExtraArgs={"ContentType": "application/x-boto"})
h = s3.head_object(Bucket=b, Key="boto/big.bin")
if h["ContentLength"] != os.path.getsize(os.environ["E2E_FILE"]): fail("upload_file size %d" % h["ContentLength"])
if os.environ.get("E2E_MULTIPART_ETAG") and not h["ETag"].strip('"').endswith("-3"): fail("upload_file etag %s, want 3 parts" % h["ETag"])
s3.download_file(b, "boto/big.bin", os.environ["E2E_OUT"], Config=cfg)
def digest(p):
    return hashlib.sha256(open(p, "rb").read()).hexdigest()
if digest(os.environ["E2E_FILE"]) != digest(os.environ["E2E_OUT"]): fail("download_file bytes differ")
print("boto3 ok")
`

// headOut is aws-cli's head-object output.
type headOut struct {
	ContentLength int64
	ContentType   string
	CacheControl  string
	ETag          string
	VersionId     string
	Metadata      map[string]string
}

func (h headOut) check(t *testing.T, what string, size int64, ctype, cache string, meta map[string]string) {
	t.Helper()
	if h.ContentLength != size || h.ContentType != ctype || h.CacheControl != cache || fmt.Sprint(h.Metadata) != fmt.Sprint(meta) {
		t.Errorf("%s: head-object = size %d type %q cache %q meta %v; want %d %q %q %v",
			what, h.ContentLength, h.ContentType, h.CacheControl, h.Metadata, size, ctype, cache, meta)
	}
}

// listOut is aws-cli's list-objects(-v2) output, all pages merged.
type listOut struct {
	Contents       []struct{ Key string }
	CommonPrefixes []struct{ Prefix string }
	NextToken      string
}

func (l listOut) keys() []string {
	var ks []string
	for _, c := range l.Contents {
		ks = append(ks, c.Key)
	}
	return ks
}

func (l listOut) prefixes() []string {
	var ps []string
	for _, c := range l.CommonPrefixes {
		ps = append(ps, c.Prefix)
	}
	return ps
}

// versionsOut is aws-cli's list-object-versions output.
type versionsOut struct {
	Versions []struct {
		Key       string
		VersionId string
		IsLatest  bool
		Size      int64
		ETag      string
	}
	DeleteMarkers []struct {
		Key       string
		VersionId string
		IsLatest  bool
	}
}
