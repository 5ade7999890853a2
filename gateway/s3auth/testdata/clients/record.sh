#!/bin/sh
# Records what aws-cli v1 (botocore), aws-cli v2 and boto3 send, over HTTP
# and HTTPS, into <scheme>-<client>/ for clients_test.go. Run it from this
# directory; it needs both aws-cli versions and boto3. The credentials are
# the tests' own.
set -eu
cd "$(dirname "$0")"
AWS1=${AWS1:-aws}          # aws-cli v1 (botocore)
AWS2=${AWS2:-/usr/bin/aws} # aws-cli v2
PYTHON=${PYTHON:-python3}  # with boto3

export AWS_ACCESS_KEY_ID=AKIDRINGSIDETEST
export AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY='
export AWS_DEFAULT_REGION=us-east-1
unset AWS_CA_BUNDLE AWS_PROFILE AWS_ENDPOINT_URL || true
work=$(mktemp -d)
trap 'kill $rec 2>/dev/null || true; rm -rf "$work"' EXIT
printf '[default]\ns3 =\n  signature_version = s3v4\n' > "$work/config"
export AWS_CONFIG_FILE="$work/config"
$PYTHON - "$work" <<'PY'
import random, sys
r = random.Random(7)
for name, n in [("small.bin", 40000), ("part1.bin", 70000), ("part2.bin", 30001)]:
    open(sys.argv[1] + "/" + name, "wb").write(bytes(r.getrandbits(8) for _ in range(n)))
PY

go build -o "$work/record" record.go

record() { # scheme client
	dir=$1-$2
	rm -rf "$dir" && mkdir "$dir"
	tlsflag=""
	if [ "$1" = https ]; then tlsflag="-tls-dir $work/tls"; fi
	rm -f "$work/addr"
	"$work/record" -out "$dir" $tlsflag -addr-file "$work/addr" &
	rec=$!
	while [ ! -s "$work/addr" ]; do sleep 0.2; done
	endpoint=$1://$(cat "$work/addr")
	ca=""
	if [ "$1" = https ]; then ca="--ca-bundle $work/tls/tls-self-signed.crt"; fi
}

stop() {
	kill $rec
	wait $rec 2>/dev/null || true
}

cli() { # aws binary, client name
	aws=$1; p=$2
	s3="$aws --endpoint-url $endpoint $ca"
	$s3 s3api put-object --bucket bucket --key "$p/put object ü+=&.bin" --body "$work/small.bin" >/dev/null
	$s3 s3 cp "$work/small.bin" "s3://bucket/$p/cp.bin" >/dev/null
	$s3 s3 ls "s3://bucket/$p/" >/dev/null
	$s3 s3 cp "s3://bucket/$p/cp.bin" "$work/got.bin" >/dev/null
	cmp "$work/small.bin" "$work/got.bin"
	$s3 s3api put-object-tagging --bucket bucket --key "$p/cp.bin" --tagging 'TagSet=[{Key=team,Value=blue}]'
	id=$($s3 s3api create-multipart-upload --bucket bucket --key "$p/multipart.bin" --query UploadId --output text)
	e1=$($s3 s3api upload-part --bucket bucket --key "$p/multipart.bin" --upload-id "$id" --part-number 1 --body "$work/part1.bin" --query ETag --output text)
	e2=$($s3 s3api upload-part --bucket bucket --key "$p/multipart.bin" --upload-id "$id" --part-number 2 --body "$work/part2.bin" --query ETag --output text)
	printf '{"Parts":[{"ETag":%s,"PartNumber":1},{"ETag":%s,"PartNumber":2}]}' "$(printf '%s' "$e1" | $PYTHON -c 'import json,sys; print(json.dumps(sys.stdin.read()))')" "$(printf '%s' "$e2" | $PYTHON -c 'import json,sys; print(json.dumps(sys.stdin.read()))')" > "$work/parts.json"
	$s3 s3api complete-multipart-upload --bucket bucket --key "$p/multipart.bin" --upload-id "$id" --multipart-upload "file://$work/parts.json" >/dev/null
	$s3 s3api put-object --bucket bucket --key "$p/gone" --body "$work/part2.bin" >/dev/null
	$s3 s3api delete-objects --bucket bucket --delete "Objects=[{Key=$p/gone}]" >/dev/null
	url=$($s3 s3 presign "s3://bucket/$p/cp.bin")
	curl -sf ${ca:+--cacert $work/tls/tls-self-signed.crt} -o "$work/got.bin" "$url"
	cmp "$work/small.bin" "$work/got.bin"
	manifest "$p/put object ü+=&.bin" small.bin "$p/cp.bin" small.bin "$p/multipart.bin" multipart
}

boto() {
	$PYTHON - "$endpoint" "$work" ${ca:+"$work/tls/tls-self-signed.crt"} <<'PY'
import sys, boto3, urllib.request, ssl
from botocore.config import Config
endpoint, work = sys.argv[1], sys.argv[2]
verify = sys.argv[3] if len(sys.argv) > 3 else None
s3 = boto3.client("s3", endpoint_url=endpoint, verify=verify, config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
small = open(work + "/small.bin", "rb").read()
s3.put_object(Bucket="bucket", Key="boto3/put sha256 ключ.bin", Body=small, ChecksumAlgorithm="SHA256")
s3.put_object(Bucket="bucket", Key="boto3/put sha1.bin", Body=small, ChecksumAlgorithm="SHA1")
with open(work + "/small.bin", "rb") as f:
    s3.upload_fileobj(f, "bucket", "boto3/upload_fileobj.bin")
assert s3.get_object(Bucket="bucket", Key="boto3/upload_fileobj.bin")["Body"].read() == small
url = s3.generate_presigned_url("put_object", Params={"Bucket": "bucket", "Key": "boto3/presigned put.bin"}, ExpiresIn=3600)
ctx = ssl.create_default_context(cafile=verify) if verify else None
urllib.request.urlopen(urllib.request.Request(url, data=small, method="PUT"), context=ctx).read()
url = s3.generate_presigned_url("get_object", Params={"Bucket": "bucket", "Key": "boto3/presigned put.bin"}, ExpiresIn=3600)
assert urllib.request.urlopen(url, context=ctx).read() == small
s3.list_objects_v2(Bucket="bucket", Prefix="boto3/", Delimiter="/")
PY
	manifest "boto3/put sha256 ключ.bin" small.bin "boto3/put sha1.bin" small.bin "boto3/upload_fileobj.bin" small.bin "boto3/presigned put.bin" small.bin
}

# manifest KEY FILE ...: the expected content of the objects, as
# "<sha256> <key>" lines.
manifest() {
	while [ $# -gt 0 ]; do
		if [ "$2" = multipart ]; then sum=$(cat "$work/part1.bin" "$work/part2.bin" | sha256sum | cut -d' ' -f1)
		else sum=$(sha256sum < "$work/$2" | cut -d' ' -f1); fi
		printf '%s %s\n' "$sum" "$1" >> "$dir/manifest.txt"
		shift 2
	done
}

for scheme in http https; do
	record $scheme awscli1; cli "$AWS1" awscli1; stop
	record $scheme awscli2; cli "$AWS2" awscli2; stop
	record $scheme boto3; boto; stop
done
echo recorded
