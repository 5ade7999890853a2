package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/ringside/ringside/admin"
	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/mirror"
)

// feedFlags are location add's change feed flags.
func feedFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "feed", Value: catalog.FeedNone,
			Usage: "change `FEED` a mirror bucket on this location follows: " + strings.Join(catalog.FeedKinds, ", ") +
				" (webhook: the backend posts to the admin listener; listen: MinIO's notification stream; raftlog: the S3 Connector's metadata log)"},
		// Its own variable, as the backend keys: a secret of the location.
		&cli.StringFlag{Name: "feed-token", EnvVars: []string{"RINGSIDE_LOCATION_FEED_TOKEN"},
			Usage: "webhook bearer `TOKEN` the backend sends, 16 characters at least (default: generated and shown once)"},
	}
}

// feedUpdateFlags are location update's change feed flags: only those
// given change.
func feedUpdateFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "feed",
			Usage: "new change `FEED`: " + strings.Join(catalog.FeedKinds, ", ") + " (a new webhook gets a generated token unless --feed-token)"},
		&cli.StringFlag{Name: "feed-token", EnvVars: []string{"RINGSIDE_LOCATION_FEED_TOKEN"},
			Usage: "new webhook bearer `TOKEN`, 16 characters at least"},
		&cli.BoolFlag{Name: "rotate-feed-token", Usage: "replace the webhook token by a generated one (the old one is refused at once)"},
	}
}

// printFeedSetup says, after a location is added or its webhook token
// changed, what the backend needs for its webhook feed: the URL and the
// token.
func printFeedSetup(w io.Writer, adminBase string, l admin.Location) {
	if l.FeedPath == "" {
		return
	}
	printWebhook(w, adminBase, l.FeedPath, l.FeedToken)
	fmt.Fprintf(w, "  (location show %s --show-token prints them again; for MinIO: MINIO_NOTIFY_WEBHOOK_ENDPOINT_<ID>=<url>\n", l.Name)
	fmt.Fprintf(w, "  MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_<ID>=<token>, then mc event add; see docs/FEEDS.md)\n")
}

// printWebhook prints where the backend posts and with which token; the
// URL is the admin listener's as this command reaches it.
func printWebhook(w io.Writer, adminBase, path, token string) {
	if base, err := adminURL(adminBase); err == nil {
		adminBase = base
	}
	url := strings.TrimSuffix(adminBase, "/") + path
	fmt.Fprintf(w, "webhook feed: have the backend post its S3 event notifications (put, delete) to\n")
	fmt.Fprintf(w, "  %s\n  with the header  Authorization: Bearer %s\n", url, token)
}

// printFeedToken is location show --show-token: the webhook's URL and
// token, read from the admin API's one route that shows it.
func printFeedToken(c *cli.Context, client *admin.Client, name string) error {
	ft, err := client.FeedToken(c.Context, name)
	if err != nil {
		return err
	}
	printWebhook(c.App.Writer, c.String("admin"), ft.FeedPath, ft.FeedToken)
	return nil
}

// feedText is a location's feed in `location show`.
func feedText(l admin.Location) string {
	if l.FeedPath != "" {
		return l.Feed + " at " + l.FeedPath + " on the admin listener"
	}
	return orDash(l.Feed)
}

// feedFields are the lines of a mirror bucket's feed in `mirror status`.
func feedFields(f *mirror.FeedStatus, now time.Time) []string {
	if f == nil {
		return []string{"  feed", "none (full passes only)"}
	}
	state := f.State
	if f.Healthy {
		state += ", healthy (passes are a safety net)"
	} else if f.State == "running" {
		state += ", catching up (a full pass is due)"
	}
	kv := []string{
		"  feed", f.Kind + ": " + state,
		"  feed lag", strconv.FormatInt(f.Lag, 10),
		"  feed events/s", strconv.FormatFloat(f.EventsPerSecond, 'f', 1, 64),
		"  feed events", strconv.FormatInt(f.Events, 10) + ", last " + ago(f.LastEvent, now),
		"  feed gaps", strconv.FormatInt(f.Gaps, 10) + ", last " + ago(f.LastGap, now),
	}
	if f.LastError != "" {
		kv = append(kv, "  feed error", f.LastError)
	}
	return kv
}

// feedColumn is a mirror bucket's feed in the status table.
func feedColumn(f *mirror.FeedStatus) string {
	switch {
	case f == nil:
		return "-"
	case f.Healthy:
		return f.Kind + "/ok"
	}
	return f.Kind + "/" + f.State
}
