package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestObjectLockBoto3 drives object lock through ringside with boto3,
// on a MinIO bucket created with object lock (the embedded backend has
// none): MinIO enforces, ringside relays. The same calls on a backend
// bucket without object lock get the backend's refusals.
func TestObjectLockBoto3(t *testing.T) {
	t.Parallel()
	be := backendKinds[1].get(t)
	if be.Kind != "minio" {
		t.Fatalf("backend %s, want minio", be.Kind)
	}
	gw := startGateway(t, GatewayOptions{})
	locked := fmt.Sprintf("locked-%d", bucketSeq.Add(1))
	if _, err := be.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(locked), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	plain := be.NewBucket(t, "unlocked", true)
	gw.AddLocation("vault-np", be, locked, true)
	gw.AddLocation("vault-p", be, locked, false)
	gw.AddLocation("plain-p", be, plain, false)
	out := runBoto3(t, gw.S3URL, gwAccessKey, gwSecretKey, objectLockScript,
		"E2E_BACKEND="+be.URL, "E2E_BACKEND_AK="+be.AccessKey, "E2E_BACKEND_SK="+be.SecretKey, "E2E_LOCKED="+locked)
	if !strings.Contains(out, "object lock ok") {
		t.Fatalf("boto3 script did not finish:\n%s", out)
	}
	// The locked version is still on the backend after the refused delete,
	// and gone after the bypass.
	vs, err := be.S3.ListObjectVersions(context.Background(), &s3.ListObjectVersionsInput{Bucket: aws.String(locked), Prefix: aws.String("held")})
	if err != nil || len(vs.Versions) != 1 {
		t.Fatalf("backend versions of held: %d (%v), want the one the refused delete kept", len(vs.Versions), err)
	}
	if vs, err := be.S3.ListObjectVersions(context.Background(), &s3.ListObjectVersionsInput{Bucket: aws.String(locked), Prefix: aws.String("gov")}); err != nil || len(vs.Versions) != 0 {
		t.Fatalf("backend versions of gov: %d (%v), want none after the bypass", len(vs.Versions), err)
	}
}

