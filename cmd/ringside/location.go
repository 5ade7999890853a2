package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ringside/ringside/admin"
	"github.com/urfave/cli/v2"
)

// noPrefixWarning is Zenko's warning for its "write objects without
// prefix" option; ringside goes further and refuses the second bucket.
const noPrefixWarning = "Storing multiple buckets in a location with this option enabled can lead to data loss"

func locationCommand() *cli.Command {
	return &cli.Command{
		Name:  "location",
		Usage: "manage locations, the backend buckets that gateway buckets store into",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "add a location after checking that its target bucket answers",
				ArgsUsage: "NAME",
				Flags: withFlags([]cli.Flag{
					&cli.StringFlag{Name: "endpoint", Required: true, Usage: "backend `URL` or host[:port] (http without a port means 80, https 443)"},
					// Their own variables: RINGSIDE_ACCESS_KEY is the
					// gateway's client key, never a backend's.
					&cli.StringFlag{Name: "access-key", Required: true, EnvVars: []string{"RINGSIDE_LOCATION_ACCESS_KEY"}, Usage: "backend access `KEY`"},
					&cli.StringFlag{Name: "secret-key", Required: true, EnvVars: []string{"RINGSIDE_LOCATION_SECRET_KEY"}, Usage: "backend secret `KEY` (never shown back)"},
					&cli.StringFlag{Name: "bucket", Required: true, Usage: "target `BUCKET` on the backend"},
					&cli.BoolFlag{Name: "no-prefix", Usage: "store objects under their own key in the target bucket (one gateway bucket only; needed for mirror mode)"},
					&cli.StringFlag{Name: "region", Usage: "backend `REGION` (default us-east-1)"},
					&cli.StringFlag{Name: "ca-file", Usage: "PEM `FILE` of a private CA the backend's certificate chains to"},
					&cli.BoolFlag{Name: "insecure-skip-verify", Usage: "do not verify the backend's TLS certificate (test rigs only)"},
					jsonFlag(),
				}, locationTimeoutFlags(false), feedFlags(), adminFlags()),
				Action: locationAdd,
			},
			{
				Name:      "update",
				Usage:     "change how a location's backend is reached (keys, endpoint, region, TLS), checked against the backend first",
				ArgsUsage: "NAME",
				Description: "Only the flags given change. The new settings are checked as `location add` checks them;\n" +
					"once stored, buckets on the location use them at their next backend request, without a\n" +
					"restart. --bucket and --no-prefix decide where keys are, so they change only while no\n" +
					"bucket uses the location. --feed, --feed-token and --rotate-feed-token switch the change\n" +
					"feed of the location's mirror buckets at once, followed by a full pass; a new webhook\n" +
					"token is printed this once (location show --show-token prints it again).\n" +
					"--connect-timeout, --response-timeout and --stall-timeout hold for requests made after\n" +
					"the update; 0 goes back to serve's --backend-*-timeout flag.",
				Flags: withFlags([]cli.Flag{
					&cli.StringFlag{Name: "endpoint", Usage: "new backend `URL` or host[:port]"},
					&cli.StringFlag{Name: "access-key", EnvVars: []string{"RINGSIDE_LOCATION_ACCESS_KEY"}, Usage: "new backend access `KEY`"},
					&cli.StringFlag{Name: "secret-key", EnvVars: []string{"RINGSIDE_LOCATION_SECRET_KEY"}, Usage: "new backend secret `KEY` (never shown back)"},
					&cli.StringFlag{Name: "region", Usage: "new backend `REGION`"},
					&cli.StringFlag{Name: "ca-file", Usage: "PEM `FILE` of a private CA (\"\" for the system's roots)"},
					&cli.BoolFlag{Name: "insecure-skip-verify", Usage: "do not verify the backend's TLS certificate (=false to verify again)"},
					&cli.StringFlag{Name: "bucket", Usage: "new target `BUCKET` (only while no bucket uses the location)"},
					&cli.BoolFlag{Name: "no-prefix", Usage: "store objects under their own key (only while no bucket uses the location)"},
					jsonFlag(),
				}, locationTimeoutFlags(true), feedUpdateFlags(), adminFlags()),
				Action: locationUpdate,
			},
			{
				Name:   "list",
				Usage:  "list locations with their versioning state and mirroring indicator",
				Flags:  withFlags([]cli.Flag{jsonFlag()}, adminFlags()),
				Action: locationList,
			},
			{
				Name:      "show",
				Usage:     "show one location (secret masked)",
				ArgsUsage: "NAME",
				Flags: withFlags([]cli.Flag{jsonFlag(),
					&cli.BoolFlag{Name: "show-token", Usage: "also print the webhook feed's URL and token, to set up the backend again"},
				}, adminFlags()),
				Action: locationShow,
			},
			{
				Name:      "remove",
				Usage:     "remove a location that no bucket uses",
				ArgsUsage: "NAME",
				Flags:     adminFlags(),
				Action:    locationRemove,
			},
		},
	}
}

