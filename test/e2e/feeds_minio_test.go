package e2e

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// minioWebhookTarget names MinIO's webhook target for ringside.
const minioWebhookTarget = "RINGSIDE"

// startMinIOWebhook runs a MinIO of the test's own whose webhook target
// posts to url with token, configured by environment at start as
// docs/FEEDS.md says.
func startMinIOWebhook(t *testing.T, url, token string) *Backend {
	t.Helper()
	bin := minioPath()
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("no MinIO server binary at %s (%v): run test/deps.sh, or set RINGSIDE_MINIO", bin, err)
	}
	addr, console := freeAddr(), freeAddr()
	env := append(cleanEnv("MINIO_"),
		"MINIO_ROOT_USER="+minAccessKey, "MINIO_ROOT_PASSWORD="+minSecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off",
		"MINIO_NOTIFY_WEBHOOK_ENABLE_"+minioWebhookTarget+"=on",
		"MINIO_NOTIFY_WEBHOOK_ENDPOINT_"+minioWebhookTarget+"="+url,
		"MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_"+minioWebhookTarget+"="+token,
	)
	p, err := startProcess(bin, []string{"server", "--quiet", "--address", addr, "--console-address", console, t.TempDir()}, env)
	if err != nil {
		t.Fatalf("start MinIO: %v", err)
	}
	t.Cleanup(func() {
		p.stop(10 * time.Second)
		if t.Failed() {
			t.Logf("MinIO output:\n%s", tail(p.logs(), 100))
		}
	})
	be := &Backend{Kind: "minio", URL: "http://" + addr, AccessKey: minAccessKey, SecretKey: minSecretKey}
	if err := waitHTTP(p, be.URL+"/minio/health/ready", 60*time.Second); err != nil {
		t.Fatalf("wait for MinIO: %v\n%s", err, p.logs())
	}
	be.S3 = newS3Client(be.URL, be.AccessKey, be.SecretKey)
	return be
}

// MinIO's webhook target posting to `ringside serve`'s admin listener: a
// direct write to MinIO is listed through the gateway with no pass.
func TestFeedMinIOWebhook(t *testing.T) {
	const token = "minio-webhook-token-0123456789"
	g := startGateway(t, GatewayOptions{MirrorInterval: "1h"})
	be := startMinIOWebhook(t, g.AdminURL+"/feed/v1/loc", token)
	ctx := context.Background()
	// MinIO answers ready before it has set its notification targets up,
	// and refuses requests meanwhile (XMinioServerNotInitialized).
	eventually(t, 60*time.Second, "MinIO creating the bucket", func() error {
		_, err := be.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("src")})
		return err
	})
	_, err := be.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("src"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = be.S3.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{
		Bucket: aws.String("src"),
		NotificationConfiguration: &types.NotificationConfiguration{QueueConfigurations: []types.QueueConfiguration{{
			QueueArn: aws.String("arn:minio:sqs::" + minioWebhookTarget + ":webhook"),
			Events:   []types.Event{"s3:ObjectCreated:*", "s3:ObjectRemoved:*"},
		}}},
	})
	if err != nil {
		t.Fatalf("name the webhook target for the bucket: %v", err)
	}
	g.MustCLI("location", "add", "loc", "--endpoint", be.URL, "--access-key", be.AccessKey,
		"--secret-key", be.SecretKey, "--bucket", "src", "--no-prefix", "--feed", "webhook", "--feed-token", token)
	g.MustCLI("bucket", "create", "mir", "--location", "loc", "--mirror")
	g.WaitMirrorIdle("mir", 30*time.Second)
	before := feedMirrorStatus(t, g, "mir")
	keys := []string{"photos/2026 été+1.jpg", "plain.txt"}
	for _, k := range keys {
		putDirect(t, be, k)
	}
	waitListed(t, g, "mir", keys, 30*time.Second)
	after := feedMirrorStatus(t, g, "mir")
	if after.Passes != before.Passes {
		t.Errorf("%d full passes ran; the webhook alone should have listed the writes", after.Passes-before.Passes)
	}
	if after.Feed == nil || after.Feed.Events < int64(len(keys)) {
		t.Errorf("feed status %+v, want the webhook's events counted", after.Feed)
	}
}
