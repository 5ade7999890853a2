package main

import (
	"errors"
	"fmt"
	"math"
	"os"
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

// unscopedCommands run a gateway: their flags are the server's own settings
// and keep RINGSIDE_<FLAG_NAME>, which the deploy files set.
var unscopedCommands = map[string]bool{"serve": true, "demo": true}

// sharedFlags name the running gateway (its admin API, token and data dir,
// and how its admin listener is reached) and mean the same in every
// command, the server's included: one RINGSIDE_ADMIN_TOKEN (or
// RINGSIDE_ADMIN_TLS) serves `ringside serve` and the commands run beside it.
var sharedFlags = map[string]bool{"admin": true, "admin-token": true, "data-dir": true, "admin-listen": true, "admin-tls": true, "admin-ca-file": true}

// envOverrides name the variable of a flag whose scoped name is already
// another flag's: RINGSIDE_MIRROR_INTERVAL is serve's --mirror-interval.
var envOverrides = map[string]string{"mirror interval": "RINGSIDE_MIRROR_WATCH_INTERVAL"}

// scopedEnvName is the variable of a flag of a top-level command:
// RINGSIDE_LOCATION_BUCKET for location add's --bucket, so that a generic
// name (RINGSIDE_BUCKET, RINGSIDE_JSON) set for one purpose is never taken
// by another command.
func scopedEnvName(scope, flag string) string {
	if v, ok := envOverrides[scope+" "+flag]; ok {
		return v
	}
	if scope == "" || unscopedCommands[scope] || sharedFlags[flag] {
		return envName(flag)
	}
	return envName(scope + "-" + flag)
}

// deprecatedEnv is an unscoped variable a flag read before its name was
// scoped by command; it is still read, with a warning, while the new one
// is unset.
type deprecatedEnv struct{ old, new string }

// applyEnvVars gives every flag of every command its variable, in one
// place so that no flag is forgotten: RINGSIDE_<COMMAND>_<FLAG_NAME>, or
// RINGSIDE_<FLAG_NAME> for the server's flags and the shared ones. A flag
// that already names its variables keeps them: location add's backend
// keys do, so that the gateway's own RINGSIDE_ACCESS_KEY is never taken
// for a backend key. A command whose flags read an old unscoped variable
// warns about it on stderr before it runs.
func applyEnvVars(app *cli.App) error {
	if _, err := setEnvVars(app.Flags, ""); err != nil {
		return err
	}
	for _, top := range app.Commands {
		scope := top.Name
		err := walkCommands([]*cli.Command{top}, func(c *cli.Command) error {
			deprecated, err := setEnvVars(c.Flags, scope)
			if err != nil {
				return fmt.Errorf("command %s: %w", c.Name, err)
			}
			if len(deprecated) > 0 {
				c.Before = warnDeprecatedEnv(deprecated, c.Before)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
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

// setEnvVars names the variables of the flags that name none, and returns
// the old unscoped names in use in the environment. Only an old name that
// is set is added to the flag, after the new one, so that the help shows
// it only to whom still uses it.
func setEnvVars(flags []cli.Flag, scope string) ([]deprecatedEnv, error) {
	var deprecated []deprecatedEnv
	for _, f := range flags {
		vars, err := envVarsOf(f)
		if err != nil {
			return nil, err
		}
		if len(*vars) > 0 {
			continue
		}
		name := f.Names()[0]
		d := deprecatedEnv{old: envName(name), new: scopedEnvName(scope, name)}
		*vars = []string{d.new}
		if d.old != d.new && envSet(d.old) && !envSet(d.new) {
			*vars = append(*vars, d.old)
			deprecated = append(deprecated, d)
		}
	}
	return deprecated, nil
}

// envSet reports whether a variable, or its _FILE form, is set.
func envSet(name string) bool {
	return os.Getenv(name) != "" || os.Getenv(name+fileSuffix) != ""
}

// warnDeprecatedEnv runs before a command that reads old variable names
// and says on stderr which new name to set instead.
func warnDeprecatedEnv(deprecated []deprecatedEnv, next cli.BeforeFunc) cli.BeforeFunc {
	return func(c *cli.Context) error {
		w := c.App.ErrWriter
		if w == nil {
			w = os.Stderr
		}
		for _, d := range deprecated {
			suffix := ""
			if os.Getenv(d.old) == "" {
				suffix = fileSuffix
			}
			fmt.Fprintf(w, "ringside: warning: %s%s is deprecated and will stop being read in a later release: set %s%s instead\n",
				d.old, suffix, d.new, suffix)
		}
		if next != nil {
			return next(c)
		}
		return nil
	}
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