func locationAdd(c *cli.Context) error {
	name, client, err := namedClient(c, "location name")
	if err != nil {
		return err
	}
	connect, response, stall := locationTimeouts(c)
	info, err := client.AddLocation(c.Context, admin.NewLocation{
		Name:            name,
		Endpoint:        c.String("endpoint"),
		Region:          c.String("region"),
		AccessKey:       c.String("access-key"),
		SecretKey:       c.String("secret-key"),
		TargetBucket:    c.String("bucket"),
		NoPrefix:        c.Bool("no-prefix"),
		CAFile:          c.String("ca-file"),
		Insecure:        c.Bool("insecure-skip-verify"),
		Feed:            c.String("feed"),
		FeedToken:       c.String("feed-token"),
		ConnectTimeout:  orZero(connect),
		ResponseTimeout: orZero(response),
		StallTimeout:    orZero(stall),
	})
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, info)
	}
	w := c.App.Writer
	fmt.Fprintf(w, "location %s added\n", info.Name)
	showLocation(w, info, time.Now())
	if info.NoPrefix {
		fmt.Fprintf(w, "WARNING: --no-prefix: %s. ringside refuses a second bucket on this location.\n", noPrefixWarning)
	}
	if info.Warning != "" && !strings.Contains(info.Warning, noPrefixWarning) {
		fmt.Fprintf(w, "WARNING: %s\n", info.Warning)
	}
	if info.NoPrefix && info.Versioning != "Enabled" {
		fmt.Fprintf(w, "note: mirror buckets need versioning Enabled on %s (it is %s)\n", info.TargetBucket, orDash(info.Versioning))
	}
	printFeedSetup(w, c.String("admin"), info)
	return nil
}

func locationUpdate(c *cli.Context) error {
	name, client, err := namedClient(c, "location name")
	if err != nil {
		return err
	}
	u := locationUpdateFrom(c)
	if u == (admin.LocationUpdate{}) {
		return cli.Exit("nothing to change: give at least one of --endpoint, --access-key, --secret-key, --region, --ca-file, --insecure-skip-verify, --bucket, --no-prefix, --feed, --feed-token, --rotate-feed-token, --connect-timeout, --response-timeout, --stall-timeout", 2)
	}
	info, err := client.UpdateLocation(c.Context, name, u)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, info)
	}
	fmt.Fprintf(c.App.Writer, "location %s updated\n", info.Name)
	showLocation(c.App.Writer, info, time.Now())
	if info.FeedToken != "" {
		printFeedSetup(c.App.Writer, c.String("admin"), info)
	}
	return nil
}

