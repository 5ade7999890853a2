package e2e

// Issue 4's client matrix: aws-cli, s3cmd, rclone, a boto3 script and
// aws-sdk-go-v2 with its default settings, over plain HTTP and over HTTPS
// with a self-signed certificate the clients are told to trust. Every
// operation must work, and every byte read back, through the gateway and
// straight from the backend bucket, must be the byte written.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/ringside/ringside/test/testenv"
)

// matrixEnv is one gateway (HTTP or HTTPS) with a bucket on a no-prefix
// location; each client works under a key prefix of its own.
type matrixEnv struct {
	gw       *Gateway
	be       *Backend
	scheme   string
	ca       string // the certificate to trust, "" over HTTP
	http     *http.Client
	bucket   string
	beBucket string
}

func TestClientMatrix(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, be *Backend) {
		clientMatrix(t, be)
	})
}

func clientMatrix(t *testing.T, be *Backend) {
	for _, scheme := range []string{"http", "https"} {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			m := newMatrixEnv(t, be, scheme)
			clients := []struct {
				name string
				run  func(*testing.T, *matrixEnv)
			}{
				{"aws-cli", matrixAWSCLI},
				{"s3cmd", matrixS3Cmd},
				{"rclone", matrixRclone},
				{"boto3", matrixBoto3},
				{"aws-sdk-go-v2", matrixGoSDK},
			}
			t.Run("clients", func(t *testing.T) {
				for _, c := range clients {
					t.Run(c.name, func(t *testing.T) {
						t.Parallel()
						c.run(t, m)
					})
				}
			})
			// Once every client is done: the gateway's view is the
			// backend bucket's, version by version, metadata included.
			pair := mirrorPair{gw: m.gw, be: be, gwBucket: m.bucket, beBucket: m.beBucket}
			if err := pair.compare(context.Background(), true); err != nil {
				t.Errorf("after the clients, the gateway's listing differs from the backend's:\n%v", err)
			}
		})
	}
}

func newMatrixEnv(t *testing.T, be *Backend, scheme string) *matrixEnv {
	t.Helper()
	m := &matrixEnv{be: be, scheme: scheme, bucket: "matrix-" + scheme}
	if scheme == "https" {
		m.gw, m.ca = startGatewayTLS(t)
		m.http = httpClientFor(certPool(t, m.ca))
		checkTLSListener(t, m.gw)
	} else {
		m.gw = startGateway(t, GatewayOptions{})
		m.http = httpClientFor(nil)
	}
	m.beBucket = be.NewBucket(t, "matrix-"+scheme, true)
	m.gw.AddLocation("ring", be, m.beBucket, true)
	if _, err := m.gw.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(m.bucket),
		CreateBucketConfiguration: locationConfig("ring")}); err != nil {
		t.Fatalf("create bucket %s over %s: %v", m.bucket, scheme, err)
	}
	return m
}

// checkStored checks key's current bytes through the gateway and in the
// backend bucket.
func (m *matrixEnv) checkStored(t *testing.T, key string, want []byte) {
	t.Helper()
	ctx := context.Background()
	if got, err := testenv.GetObject(ctx, m.gw.S3, m.bucket, key, ""); err != nil {
		t.Errorf("GET %s through the gateway: %v", key, err)
	} else if sum(got) != sum(want) {
		t.Errorf("GET %s through the gateway: %d bytes (sha256 %s), want the %d written (%s)", key, len(got), sum(got), len(want), sum(want))
	}
	if got, err := testenv.GetObject(ctx, m.be.S3, m.beBucket, key, ""); err != nil {
		t.Errorf("GET %s from the backend: %v", key, err)
	} else if sum(got) != sum(want) {
		t.Errorf("the backend holds %d bytes (sha256 %s) under %s, want the %d written (%s)", len(got), sum(got), key, len(want), sum(want))
	}
}

