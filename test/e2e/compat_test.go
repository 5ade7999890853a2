package e2e

// Issue 13's addressing, region, validation and bucket tagging families,
// with real clients: boto3 in virtual-hosted style, aws-cli configured
// with a region, presigned URLs made by aws-cli.

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// boto3VirtualScript drives boto3 with addressing_style virtual. The
// names under .test resolve to 127.0.0.1 in the script alone (the test
// machine has no wildcard DNS); the Host header is boto3's own. It checks
// that every bucket request went out in virtual-hosted style.
const boto3VirtualScript = `
import os, socket
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

_getaddrinfo = socket.getaddrinfo
def getaddrinfo(host, *args, **kw):
    if isinstance(host, str) and host.endswith(".test"):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kw)
socket.getaddrinfo = getaddrinfo

port = os.environ["E2E_PORT"]
b = os.environ["E2E_BUCKET"]
urls = []
def client(base, region):
    c = boto3.client("s3", endpoint_url="http://%s:%s" % (base, port), region_name=region,
                     config=Config(s3={"addressing_style": "virtual"}, retries={"max_attempts": 1}))
    c.meta.events.register("before-send", lambda request, **kw: urls.append(request.url))
    return c

def code(call):
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", "")
    raise AssertionError("no error")

s3 = client("s3.test", "eu-west-1")
# The client's region as the location constraint: the default location.
s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
s3.head_bucket(Bucket=b)
for key in ["top.txt", "dir/sub/file.txt", b + "/looks-like-the-bucket"]:
    s3.put_object(Bucket=b, Key=key, Body=("body of " + key).encode())
    got = s3.get_object(Bucket=b, Key=key)["Body"].read().decode()
    assert got == "body of " + key, (key, got)
v2 = s3.list_objects_v2(Bucket=b)
assert v2["Name"] == b and v2["KeyCount"] == 3, v2
v1 = s3.list_objects(Bucket=b)
assert v1["Name"] == b and len(v1["Contents"]) == 3, v1
assert s3.get_bucket_location(Bucket=b)["LocationConstraint"] == "eu-west-1"
c, _ = code(lambda: s3.create_bucket(Bucket=b + "-west", CreateBucketConfiguration={"LocationConstraint": "us-west-2"}))
assert c == "InvalidLocationConstraint", c

# Bucket tagging.
c, m = code(lambda: s3.get_bucket_tagging(Bucket=b))
assert (c, m) == ("NoSuchTagSet", "The TagSet does not exist."), (c, m)
s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "team", "Value": "ring"}, {"Key": "cost", "Value": "42"}]})
tags = s3.get_bucket_tagging(Bucket=b)["TagSet"]
assert tags == [{"Key": "team", "Value": "ring"}, {"Key": "cost", "Value": "42"}], tags
c, _ = code(lambda: s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "k", "Value": "a"}, {"Key": "k", "Value": "b"}]}))
assert c == "InvalidTag", c
s3.delete_bucket_tagging(Bucket=b)
c, _ = code(lambda: s3.get_bucket_tagging(Bucket=b))
assert c == "NoSuchTagSet", c

s3.delete_object(Bucket=b, Key="top.txt")
bucket_urls = [u for u in urls if "://s3.test:" not in u]
assert bucket_urls and all(u.startswith("http://%s.s3.test:%s/" % (b, port)) or u.startswith("http://%s-west.s3.test:%s/" % (b, port)) for u in bucket_urls), bucket_urls

# Under no configured domain: refused, never answered for another bucket.
other = client("other.test", "us-east-1")
c, m = code(lambda: other.list_objects_v2(Bucket=b))
assert c == "InvalidRequest" and "--domain other.test" in m, (c, m)
c, _ = code(lambda: other.put_object(Bucket=b, Key="newkey", Body=b"x"))
assert c == "InvalidRequest", c
print("boto3 virtual ok")
`