// locationUpdateFrom holds the flags given on the command line (or in
// their environment variables), and only those.
func locationUpdateFrom(c *cli.Context) admin.LocationUpdate {
	str := func(name string) *string {
		if !c.IsSet(name) {
			return nil
		}
		v := c.String(name)
		return &v
	}
	boolean := func(name string) *bool {
		if !c.IsSet(name) {
			return nil
		}
		v := c.Bool(name)
		return &v
	}
	connect, response, stall := locationTimeouts(c)
	return admin.LocationUpdate{
		ConnectTimeout: connect, ResponseTimeout: response, StallTimeout: stall,
		Endpoint: str("endpoint"), AccessKey: str("access-key"), SecretKey: str("secret-key"), Region: str("region"),
		CAFile: str("ca-file"), Insecure: boolean("insecure-skip-verify"), TargetBucket: str("bucket"), NoPrefix: boolean("no-prefix"),
		Feed: str("feed"), FeedToken: str("feed-token"), RotateFeedToken: c.Bool("rotate-feed-token"),
	}
}

func locationList(c *cli.Context) error {
	client, err := adminClient(c)
	if err != nil {
		return err
	}
	locs, err := client.Locations(c.Context)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, locs)
	}
	tw := table(c.App.Writer, "NAME", "ENDPOINT", "TARGET", "NO-PREFIX", "VERSIONING", "MIRRORING", "BACKEND", "BUCKETS")
	for _, l := range locs {
		backend := "-"
		if l.Backend != nil {
			// The table keeps one word; location show gives the cause.
			backend = map[bool]string{true: "up", false: "unreachable"}[l.Backend.Up]
		}
		row(tw, l.Name, l.Endpoint, l.TargetBucket, yesNo(l.NoPrefix), orDash(l.Versioning), orDash(l.Mirroring), backend, orDash(strings.Join(l.Buckets, ",")))
	}
	return tw.Flush()
}

func locationShow(c *cli.Context) error {
	name, client, err := namedClient(c, "location name")
	if err != nil {
		return err
	}
	info, err := client.Location(c.Context, name)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		if c.Bool("show-token") {
			ft, err := client.FeedToken(c.Context, name)
			if err != nil {
				return err
			}
			info.FeedToken = ft.FeedToken
		}
		return printJSON(c.App.Writer, info)
	}
	fmt.Fprintf(c.App.Writer, "location %s\n", info.Name)
	showLocation(c.App.Writer, info, time.Now())
	if c.Bool("show-token") {
		return printFeedToken(c, client, name)
	}
	return nil
}

func locationRemove(c *cli.Context) error {
	name, client, err := namedClient(c, "location name")
	if err != nil {
		return err
	}
	if err := client.RemoveLocation(c.Context, name); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "location %s removed\n", name)
	return nil
}

// showLocation prints a location's fields; the secret is masked whatever
// the server sent.
func showLocation(w io.Writer, l admin.Location, now time.Time) {
	target := l.TargetBucket + " (keys under <bucket>/)"
	if l.NoPrefix {
		target = l.TargetBucket + " (no prefix)"
	}
	kv := []string{
		"  endpoint", l.Endpoint,
		"  region", orDash(l.Region),
		"  target", target,
		"  access key", l.AccessKey,
		"  secret key", "********",
		"  versioning", orDash(l.Versioning),
		"  mirroring", orDash(l.Mirroring),
		"  mirror error", orDash(l.MirrorError),
		"  backend", healthText(l.Backend, now),
		"  buckets", orDash(strings.Join(l.Buckets, ", ")),
		"  feed", feedText(l),
		"  timeouts", timeoutsText(l.Timeouts),
	}
	if l.CAFile != "" {
		kv = append(kv, "  ca file", l.CAFile)
	}
	if l.Insecure {
		kv = append(kv, "  tls", "certificate NOT verified (--insecure-skip-verify)")
	}
	if !l.Created.IsZero() {
		kv = append(kv, "  created", l.Created.Local().Format(time.RFC3339)+" ("+ago(l.Created, now)+")")
	}
	fields(w, kv...)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