// checkFile checks that a downloaded file holds want.
func checkFile(t *testing.T, what, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	if sum(got) != sum(want) {
		t.Errorf("%s: %d bytes (sha256 %s), want the %d written (%s)", what, len(got), sum(got), len(want), sum(want))
	}
}

// checkGone checks that key has no current object, through the gateway
// and on the backend.
func (m *matrixEnv) checkGone(t *testing.T, key string) {
	t.Helper()
	ctx := context.Background()
	if _, err := m.gw.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(m.bucket), Key: aws.String(key)}); !isNotFound(err) {
		t.Errorf("HEAD %s through the gateway after its delete: %v, want 404", key, err)
	}
	if _, err := m.be.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(m.beBucket), Key: aws.String(key)}); !isNotFound(err) {
		t.Errorf("HEAD %s on the backend after its delete: %v, want 404", key, err)
	}
}

// backendTags is an object's tag set on the backend, as "k=v" sorted.
func (m *matrixEnv) backendTags(t *testing.T, key string) []string {
	t.Helper()
	out, err := m.be.S3.GetObjectTagging(context.Background(), &s3.GetObjectTaggingInput{Bucket: aws.String(m.beBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("tags of %s on the backend: %v", key, err)
	}
	var tags []string
	for _, tg := range out.TagSet {
		tags = append(tags, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
	}
	slices.Sort(tags)
	return tags
}

// fetch GETs a URL with the matrix's HTTP client.
func (m *matrixEnv) fetch(url string) (int, []byte, error) {
	resp, err := m.http.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// matrixAWSCLI drives aws-cli's s3 and s3api commands.
func matrixAWSCLI(t *testing.T, m *matrixEnv) {
	cli := newAWSCLI(t, m.gw.S3URL, gwAccessKey, gwSecretKey)
	if m.ca != "" {
		// Appended after the user's own AWS_CA_BUNDLE, so it wins.
		cli.env = append(cli.env, "AWS_CA_BUNDLE="+m.ca)
	}
	a := matrixAWS{t: t, cli: cli}
	dir := t.TempDir()
	s3p := "s3://" + m.bucket + "/awscli/"

	// s3 cp, a small file and a multipart one (aws-cli splits above 8 MiB).
	small := payload(401, 100*1024+7)
	big := payload(402, 20*mib+3)
	a.Must("s3", "cp", writeFile(t, dir, "small.bin", small), s3p+"small.bin")
	a.Must("s3", "cp", writeFile(t, dir, "big.bin", big), s3p+"big.bin")
	m.checkStored(t, "awscli/small.bin", small)
	m.checkStored(t, "awscli/big.bin", big)
	a.Must("s3", "cp", s3p+"small.bin", filepath.Join(dir, "small.out"))
	a.Must("s3", "cp", s3p+"big.bin", filepath.Join(dir, "big.out"))
	checkFile(t, "aws s3 cp of the small object", filepath.Join(dir, "small.out"), small)
	checkFile(t, "aws s3 cp of the multipart object", filepath.Join(dir, "big.out"), big)

	// s3 sync up, then down into an empty directory.
	tree := map[string][]byte{"a.txt": payload(403, 1000), "sub/b.bin": payload(404, 70000), "sub/deeper/c.bin": payload(405, 1)}
	up := filepath.Join(dir, "tree")
	for name, data := range tree {
		writeFile(t, up, name, data)
	}
	a.Must("s3", "sync", up, s3p+"tree/")
	down := filepath.Join(dir, "tree-down")
	a.Must("s3", "sync", s3p+"tree/", down)
	for name, data := range tree {
		checkFile(t, "aws s3 sync down of "+name, filepath.Join(down, name), data)
		m.checkStored(t, "awscli/tree/"+name, data)
	}

	// s3 ls, one level and recursive.
	ls := a.Must("s3", "ls", s3p)
	for _, want := range []string{"small.bin", "big.bin", "PRE tree/", fmt.Sprint(len(big))} {
		if !strings.Contains(ls, want) {
			t.Errorf("aws s3 ls %s does not show %q:\n%s", s3p, want, ls)
		}
	}
	ls = a.Must("s3", "ls", "--recursive", s3p+"tree/")
	for name, data := range tree {
		if !strings.Contains(ls, fmt.Sprintf("%d awscli/tree/%s", len(data), name)) {
			t.Errorf("aws s3 ls --recursive does not show %s (%d bytes):\n%s", name, len(data), ls)
		}
	}

	// s3 presign, fetched by a plain HTTP client.
	url := awsPresign(t, cli, s3p+"small.bin", 600)
	if !strings.HasPrefix(url, m.gw.S3URL+"/") || !strings.Contains(url, "X-Amz-Signature=") {
		t.Errorf("aws s3 presign gave %q, want a SigV4 URL on %s", url, m.gw.S3URL)
	}
	if status, body, err := m.fetch(url); err != nil || status != http.StatusOK || sum(body) != sum(small) {
		t.Errorf("GET of the presigned URL: status %d, %d bytes, err %v; want 200 and the %d bytes written", status, len(body), err, len(small))
	}

	matrixS3API(t, m, a, dir)

	// s3 rm.
	a.Must("s3", "rm", s3p+"small.bin")
	m.checkGone(t, "awscli/small.bin")
}

// matrixAWS runs aws-cli as AWSCLI.Must and JSON do, except that a
// command whose aws process is killed by a signal is run once more: Debian's
// aws-cli 2.9 was once seen to die of a segmentation fault in the middle of
// a download, a crash of the client, not an answer of the gateway. An aws
// that exits with an error is never run again.
type matrixAWS struct {
	t   *testing.T
	cli *AWSCLI
}

func (a matrixAWS) Must(args ...string) string {
	a.t.Helper()
	out, _, err := a.cli.Run(args...)
	var exit *exec.ExitError
	if errors.As(err, &exit) && !exit.Exited() {
		a.t.Logf("aws-cli crashed (%v); running it once more", err)
		out, _, err = a.cli.Run(args...)
	}
	if err != nil {
		a.t.Fatal(err)
	}
	return out
}

func (a matrixAWS) JSON(v any, args ...string) {
	a.t.Helper()
	out := a.Must(args...)
	reflect.ValueOf(v).Elem().SetZero()
	if strings.TrimSpace(out) == "" {
		return
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		a.t.Fatalf("decode the output of aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// awsPresign runs `aws s3 presign` (which takes none of the output
// options AWSCLI.Run adds to s3 commands) and returns the URL.
func awsPresign(t *testing.T, a *AWSCLI, s3url string, expires int) string {
	t.Helper()
	out, _, err := runClient(a.env, awsBin, "--endpoint-url", a.endpoint, "s3", "presign", s3url, "--expires-in", fmt.Sprint(expires))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

// matrixS3API drives the s3api commands.
func matrixS3API(t *testing.T, m *matrixEnv, a matrixAWS, dir string) {
	b := m.bucket
	body := payload(406, 33333)
	bodyPath := writeFile(t, dir, "api.bin", body)
	var put struct{ ETag, VersionId string }
	a.JSON(&put, "s3api", "put-object", "--bucket", b, "--key", "awscli/api.bin", "--body", bodyPath,
		"--content-type", "application/x-matrix", "--metadata", "client=aws-cli")
	if put.ETag == "" || put.VersionId == "" {
		t.Errorf("put-object answered %+v, want an ETag and a VersionId", put)
	}
	var head headOut
	a.JSON(&head, "s3api", "head-object", "--bucket", b, "--key", "awscli/api.bin")
	head.check(t, "head-object", int64(len(body)), "application/x-matrix", "", map[string]string{"client": "aws-cli"})
	if head.ETag != put.ETag || head.VersionId != put.VersionId {
		t.Errorf("head-object: ETag %s version %s, put-object said %s %s", head.ETag, head.VersionId, put.ETag, put.VersionId)
	}
	a.Must("s3api", "get-object", "--bucket", b, "--key", "awscli/api.bin", filepath.Join(dir, "api.out"))
	checkFile(t, "get-object", filepath.Join(dir, "api.out"), body)
	m.checkStored(t, "awscli/api.bin", body)

	var l listOut
	a.JSON(&l, "s3api", "list-objects-v2", "--bucket", b, "--prefix", "awscli/")
	for _, k := range []string{"awscli/api.bin", "awscli/big.bin", "awscli/small.bin", "awscli/tree/a.txt"} {
		if !slices.Contains(l.keys(), k) {
			t.Errorf("list-objects-v2 --prefix awscli/ does not show %s: %v", k, l.keys())
		}
	}

	a.Must("s3api", "copy-object", "--bucket", b, "--key", "awscli/api-copy.bin", "--copy-source", b+"/awscli/api.bin")
	m.checkStored(t, "awscli/api-copy.bin", body)

	// Tagging, checked on the backend's own object tags.
	a.Must("s3api", "put-object-tagging", "--bucket", b, "--key", "awscli/api.bin",
		"--tagging", "TagSet=[{Key=color,Value=blue},{Key=size,Value=small}]")
	var tags struct{ TagSet []struct{ Key, Value string } }
	a.JSON(&tags, "s3api", "get-object-tagging", "--bucket", b, "--key", "awscli/api.bin")
	if fmt.Sprint(tags.TagSet) != "[{color blue} {size small}]" {
		t.Errorf("get-object-tagging: %v, want color=blue and size=small", tags.TagSet)
	}
	if got := m.backendTags(t, "awscli/api.bin"); !slices.Equal(got, []string{"color=blue", "size=small"}) {
		t.Errorf("the backend object's tags: %v, want color=blue and size=small", got)
	}
	a.Must("s3api", "delete-object-tagging", "--bucket", b, "--key", "awscli/api.bin")
	a.JSON(&tags, "s3api", "get-object-tagging", "--bucket", b, "--key", "awscli/api.bin")
	if len(tags.TagSet) != 0 || len(m.backendTags(t, "awscli/api.bin")) != 0 {
		t.Errorf("after delete-object-tagging: %v through the gateway, %v on the backend; want none", tags.TagSet, m.backendTags(t, "awscli/api.bin"))
	}
	m.checkStored(t, "awscli/api.bin", body)

	// A multipart upload part by part: 5 MiB, then a short last part.
	part1, part2 := payload(407, 5*mib), payload(408, 4321)
	var up struct{ UploadId string }
	a.JSON(&up, "s3api", "create-multipart-upload", "--bucket", b, "--key", "awscli/mpu.bin")
	if up.UploadId == "" {
		t.Fatalf("create-multipart-upload gave no UploadId")
	}
	type part struct {
		ETag       string
		PartNumber int
	}
	var parts []part
	for i, data := range [][]byte{part1, part2} {
		var p struct{ ETag string }
		a.JSON(&p, "s3api", "upload-part", "--bucket", b, "--key", "awscli/mpu.bin", "--upload-id", up.UploadId,
			"--part-number", fmt.Sprint(i+1), "--body", writeFile(t, dir, fmt.Sprintf("part%d", i+1), data))
		parts = append(parts, part{ETag: p.ETag, PartNumber: i + 1})
	}
	doc, _ := json.Marshal(map[string]any{"Parts": parts})
	a.Must("s3api", "complete-multipart-upload", "--bucket", b, "--key", "awscli/mpu.bin", "--upload-id", up.UploadId,
		"--multipart-upload", "file://"+writeFile(t, dir, "parts.json", doc))
	m.checkStored(t, "awscli/mpu.bin", append(append([]byte{}, part1...), part2...))

	a.Must("s3api", "delete-object", "--bucket", b, "--key", "awscli/api-copy.bin")
	m.checkGone(t, "awscli/api-copy.bin")
}
