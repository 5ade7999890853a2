package e2e

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestPostObjectBoto3Curl uploads with an HTML form as a browser does:
// boto3's generate_presigned_post signs the policy, curl sends the form.
// Then the refusals: a file over the policy's size, a key outside it, a
// tampered signature, an expired policy and an unknown access key.
func TestPostObjectBoto3Curl(t *testing.T) {
	t.Parallel()
	needBinary(t, "/usr/bin/curl", "curl")
	forEachBackend(t, func(t *testing.T, be *Backend) {
		gw := startGateway(t, GatewayOptions{})
		target := be.NewBucket(t, "post", true)
		gw.AddLocation("post-loc", be, target, false)
		ctx := context.Background()
		if _, err := gw.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("forms"),
			CreateBucketConfiguration: locationConfig("post-loc")}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		small := writeFile(t, dir, "small.txt", []byte("hello from a form"))
		large := writeFile(t, dir, "large.bin", payload(3, 4096))
		out := runBoto3(t, gw.S3URL, gwAccessKey, gwSecretKey, postObjectScript,
			"E2E_BUCKET=forms", "E2E_SMALL="+small, "E2E_LARGE="+large)
		results := map[string]struct {
			Status int    `json:"status"`
			Body   string `json:"body"`
		}{}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var r struct {
				Case   string `json:"case"`
				Status int    `json:"status"`
				Body   string `json:"body"`
			}
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("script output %q: %v", line, err)
			}
			results[r.Case] = struct {
				Status int    `json:"status"`
				Body   string `json:"body"`
			}{r.Status, r.Body}
		}
		cases := []struct {
			name     string
			status   int
			contains string
		}{
			{"upload", 201, "<Key>uploads/small.txt</Key>"},
			{"too large", 400, "<Code>EntityTooLarge</Code>"},
			{"key outside the policy", 403, "Policy Condition failed"},
			{"tampered signature", 403, "<Code>SignatureDoesNotMatch</Code>"},
			{"expired", 403, "Policy expired."},
			{"unknown access key", 403, "<Code>InvalidAccessKeyId</Code>"},
		}
		for _, c := range cases {
			got, ok := results[c.name]
			if !ok || got.Status != c.status || !strings.Contains(got.Body, c.contains) {
				t.Errorf("%s: got %d %q, want %d with %q", c.name, got.Status, got.Body, c.status, c.contains)
			}
		}
		obj, err := gw.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("forms"), Key: aws.String("uploads/small.txt")})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(obj.Body)
		obj.Body.Close()
		if string(body) != "hello from a form" || aws.ToString(obj.ContentType) != "text/plain" {
			t.Errorf("stored %q as %q", body, aws.ToString(obj.ContentType))
		}
		// Written through to the backend under the gateway bucket's prefix.
		if _, err := be.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(target), Key: aws.String("forms/uploads/small.txt")}); err != nil {
			t.Errorf("the backend does not have the upload: %v", err)
		}
		list, err := gw.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("forms")})
		if err != nil || len(list.Contents) != 1 {
			t.Errorf("the bucket lists %d objects after the refusals (%v), want the one upload", len(list.Contents), err)
		}
	})
}

// postObjectScript signs forms with boto3 and posts them with curl, one
// JSON line per case: its status and answer.
const postObjectScript = `
import json, os, subprocess
import boto3
from botocore.config import Config

ep, b = os.environ["E2E_ENDPOINT"], os.environ["E2E_BUCKET"]
cfg = Config(signature_version="s3v4", s3={"addressing_style": "path"})
s3 = boto3.client("s3", endpoint_url=ep, config=cfg)

def post(case, p, path, tamper=None):
    fields = dict(p["fields"])
    if tamper: tamper(fields)
    args = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}"]
    for k, v in fields.items():
        args += ["--form-string", "%s=%s" % (k, v)]
    args += ["-F", "file=@" + path, p["url"]]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    body, _, status = out.rpartition("\n")
    print(json.dumps({"case": case, "status": int(status), "body": body}))

def presign(client=s3, key="uploads/${filename}", expires=600, size=1024):
    return client.generate_presigned_post(b, key,
        Fields={"success_action_status": "201", "Content-Type": "text/plain"},
        Conditions=[{"success_action_status": "201"}, {"Content-Type": "text/plain"},
                    ["content-length-range", 1, size]],
        ExpiresIn=expires)

post("upload", presign(), os.environ["E2E_SMALL"])
post("too large", presign(), os.environ["E2E_LARGE"])
post("key outside the policy", presign(key="uploads/fixed.txt"), os.environ["E2E_SMALL"],
     lambda f: f.__setitem__("key", "elsewhere/x.txt"))
post("tampered signature", presign(), os.environ["E2E_SMALL"],
     lambda f: f.__setitem__("x-amz-signature", "0" * 64))
post("expired", presign(expires=-60), os.environ["E2E_SMALL"])
stranger = boto3.client("s3", endpoint_url=ep, config=cfg,
                        aws_access_key_id="UNKNOWNKEY", aws_secret_access_key="unknown-secret")
post("unknown access key", presign(client=stranger), os.environ["E2E_SMALL"])
`