func TestVirtualHostedBoto3(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, be *Backend) {
		ctx := context.Background()
		gw := startGateway(t, GatewayOptions{DefaultLocation: "ring-default", Domain: "s3.test"})
		gw.AddLocation("ring-default", be, be.NewBucket(t, "vhost", true), false)
		u, _ := url.Parse(gw.S3URL)
		out := runBoto3(t, gw.S3URL, gwAccessKey, gwSecretKey, boto3VirtualScript, "E2E_PORT="+u.Port(), "E2E_BUCKET=vhost-boto")
		if !strings.Contains(out, "boto3 virtual ok") {
			t.Fatalf("the boto3 script did not finish:\n%s", out)
		}
		// What boto3 wrote in virtual-hosted style, path style reads.
		for _, key := range []string{"dir/sub/file.txt", "vhost-boto/looks-like-the-bucket"} {
			data, err := getBytes(ctx, gw.S3, "vhost-boto", key, "")
			if err != nil || string(data) != "body of "+key {
				t.Errorf("path-style read of %s: %q, %v", key, data, err)
			}
		}
		var b struct{ Location string }
		if err := json.Unmarshal([]byte(gw.MustCLI("bucket", "show", "vhost-boto", "--json")), &b); err != nil || b.Location != "ring-default" {
			t.Errorf("bucket created with the client's region: %+v, %v, want location ring-default", b, err)
		}
		list, err := gw.S3.ListBuckets(ctx, &s3.ListBucketsInput{})
		if err != nil || len(list.Buckets) != 1 {
			t.Fatalf("buckets after the refused requests: %+v, %v", list, err)
		}
	})
}

