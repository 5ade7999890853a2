// Package feeds holds the end-to-end tests of the change feeds against a
// real MinIO server (installed by test/deps.sh, or named by
// RINGSIDE_MINIO): its ListenBucketNotification stream read by feed.Listen,
// and its webhook target, configured by environment at start, posting to
// feed.Webhook; and `ringside location update` switching a running mirror
// bucket from no feed to the embedded backend's listen stream, then to its
// webhook posts. The sources' tests against the embedded backend are beside
// the code, in feed/.
package feeds
