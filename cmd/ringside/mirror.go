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
				Flags:     withFlags([]cli.Flag{jsonFlag()}, adminFlags()),
				Action:    mirrorStatus,
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
		bucket, roundDuration(st.LastPassTook), st.LastPassScanned, st.LastPassChanges)
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
		return fmt.Sprintf("initial-sync (%d versions so far)", st.InitialSynced)
	}
	return orDash(st.State)
}

func tookText(st mirror.Status) string {
	if st.LastPassStart.IsZero() {
		return "-"
	}
	return roundDuration(st.LastPassTook)
}
