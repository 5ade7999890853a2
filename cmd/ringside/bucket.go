package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/ringside/ringside/index"
)

func bucketCommand() *cli.Command {
	return &cli.Command{
		Name:  "bucket",
		Usage: "manage gateway buckets",
		Subcommands: []*cli.Command{
			{
				Name:      "create",
				Usage:     "create a gateway bucket bound to a location",
				ArgsUsage: "NAME",
				Flags: withFlags([]cli.Flag{
					&cli.StringFlag{Name: "location", Usage: "`LOCATION` to bind the bucket to (default: the gateway's --default-location)"},
					&cli.BoolFlag{Name: "mirror", Usage: "mirror mode: ingest out-of-band changes (needs a no-prefix location with versioning Enabled)"},
					jsonFlag(),
				}, adminFlags()),
				Action: bucketCreate,
			},
			{
				Name:   "list",
				Usage:  "list gateway buckets",
				Flags:  withFlags([]cli.Flag{jsonFlag()}, adminFlags()),
				Action: bucketList,
			},
			{
				Name:      "show",
				Usage:     "show one gateway bucket",
				ArgsUsage: "NAME",
				Flags:     withFlags([]cli.Flag{jsonFlag()}, adminFlags()),
				Action:    bucketShow,
			},
			{
				Name:      "delete",
				Usage:     "delete an empty gateway bucket (the backend bucket is left alone)",
				ArgsUsage: "NAME",
				Flags:     adminFlags(),
				Action:    bucketDelete,
			},
			{
				Name:      "resync",
				Usage:     "rebuild a bucket's index from a full version listing of the backend",
				ArgsUsage: "NAME",
				Flags:     adminFlags(),
				Action:    bucketResync,
			},
		},
	}
}

func bucketCreate(c *cli.Context) error {
	name, client, err := namedClient(c, "bucket name")
	if err != nil {
		return err
	}
	b, err := client.CreateBucket(c.Context, name, c.String("location"), c.Bool("mirror"))
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, b)
	}
	fmt.Fprintf(c.App.Writer, "bucket %s created on location %s (%s)\n", b.Name, b.Location, bucketMode(b))
	if b.Mirror {
		fmt.Fprintf(c.App.Writer, "the initial sync has started: ringside mirror status %s\n", b.Name)
	}
	return nil
}

func bucketList(c *cli.Context) error {
	client, err := adminClient(c)
	if err != nil {
		return err
	}
	bs, err := client.Buckets(c.Context)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, bs)
	}
	tw := table(c.App.Writer, "NAME", "LOCATION", "MODE", "VERSIONING", "MIRRORING", "CREATED")
	for _, b := range bs {
		row(tw, b.Name, b.Location, bucketMode(b.Bucket), orDash(b.Versioning), b.Mirroring, created(b.Created))
	}
	return tw.Flush()
}

func bucketShow(c *cli.Context) error {
	name, client, err := namedClient(c, "bucket name")
	if err != nil {
		return err
	}
	b, err := client.Bucket(c.Context, name)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, b)
	}
	fmt.Fprintf(c.App.Writer, "bucket %s\n", b.Name)
	kv := []string{
		"  location", b.Location,
		"  mode", bucketMode(b.Bucket),
		"  versioning", orDash(b.Versioning),
		"  mirroring", b.Mirroring,
	}
	if b.MirrorError != "" {
		kv = append(kv, "  mirror error", b.MirrorError)
	}
	fields(c.App.Writer, append(kv, "  created", created(b.Created))...)
	return nil
}

func bucketDelete(c *cli.Context) error {
	name, client, err := namedClient(c, "bucket name")
	if err != nil {
		return err
	}
	if err := client.DeleteBucket(c.Context, name); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "bucket %s deleted\n", name)
	return nil
}

func bucketResync(c *cli.Context) error {
	name, client, err := namedClient(c, "bucket name")
	if err != nil {
		return err
	}
	start := time.Now()
	fmt.Fprintf(c.App.Writer, "resyncing bucket %s from its backend...\n", name)
	if err := client.ResyncBucket(c.Context, name); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "bucket %s resynced in %s\n", name, roundDuration(time.Since(start)))
	return nil
}

func bucketMode(b index.Bucket) string {
	if b.Mirror {
		return "mirror"
	}
	return "write-through"
}

func created(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format(time.RFC3339)
}
