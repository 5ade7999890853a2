package e2e

// A RING S3 Connector is often reached over HTTPS only. Here ringside
// fronts a MinIO that serves HTTPS alone, with a self-signed certificate
// the location trusts through --ca-file: ringside's own TLS dial for
// backends, whose connections send a request body's records in bulk
// writes, carries every byte.

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ringside/ringside/test/testenv"
)

func TestHTTPSBackend(t *testing.T) {
	t.Parallel()
	cert, err := testenv.NewMinIOCert(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := testenv.StartMinIO(t, testenv.MinIOOptions{User: minAccessKey, Password: minSecretKey, TLS: cert})
	direct := testenv.S3Client(m.URL, minAccessKey, minSecretKey, cert.HTTPClient())
	ctx := context.Background()
	if err := testenv.CreateBucket(ctx, direct, "ring-https", true); err != nil {
		t.Fatal(err)
	}

	g := startGateway(t, GatewayOptions{})
	g.MustCLI("location", "add", "ring", "--endpoint", m.URL, "--access-key", minAccessKey, "--secret-key", minSecretKey,
		"--bucket", "ring-https", "--no-prefix", "--ca-file", cert.CertFile)
	if _, err := g.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("data"), CreateBucketConfiguration: locationConfig("ring")}); err != nil {
		t.Fatalf("create a bucket on the HTTPS location: %v", err)
	}

	// The SDK signs each body over plain HTTP: one and several of the
	// 256 KiB buffers a body is sent to the backend in, and a small one.
	for _, tt := range []struct {
		key  string
		size int
	}{{"small", 1000}, {"one-buffer", 256 << 10}, {"buffers", 3<<20 + 7}} {
		body := payload(uint64(tt.size), tt.size)
		if _, err := g.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String(tt.key), Body: bytes.NewReader(body)}); err != nil {
			t.Fatalf("PUT %s through ringside: %v", tt.key, err)
		}
		checkBothSides(t, g, direct, tt.key, body)
	}

	// aws-cli: a multipart upload (parts above 8 MiB) and its download.
	cli := newAWSCLI(t, g.S3URL, gwAccessKey, gwSecretKey)
	a := matrixAWS{t: t, cli: cli}
	dir := t.TempDir()
	big := payload(7, 20*mib+3)
	a.Must("s3", "cp", writeFile(t, dir, "big.bin", big), "s3://data/big.bin")
	checkBothSides(t, g, direct, "big.bin", big)
	a.Must("s3", "cp", "s3://data/big.bin", filepath.Join(dir, "big.out"))
	checkFile(t, "aws s3 cp of the multipart object", filepath.Join(dir, "big.out"), big)
}

// checkBothSides checks key's bytes through the gateway and on the
// backend, in the same-named key of ring-https.
func checkBothSides(t *testing.T, g *Gateway, direct *s3.Client, key string, want []byte) {
	t.Helper()
	ctx := context.Background()
	if got, err := testenv.GetObject(ctx, g.S3, "data", key, ""); err != nil || sum(got) != sum(want) {
		t.Errorf("GET %s through ringside: %d bytes, %v; want the %d written", key, len(got), err, len(want))
	}
	if got, err := testenv.GetObject(ctx, direct, "ring-https", key, ""); err != nil || sum(got) != sum(want) {
		t.Errorf("GET %s from the HTTPS backend: %d bytes, %v; want the %d written", key, len(got), err, len(want))
	}
}
