// Command ringside is an S3 sidecar gateway for versioned backend buckets
// (a Scality RING's S3 Connector, MinIO, or any S3 server): it writes
// uploads straight through to the backend, answers HEAD and LIST from a
// local index, and mirrors changes other writers make to the backend.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func main() {
	app, err := newApp()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ringside:", err)
		os.Exit(2)
	}
	if err := app.RunContext(context.Background(), reorderArgs(app, os.Args)); err != nil {
		// A refusal from the gateway prints as "CODE: message".
		fmt.Fprintln(os.Stderr, "ringside:", err)
		os.Exit(1)
	}
}

func newApp() (*cli.App, error) {
	app := &cli.App{
		Name:    "ringside",
		Usage:   "an S3 sidecar gateway with a local index and out-of-band change mirroring",
		Version: version,
		Description: "Every flag can also be set from the environment: serve's and demo's as RINGSIDE_<FLAG_NAME>\n" +
			"(RINGSIDE_ADMIN_LISTEN for --admin-listen), the other commands' as\n" +
			"RINGSIDE_<COMMAND>_<FLAG_NAME> (RINGSIDE_LOCATION_BUCKET for location add's --bucket);\n" +
			"--admin, --admin-token and --data-dir read RINGSIDE_ADMIN, RINGSIDE_ADMIN_TOKEN and\n" +
			"RINGSIDE_DATA_DIR everywhere. Each command's help names its variables.",
		EnableBashCompletion: true,
		Commands: []*cli.Command{
			serveCommand(),
			demoCommand(),
			locationCommand(),
			bucketCommand(),
			mirrorCommand(),
			configCommand(),
			versionCommand(),
			healthcheckCommand(),
			completionCommand(),
		},
	}
	addExamples(app)
	if err := applyEnvVars(app); err != nil {
		return nil, err
	}
	if err := applyFileEnv(app); err != nil {
		return nil, err
	}
	_ = walkCommands(app.Commands, func(c *cli.Command) error {
		c.OnUsageError = usageError
		return nil
	})
	return app, nil
}
