package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ringside/ringside/admin"
	"github.com/ringside/ringside/feed"
)

// listingWindow is how long the backend listings of one idle mirror
// bucket are counted, the others paused.
const listingWindow = 30 * time.Second

// listingCalls counts ringside's ListObjectVersions calls to the backend
// over listingWindow, while bucket is the only mirror bucket running.
func (b *bench) listingCalls(ctx context.Context, bucket string) (float64, error) {
	q := metricQuery{Name: "ringside_backend_requests_total", Labels: map[string]string{"op": "ListObjectVersions"}}
	before, err := b.rs.scrape(ctx, q)
	if err != nil {
		return 0, err
	}
	logf("ingest: counting the backend listings of %s for %s", bucket, listingWindow)
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(listingWindow):
	}
	after, err := b.rs.scrape(ctx, q)
	if err != nil {
		return 0, err
	}
	return after[0] - before[0], nil
}

// feedKind is the change feed measured on each backend: the embedded
// backend serves MinIO's listen stream, flushed per event; the pinned
// MinIO holds that stream until 4 KiB of events accumulate (docs/FEEDS.md),
// so on MinIO its webhook target is measured.
func feedKind(backend string) string {
	if backend == "embedded" {
		return "listen"
	}
	return "webhook"
}

// webhookTargets are MinIO's webhook targets, one per feed location,
// configured by environment at MinIO's start (docs/FEEDS.md): they post to
// ringside's admin address, picked first.
type webhookTargets struct {
	adminListen string
	token       string
}

func newWebhookTargets() (webhookTargets, error) {
	addr, err := freeAddr()
	if err != nil {
		return webhookTargets{}, err
	}
	token, err := randomToken()
	if err != nil {
		return webhookTargets{}, err
	}
	return webhookTargets{adminListen: addr, token: token}, nil
}

// targetID is MinIO's name of the webhook target of a mirror bucket.
func targetID(bucket string) string {
	return strings.ToUpper(strings.NewReplacer("-", "").Replace(bucket))
}

func (w webhookTargets) minioEnv() []string {
	var env []string
	for _, bk := range []string{listBucket, mirrorSmallBucket} {
		id := targetID(bk)
		env = append(env,
			"MINIO_NOTIFY_WEBHOOK_ENABLE_"+id+"=on",
			"MINIO_NOTIFY_WEBHOOK_ENDPOINT_"+id+"=http://"+w.adminListen+feed.PathPrefix+"loc-feed-"+bk,
			"MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_"+id+"="+w.token,
		)
	}
	return env
}

// notifyWebhook names bucket's webhook target for its changes on MinIO.
func (b *bench) notifyWebhook(ctx context.Context, bucket string) error {
	_, err := b.direct.C.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{
		Bucket: aws.String(bucket),
		NotificationConfiguration: &types.NotificationConfiguration{QueueConfigurations: []types.QueueConfiguration{{
			QueueArn: aws.String("arn:minio:sqs::" + targetID(bucket) + ":webhook"),
			Events:   []types.Event{"s3:ObjectCreated:*", "s3:ObjectRemoved:*"},
		}}},
	})
	if err != nil {
		return fmt.Errorf("name the webhook target of %s: %w", bucket, err)
	}
	return nil
}

// feedVisibility measures backend write → gateway listing through a change
// feed: a second mirror bucket, on a location of the same backend bucket
// following the feed, with passes as a safety net only.
func (b *bench) feedVisibility(ctx context.Context, r *ingestRun) error {
	kind := feedKind(b.be.Kind)
	name := "feed-" + r.name
	loc := admin.NewLocation{
		Name: "loc-" + name, Endpoint: b.be.URL, Region: "us-east-1", AccessKey: b.be.AccessKey, SecretKey: b.be.SecretKey,
		TargetBucket: r.name, NoPrefix: true, Feed: kind,
	}
	if kind == "webhook" {
		loc.FeedToken = b.hooks.token
		if err := b.notifyWebhook(ctx, r.name); err != nil {
			return err
		}
	}
	_, err := b.rs.Admin.AddLocation(ctx, loc)
	if err != nil {
		return fmt.Errorf("add the feed location of %s: %w", r.name, err)
	}
	logf("ingest: initial sync of %s, following the %s feed", name, kind)
	if err := b.rs.createBucket(ctx, name, true); err != nil {
		return err
	}
	if err := b.waitPasses(ctx, name, 1); err != nil {
		return err
	}
	st, err := b.rs.Admin.MirrorStatus(ctx, name)
	if err != nil {
		return fmt.Errorf("mirror status of %s: %w", name, err)
	}
	lat, missing, err := b.writeAndPoll(ctx, r.name, name)
	if err != nil {
		return err
	}
	after, err := b.rs.Admin.MirrorStatus(ctx, name)
	if err != nil {
		return fmt.Errorf("mirror status of %s: %w", name, err)
	}
	withFeed, err := b.listingCalls(ctx, name)
	if err != nil {
		return err
	}
	if _, err := b.rs.Admin.PauseMirror(ctx, name); err != nil {
		return fmt.Errorf("pause %s: %w", name, err)
	}
	if _, err := b.rs.Admin.ResumeMirror(ctx, r.name); err != nil {
		return fmt.Errorf("resume %s: %w", r.name, err)
	}
	without, err := b.listingCalls(ctx, r.name)
	if err != nil {
		return err
	}
	if _, err := b.rs.Admin.PauseMirror(ctx, r.name); err != nil {
		return fmt.Errorf("pause %s: %w", r.name, err)
	}
	perHour := func(n float64) float64 { return n * float64(time.Hour) / float64(listingWindow) }
	b.rep.figure(figure{ID: "ingest-feed-listings-" + strconv.Itoa(r.keys),
		Name:  fmt.Sprintf("backend ListObjectVersions calls per hour, no change, %d objects, with the %s feed", r.keys, kind),
		Value: perHour(withFeed), Unit: "calls/h", Target: "<= 1/20 of without",
		Met: ptr(perHour(withFeed) <= perHour(without)/20),
		Compare: fmt.Sprintf("%.0f calls/h without a feed (counted over %s each); the safety-net passes, 10 min apart, add %d calls/h",
			perHour(without), listingWindow, 6*((r.keys+999)/1000))})
	p50, p99 := percentile(lat, 50)/1000, percentile(lat, 99)/1000
	f := figure{ID: "ingest-feed-visibility-" + strconv.Itoa(r.keys),
		Name:  fmt.Sprintf("backend write to gateway listing with the %s feed, %d objects, p50", kind, r.keys),
		Value: p50, Unit: "s", Target: "p50 <= 0.1 s, p99 <= 1 s", Met: ptr(p50 <= 0.1 && p99 <= 1 && missing == 0),
		Compare: fmt.Sprintf("p99 %.3f s over %d changes; %d full passes meanwhile", p99, len(lat), after.Passes-st.Passes)}
	if missing > 0 {
		f.Note = fmt.Sprintf("%d of %d changes never showed", missing, b.plan.VisibilityChanges)
	}
	b.rep.figure(f)
	return nil
}