const objectLockScript = `
import datetime, os, sys
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

s3 = boto3.client("s3", endpoint_url=os.environ["E2E_ENDPOINT"],
                  config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)

direct = boto3.client("s3", endpoint_url=os.environ["E2E_BACKEND"],
                      aws_access_key_id=os.environ["E2E_BACKEND_AK"], aws_secret_access_key=os.environ["E2E_BACKEND_SK"],
                      config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

def answer(f, **kw):
    try:
        f(**kw)
    except ClientError as e:
        return (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
    return None

def refused(code, status, f, **kw):
    got = answer(f, **kw)
    if got != (code, status): fail("%s: got %r, want %r" % (f.__name__, got, (code, status)))

# The delete of a locked version is the backend's to refuse, and its
# refusal reaches the client as the backend gave it (MinIO: 400
# InvalidRequest; AWS and the S3 Connector: 403 AccessDenied).
def refused_as_backend(key, version):
    want = answer(direct.delete_object, Bucket=os.environ["E2E_LOCKED"], Key=key, VersionId=version)
    if want is None: fail("the backend deleted the locked version of %s" % key)
    refused(want[0], want[1], s3.delete_object, Bucket="vault", Key=key, VersionId=version)
    return want[0]

until = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).replace(microsecond=0)

# A bucket with object lock, on a location whose backend bucket has it.
s3.create_bucket(Bucket="vault", ObjectLockEnabledForBucket=True,
                 CreateBucketConfiguration={"LocationConstraint": "vault-np"})
cfg = s3.get_object_lock_configuration(Bucket="vault")["ObjectLockConfiguration"]
if cfg.get("ObjectLockEnabled") != "Enabled": fail("configuration %r" % cfg)
s3.put_object_lock_configuration(Bucket="vault", ObjectLockConfiguration={"ObjectLockEnabled": "Enabled",
    "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
rule = s3.get_object_lock_configuration(Bucket="vault")["ObjectLockConfiguration"].get("Rule", {})
if rule.get("DefaultRetention", {}).get("Days") != 1: fail("default retention %r" % rule)
s3.put_object_lock_configuration(Bucket="vault", ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})

# Retention set by the PUT's headers, read back by HEAD and GetObjectRetention.
v = s3.put_object(Bucket="vault", Key="gov", Body=b"kept", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until)["VersionId"]
h = s3.head_object(Bucket="vault", Key="gov")
if h.get("ObjectLockMode") != "GOVERNANCE" or h.get("ObjectLockRetainUntilDate") != until: fail("HEAD lock %r %r" % (h.get("ObjectLockMode"), h.get("ObjectLockRetainUntilDate")))
r = s3.get_object_retention(Bucket="vault", Key="gov")["Retention"]
if r["Mode"] != "GOVERNANCE": fail("retention %r" % r)
refused_as_backend("gov", v)
s3.delete_object(Bucket="vault", Key="gov", VersionId=v, BypassGovernanceRetention=True)

# A legal hold set after the write, then a refused delete.
v = s3.put_object(Bucket="vault", Key="held", Body=b"held")["VersionId"]
s3.put_object_legal_hold(Bucket="vault", Key="held", LegalHold={"Status": "ON"})
if s3.get_object_legal_hold(Bucket="vault", Key="held")["LegalHold"]["Status"] != "ON": fail("legal hold")
if s3.head_object(Bucket="vault", Key="held").get("ObjectLockLegalHoldStatus") != "ON": fail("HEAD legal hold")
code = refused_as_backend("held", v)
res = s3.delete_objects(Bucket="vault", Delete={"Objects": [{"Key": "held", "VersionId": v}]}, BypassGovernanceRetention=True)
if [e["Code"] for e in res.get("Errors", [])] != [code]: fail("DeleteObjects of a held version: %r" % res)

# Copy and multipart upload with lock headers.
s3.put_object(Bucket="vault", Key="src", Body=b"src")
s3.copy_object(Bucket="vault", Key="copy", CopySource={"Bucket": "vault", "Key": "src"},
               ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until)
if s3.get_object_retention(Bucket="vault", Key="copy")["Retention"]["Mode"] != "GOVERNANCE": fail("copy retention")
up = s3.create_multipart_upload(Bucket="vault", Key="mp", ObjectLockLegalHoldStatus="ON")["UploadId"]
part = s3.upload_part(Bucket="vault", Key="mp", UploadId=up, PartNumber=1, Body=b"part")
s3.complete_multipart_upload(Bucket="vault", Key="mp", UploadId=up,
                             MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
if s3.head_object(Bucket="vault", Key="mp").get("ObjectLockLegalHoldStatus") != "ON": fail("multipart legal hold")

# A backend bucket without object lock: the backend's refusals.
refused("InvalidBucketState", 409, s3.create_bucket, Bucket="nolock", ObjectLockEnabledForBucket=True,
        CreateBucketConfiguration={"LocationConstraint": "plain-p"})
s3.create_bucket(Bucket="plain", CreateBucketConfiguration={"LocationConstraint": "plain-p"})
refused("InvalidRequest", 400, s3.put_object, Bucket="plain", Key="k", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until)
refused("ObjectLockConfigurationNotFoundError", 404, s3.get_object_lock_configuration, Bucket="plain")
refused("InvalidBucketState", 409, s3.put_object_lock_configuration, Bucket="plain", ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
refused("MalformedXML", 400, s3.put_object_legal_hold, Bucket="plain", Key="missing", LegalHold={"Status": "MAYBE"})

# A prefix location shares its backend bucket: its configuration is read,
# never set through one of its buckets.
s3.create_bucket(Bucket="shared-vault", ObjectLockEnabledForBucket=True,
                 CreateBucketConfiguration={"LocationConstraint": "vault-p"})
if s3.get_object_lock_configuration(Bucket="shared-vault")["ObjectLockConfiguration"].get("ObjectLockEnabled") != "Enabled": fail("shared configuration")
refused("NotImplemented", 501, s3.put_object_lock_configuration, Bucket="shared-vault", ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
s3.put_object(Bucket="plain", Key="k", Body=b"x")
refused("InvalidRequest", 400, s3.put_object_legal_hold, Bucket="plain", Key="k", LegalHold={"Status": "ON"})
refused("NoSuchKey", 404, s3.get_object_retention, Bucket="plain", Key="missing")
print("object lock ok")
`
