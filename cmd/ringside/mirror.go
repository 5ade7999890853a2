package main

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/ringside/ringside/admin"
	"github.com/ringside/ringside/mirror"
)

func mirrorCommand() *cli.Command {
	return &cli.Command{
		Name:  "mirror",
		Usage: "watch and control the ingester of mirror buckets",
		Subcommands: []*cli.Command{
			{
				Name:      "status",
				Usage:     "show the ingest state of every mirror bucket, or of one",
				ArgsUsage: "[BUCKET]",
				Description: "States: initial-sync (with its phase, counts, rate and ETA), idle, scanning, paused, error\n" +
					"(with the cause). Location and bucket views show the same state.",
				Flags: withFlags([]cli.Flag{
					jsonFlag(),
					&cli.BoolFlag{Name: "watch", Usage: "show the status again every --interval until interrupted"},
					&cli.DurationFlag{Name: "interval", Value: 2 * time.Second, Usage: "pause between two --watch updates"},
				}, adminFlags()),
				Action: mirrorStatusWatch,
			},
			{
				Name:      "pause",
				Usage:     "stop a mirror bucket's passes until resumed (kept across restarts)",
				ArgsUsage: "BUCKET",
				Flags:     adminFlags(),
				Action: func(c *cli.Context) error {
					return mirrorControl(c, "paused", func(cl *admin.Client, b string) (mirror.Status, error) {
						return cl.PauseMirror(c.Context, b)
					})
				},
			},
			{
				Name:      "resume",
				Usage:     "restart a paused mirror bucket's passes",
				ArgsUsage: "BUCKET",
				Flags:     adminFlags(),
				Action: func(c *cli.Context) error {
					return mirrorControl(c, "resumed", func(cl *admin.Client, b string) (mirror.Status, error) {
						return cl.ResumeMirror(c.Context, b)
					})
				},
			},
			{
				Name:      "rescan",
				Usage:     "start a full pass now",
				ArgsUsage: "BUCKET",
				Flags: withFlags([]cli.Flag{
					&cli.BoolFlag{Name: "wait", Usage: "return once a full pass has finished"},
				}, adminFlags()),
				Action: mirrorRescan,
			},
		},
	}
}

// mirrorStatusWatch shows the status once, or with --watch until
// interrupted.
func mirrorStatusWatch(c *cli.Context) error {
	if !c.Bool("watch") {
		return mirrorStatus(c)
	}
	if c.Duration("interval") <= 0 {
		return fmt.Errorf("--interval must be positive, not %s", c.Duration("interval"))
	}
	t := time.NewTicker(c.Duration("interval"))
	defer t.Stop()
	for {
		fmt.Fprintf(c.App.Writer, "-- %s\n", time.Now().Format(time.TimeOnly))
		if err := mirrorStatus(c); err != nil {
			if c.Context.Err() != nil {
				return nil // interrupted during a request
			}
			return err
		}
		select {
		case <-c.Context.Done():
			return nil
		case <-t.C:
		}
	}
}

func mirrorStatus(c *cli.Context) error {
	if c.NArg() > 1 {
		return fmt.Errorf("mirror status takes at most one bucket name")
	}
	client, err := adminClient(c)
	if err != nil {
		return err
	}
	now := time.Now()
	if bucket := c.Args().First(); bucket != "" {
		st, err := client.MirrorStatus(c.Context, bucket)
		if err != nil {
			return err
		}
		if c.Bool("json") {
			return printJSON(c.App.Writer, st)
		}
		showStatus(c.App.Writer, st, now)
		return nil
	}
	sts, err := client.MirrorStatusAll(c.Context)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, sts)
	}
	tw := table(c.App.Writer, "BUCKET", "LOCATION", "STATE", "PASSES", "LAST PASS", "TOOK", "SCANNED", "CHANGES", "FULLY COMPARED", "FEED")
	for _, st := range sts {
		row(tw, st.Bucket, st.Location, stateText(st), st.Passes, ago(st.LastPassStart, now),
			tookText(st), st.LastPassScanned, st.LastPassChanges, ago(st.LastFullPass, now), feedColumn(st.Feed))
	}
	return tw.Flush()
}

func mirrorControl(c *cli.Context, done string, do func(*admin.Client, string) (mirror.Status, error)) error {
	bucket, client, err := namedClient(c, "bucket name")
	if err != nil {
		return err
	}
	st, err := do(client, bucket)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "mirror of %s %s; state %s\n", bucket, done, stateText(st))
	return nil
}

func mirrorRescan(c *cli.Context) error {
	bucket, client, err := namedClient(c, "bucket name")
	if err != nil {
		return err
	}
	wait := c.Bool("wait")
	if wait {
		fmt.Fprintf(c.App.Writer, "rescanning %s...\n", bucket)
	}
	st, err := client.Rescan(c.Context, bucket, wait)
	if err != nil {
		return err
	}
	if !wait {
		fmt.Fprintf(c.App.Writer, "rescan of %s started; state %s\n", bucket, stateText(st))
		return nil
	}
	fmt.Fprintf(c.App.Writer, "rescan of %s finished in %s: %d versions scanned, %d changes applied\n",
		bucket, roundDuration(seconds(st.LastPassSeconds)), st.LastPassScanned, st.LastPassChanges)
	return nil
}

// showStatus prints one mirror bucket's status in full.
func showStatus(w io.Writer, st mirror.Status, now time.Time) {
	fmt.Fprintf(w, "mirror bucket %s\n", st.Bucket)
	kv := []string{
		"  location", st.Location,
		"  state", stateText(st),
	}
	if st.LastError != "" {
		kv = append(kv, "  last error", st.LastError)
	}
	if st.Backend != nil && !st.Backend.Up {
		kv = append(kv, "  backend", healthText(st.Backend, now))
	}
	if st.Progress != nil {
		kv = append(kv, "  initial sync", progressText(st.Progress))
	}
	kv = append(kv,
		"  passes", strconv.FormatInt(st.Passes, 10),
		"  last pass", ago(st.LastPassStart, now),
		"  last pass took", tookText(st),
		"  last pass scanned", strconv.FormatInt(st.LastPassScanned, 10)+" versions",
		"  last pass applied", strconv.FormatInt(st.LastPassChanges, 10)+" changes",
		"  fully compared", ago(st.LastFullPass, now),
	)
	kv = append(kv, feedFields(st.Feed, now)...)
	fields(w, kv...)
}

func stateText(st mirror.Status) string {
	if st.State == "initial-sync" {
		if st.Progress != nil {
			return "initial-sync: " + progressText(st.Progress)
		}
		return fmt.Sprintf("initial-sync (%d versions so far)", st.InitialSynced)
	}
	return orDash(st.State)
}

// progressText is an initial sync's phase, counts, rate and ETA:
// "listing: 20000 versions, 3300/s" or "reading-metadata: 5000/20000
// versions, 250/s, ETA 1m0s".
func progressText(p *mirror.Progress) string {
	s := fmt.Sprintf("%s: %d", p.Phase, p.Done)
	if p.Total > 0 {
		s += fmt.Sprintf("/%d", p.Total)
	}
	s += fmt.Sprintf(" versions, %.0f/s", p.RatePerSecond)
	if p.ETASeconds > 0 {
		s += ", ETA " + roundDuration(seconds(p.ETASeconds))
	}
	return s
}

func tookText(st mirror.Status) string {
	if st.LastPassStart.IsZero() {
		return "-"
	}
	return roundDuration(seconds(st.LastPassSeconds))
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
