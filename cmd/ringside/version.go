package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
var version = "dev"

// revision is the commit, set at build time where Go's own VCS stamping
// cannot see the repository (an image build without .git in its context):
// -ldflags "-X main.revision=<commit>".
var revision = ""

func init() {
	// --version prints what the version command does.
	cli.VersionPrinter = func(c *cli.Context) { fmt.Fprintln(c.App.Writer, versionLine()) }
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print ringside's version",
		Action: func(c *cli.Context) error {
			fmt.Fprintln(c.App.Writer, versionLine())
			return nil
		},
	}
}

// versionLine is the version with the commit it was built from, when the
// build recorded one.
func versionLine() string {
	line := fmt.Sprintf("ringside %s (%s %s/%s", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	rev, dirty := revision, ""
	if info, ok := debug.ReadBuildInfo(); ok && rev == "" {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		line += ", commit " + rev + dirty
	}
	return line + ")"
}
