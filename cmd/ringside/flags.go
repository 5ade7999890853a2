package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// envPrefix starts the environment variable every flag also reads.
const envPrefix = "RINGSIDE_"

// envName is the environment variable of a flag: RINGSIDE_ADMIN_LISTEN for
// --admin-listen.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// applyEnvVars gives every flag of every command its RINGSIDE_<FLAG_NAME>
// variable, in one place so that no flag is forgotten. A flag that already
// names its variables keeps them: location add's backend keys do, so that
// the gateway's own RINGSIDE_ACCESS_KEY is never taken for a backend key.
func applyEnvVars(app *cli.App) error {
	if err := setEnvVars(app.Flags); err != nil {
		return err
	}
	return walkCommands(app.Commands, func(c *cli.Command) error {
		if err := setEnvVars(c.Flags); err != nil {
			return fmt.Errorf("command %s: %w", c.Name, err)
		}
		return nil
	})
}

func walkCommands(cmds []*cli.Command, fn func(*cli.Command) error) error {
	for _, c := range cmds {
		if err := fn(c); err != nil {
			return err
		}
		if err := walkCommands(c.Subcommands, fn); err != nil {
			return err
		}
	}
	return nil
}

func setEnvVars(flags []cli.Flag) error {
	for _, f := range flags {
		vars, err := envVarsOf(f)
		if err != nil {
			return err
		}
		if len(*vars) == 0 {
			*vars = []string{envName(f.Names()[0])}
		}
	}
	return nil
}

// envVarsOf points at a flag's EnvVars; the flag kinds ringside uses are
// listed, and a new kind fails loudly rather than silently reading no
// variable.
func envVarsOf(f cli.Flag) (*[]string, error) {
	switch f := f.(type) {
	case *cli.StringFlag:
		return &f.EnvVars, nil
	case *cli.BoolFlag:
		return &f.EnvVars, nil
	case *cli.DurationFlag:
		return &f.EnvVars, nil
	case *cli.IntFlag:
		return &f.EnvVars, nil
	case *cli.PathFlag:
		return &f.EnvVars, nil
	default:
		return nil, fmt.Errorf("flag %s: kind %T has no environment variable support", f.Names()[0], f)
	}
}

// adminFlags are the flags of every command that talks to a running
// gateway's admin API.
func adminFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "admin", Value: "http://127.0.0.1:7481", Usage: "admin API `URL` of the running gateway"},
		&cli.StringFlag{Name: "admin-token", Usage: "admin API `TOKEN` (default: read from <data-dir>/admin-token)"},
		&cli.StringFlag{Name: "admin-ca-file", Usage: "for an https --admin URL, trust this CA or certificate `FILE` (PEM) besides the system's (default: the self-signed certificate under --data-dir, if any)"},
		&cli.StringFlag{Name: "data-dir", Value: defaultDataDir, Usage: "the gateway's data `DIR`, where its generated admin token is read"},
	}
}

// jsonFlag makes a command print JSON instead of a table.
func jsonFlag() cli.Flag {
	return &cli.BoolFlag{Name: "json", Usage: "print JSON instead of text"}
}

// withFlags joins flag lists.
func withFlags(lists ...[]cli.Flag) []cli.Flag {
	var out []cli.Flag
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// oneArg returns the single positional argument a command needs.
func oneArg(c *cli.Context, what string) (string, error) {
	if c.NArg() != 1 || c.Args().First() == "" {
		name := commandPath(c)
		return "", fmt.Errorf("%s takes exactly one %s (see ringside %s --help)", name, what, name)
	}
	return c.Args().First(), nil
}

// commandPath is the running command's full name, "bucket delete": the
// Command's own FullName lacks its parents when it runs as a subcommand.
// The lineage runs from the command up to the app's own root command,
// left out.
func commandPath(c *cli.Context) string {
	var names []string
	for _, ctx := range c.Lineage() {
		if ctx.Command != nil {
			names = append([]string{ctx.Command.Name}, names...)
		}
	}
	if len(names) > 1 {
		names = names[1:]
	}
	return strings.Join(names, " ")
}

// sizeUnits are the suffixes parseSize takes: GOMEMLIMIT's.
var sizeUnits = []struct {
	suffix string
	shift  uint
}{
	{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0},
}

// parseSize reads a byte count such as 96MiB, 1GiB or 65536. With
// offAllowed, "off" means 0, which is otherwise refused.
func parseSize(s string, offAllowed bool) (int64, error) {
	s = strings.TrimSpace(s)
	if offAllowed && strings.EqualFold(s, "off") {
		return 0, nil
	}
	num, shift := s, uint(0)
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			num, shift = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size: want a whole number of bytes, optionally with B, KiB, MiB, GiB or TiB", s)
	}
	if n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("%q is too large", s)
	}
	if n == 0 && !offAllowed {
		return 0, errors.New("must be more than 0")
	}
	return n << shift, nil
}
