package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/ringside/ringside/index"
)

// Refusals at start: a server that starts but cannot serve anyone, or
// puts buckets nowhere, is worse than one that says why it will not
// start. Each names the cause and the fix in its first line.

// checkCredentialsFile refuses a credentials file with no key pair when it
// is the only source of credentials: every request would be refused.
func checkCredentialsFile(cfg serveConfig) error {
	if cfg.credentialsFile == "" || len(cfg.credentials) > 0 {
		return nil
	}
	data, err := os.ReadFile(cfg.credentialsFile)
	if err != nil {
		return fmt.Errorf("read --credentials-file: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			return nil
		}
	}
	return fmt.Errorf("--credentials-file %s holds no credentials, so every request would be refused: add a line \"ACCESS_KEY SECRET_KEY\", or give --access-key and --secret-key", cfg.credentialsFile)
}

// checkDefaultLocation refuses a --default-location that does not exist:
// buckets created without a location would fail, far from the cause. On
// an index with no location at all (a first start) it only warns, since
// locations are added to a running ringside.
func (n *node) checkDefaultLocation() error {
	name := n.cfg.defaultLocation
	if name == "" {
		return nil
	}
	_, err := n.db.GetLocation(name)
	if err == nil {
		return nil
	}
	if !errors.Is(err, index.ErrNotFound) {
		return fmt.Errorf("check --default-location %s: %w", name, err)
	}
	locs, err := n.db.ListLocations()
	if err != nil {
		return fmt.Errorf("list locations: %w", err)
	}
	if len(locs) == 0 {
		// A first start: the location can only be added once ringside
		// runs.
		n.log.Warn("--default-location names a location that does not exist yet: add it with `ringside location add`",
			"location", name)
		return nil
	}
	names := make([]string, len(locs))
	for i, l := range locs {
		names[i] = l.Name
	}
	return fmt.Errorf("--default-location %s: no such location (the locations are %s): name one of them, or add %s with `ringside location add` first",
		name, strings.Join(names, ", "), name)
}

// dataDirInUse explains Badger's lock error: another ringside (or
// anything holding the index) has the data dir.
func dataDirInUse(dataDir string, err error) error {
	if err != nil && strings.Contains(err.Error(), "Cannot acquire directory lock") {
		return fmt.Errorf("data dir %s is in use by another ringside (its index is locked): stop that one, or give this one its own --data-dir", dataDir)
	}
	return err
}

// flagValueError matches the flag package's refusal of a flag's value.
var flagValueError = regexp.MustCompile(`^invalid (?:boolean )?value "([^"]*)" for (?:flag )?-+([a-z0-9-]+): (.*)$`)

// usageError replaces the flag package's refusal and the whole help with
// one line that names the flag and the fix; a duration without a unit is
// the common case.
func usageError(c *cli.Context, err error, _ bool) error {
	m := flagValueError.FindStringSubmatch(err.Error())
	if m == nil {
		return fmt.Errorf("%w (see `%s --help`)", err, c.Command.HelpName)
	}
	value, name := m[1], m[2]
	for _, f := range c.Command.Flags {
		if _, ok := f.(*cli.DurationFlag); ok && f.Names()[0] == name {
			return fmt.Errorf("--%s %s: a duration needs a unit, as in 2s, 500ms or 1m", name, value)
		}
	}
	return fmt.Errorf("--%s %s: %s (see `%s --help`)", name, value, m[3], c.Command.HelpName)
}