// TestRegionAWSCLI checks aws-cli configured with a region: its mb sends
// the region as the location constraint, which binds to the default
// location, and get-bucket-location answers that region.
func TestRegionAWSCLI(t *testing.T) {
	t.Parallel()
	be := backendKinds[0].get(t)
	gw := startGateway(t, GatewayOptions{DefaultLocation: "ring-default"})
	gw.AddLocation("ring-default", be, be.NewBucket(t, "region", true), false)
	cli := newAWSCLI(t, gw.S3URL, gwAccessKey, gwSecretKey)
	cli.env = append(cli.env, "AWS_DEFAULT_REGION=eu-west-1")

	mustAWSPlain(t, cli, "s3", "mb", "s3://eu-cli")
	var loc struct{ LocationConstraint string }
	cli.JSON(&loc, "s3api", "get-bucket-location", "--bucket", "eu-cli")
	if loc.LocationConstraint != "eu-west-1" {
		t.Errorf("get-bucket-location = %q, want eu-west-1", loc.LocationConstraint)
	}
	if code := cli.Fails("s3api", "create-bucket", "--bucket", "west-cli", "--create-bucket-configuration", "LocationConstraint=us-west-2"); code != "InvalidLocationConstraint" {
		t.Errorf("another region: %s, want InvalidLocationConstraint", code)
	}
	if code := cli.Fails("s3api", "create-bucket", "--bucket", "acl-cli", "--acl", "invalid_acl",
		"--create-bucket-configuration", "LocationConstraint=eu-west-1"); code != "InvalidArgument" {
		t.Errorf("an unknown canned ACL: %s, want InvalidArgument", code)
	}
	if code := cli.Fails("s3api", "get-object-attributes", "--bucket", "eu-cli", "--key", "missing", "--object-attributes", "Invalid_argument"); code != "InvalidArgument" {
		t.Errorf("an unknown attribute of a missing key: %s, want InvalidArgument", code)
	}
	cli.Must("s3api", "put-bucket-tagging", "--bucket", "eu-cli", "--tagging", `TagSet=[{Key=env,Value=prod}]`)
	var tags struct{ TagSet []struct{ Key, Value string } }
	cli.JSON(&tags, "s3api", "get-bucket-tagging", "--bucket", "eu-cli")
	if len(tags.TagSet) != 1 || tags.TagSet[0].Key != "env" || tags.TagSet[0].Value != "prod" {
		t.Errorf("get-bucket-tagging = %+v", tags)
	}
	for sub, want := range map[string]string{
		"get-bucket-cors":    "(NoSuchCORSConfiguration) when calling the GetBucketCors operation: The CORS configuration does not exist",
		"get-bucket-website": "(NoSuchWebsiteConfiguration) when calling the GetBucketWebsite operation: The specified bucket does not have a website configuration",
	} {
		if _, stderr, err := cli.Run("s3api", sub, "--bucket", "eu-cli"); err == nil || !strings.Contains(stderr, want) {
			t.Errorf("aws s3api %s: %v, stderr %q, want %q", sub, err, stderr, want)
		}
	}
	var b struct{ Location string }
	if err := json.Unmarshal([]byte(gw.MustCLI("bucket", "show", "eu-cli", "--json")), &b); err != nil || b.Location != "ring-default" {
		t.Errorf("bucket made by aws s3 mb: %+v, %v, want location ring-default", b, err)
	}
	names := []string{}
	list, err := gw.S3.ListBuckets(context.Background(), &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, bk := range list.Buckets {
		names = append(names, aws.ToString(bk.Name))
	}
	if strings.Join(names, ",") != "eu-cli" {
		t.Errorf("buckets = %v, want eu-cli alone", names)
	}
}

// TestPresignedRefusalsAWSCLI takes a presigned URL made by aws-cli, spoils
// one parameter at a time, and checks S3's code and words.
func TestPresignedRefusalsAWSCLI(t *testing.T) {
	t.Parallel()
	be := backendKinds[0].get(t)
	gw := startGateway(t, GatewayOptions{})
	gw.AddLocation("ring", be, be.NewBucket(t, "presign", true), false)
	if _, err := gw.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("pre"), CreateBucketConfiguration: locationConfig("ring")}); err != nil {
		t.Fatal(err)
	}
	if _, err := put(context.Background(), gw.S3, "pre", "k", []byte("signed"), "text/plain", nil); err != nil {
		t.Fatal(err)
	}
	cli := newAWSCLI(t, gw.S3URL, gwAccessKey, gwSecretKey)
	cli.env = append(cli.env, "AWS_CONFIG_FILE="+writeFile(t, t.TempDir(), "config", []byte("[default]\ns3 =\n  signature_version = s3v4\n")))
	raw := strings.TrimSpace(mustAWSPlain(t, cli, "s3", "presign", "s3://pre/k", "--expires-in", "300"))
	signed, err := url.Parse(raw)
	if err != nil || signed.Query().Get("X-Amz-Signature") == "" {
		t.Fatalf("aws s3 presign: %q, %v", raw, err)
	}
	if status, _, _ := getURL(t, signed); status != 200 {
		t.Fatalf("the presigned URL as made: %d", status)
	}
	const missing = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
	tests := []struct {
		name, param, value string // value "" removes param
		message            string
	}{
		{"no signature", "X-Amz-Signature", "", missing},
		{"no signed headers", "X-Amz-SignedHeaders", "", missing},
		{"no date", "X-Amz-Date", "", missing},
		{"no expiry", "X-Amz-Expires", "", missing},
		{"expiry not a number", "X-Amz-Expires", "invalid_value", "X-Amz-Expires should be a number"},
		{"negative expiry", "X-Amz-Expires", "-3", "X-Amz-Expires must be non-negative"},
		{"expiry over a week", "X-Amz-Expires", "604801", "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"},
		{"credential of three parts", "X-Amz-Credential", "access/hello/world",
			`Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := *signed
			q := u.Query()
			if tt.value == "" {
				q.Del(tt.param)
			} else {
				q.Set(tt.param, tt.value)
			}
			u.RawQuery = q.Encode()
			status, code, message := getURL(t, &u)
			if status != 400 || code != "AuthorizationQueryParametersError" || message != tt.message {
				t.Errorf("got %d %s %q, want 400 AuthorizationQueryParametersError %q", status, code, message, tt.message)
			}
		})
	}
}

// getURL GETs u and returns the status with the S3 error's code and
// message, if any.
func getURL(t *testing.T, u *url.URL) (int, string, string) {
	t.Helper()
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var e struct{ Code, Message string }
	_ = xml.Unmarshal(body, &e)
	return resp.StatusCode, e.Code, e.Message
}

// mustAWSPlain runs an aws-cli s3 command that takes none of the options
// AWSCLI.Run adds.
func mustAWSPlain(t *testing.T, cli *AWSCLI, args ...string) string {
	t.Helper()
	out, _, err := runClient(cli.env, awsBin, append([]string{"--endpoint-url", cli.endpoint}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
