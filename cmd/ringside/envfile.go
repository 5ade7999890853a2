package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
)

// fileSuffix turns a flag's variable into the one naming a file that holds
// its value: RINGSIDE_SECRET_KEY_FILE for RINGSIDE_SECRET_KEY. Secrets
// mounted as files (a Kubernetes Secret volume, systemd's LoadCredential)
// then never sit in the environment.
const fileSuffix = "_FILE"

// applyFileEnv reads, for every string flag whose variable is unset and
// whose _FILE variable names a file, the file's content (less its final
// newline) as the flag's value; a flag given on the command line still
// wins.
func applyFileEnv(app *cli.App) error {
	if err := fileEnvOf(app.Flags); err != nil {
		return err
	}
	return walkCommands(app.Commands, func(c *cli.Command) error { return fileEnvOf(c.Flags) })
}

func fileEnvOf(flags []cli.Flag) error {
	for _, f := range flags {
		sf, ok := f.(*cli.StringFlag)
		if !ok {
			continue
		}
		// The variables are in order of precedence (a scoped name, then
		// the old unscoped one): the first set, in either form, wins.
		for _, v := range sf.EnvVars {
			value, found, err := readFileEnv(v)
			if err != nil {
				return err
			}
			if found {
				// Set as the environment would set it, so that a required
				// flag counts as given; the help shows where the value
				// comes from, never the value.
				sf.Value, sf.HasBeenSet = value, true
				sf.DefaultText = "from " + v + fileSuffix
				break
			}
			if os.Getenv(v) != "" {
				break
			}
		}
	}
	return nil
}

// readFileEnv reads the file named by name+_FILE, if set. The error names
// the variables and the file, never the content.
func readFileEnv(name string) (string, bool, error) {
	path := os.Getenv(name + fileSuffix)
	if path == "" {
		return "", false, nil
	}
	if os.Getenv(name) != "" {
		return "", false, fmt.Errorf("both %s and %s%s are set: give one", name, name, fileSuffix)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", false, fmt.Errorf("%s%s: %w", name, fileSuffix, err)
	}
	value := strings.TrimSuffix(strings.TrimSuffix(string(raw), "\n"), "\r")
	if value == "" {
		return "", false, fmt.Errorf("%s%s: %s is empty", name, fileSuffix, path)
	}
	if strings.ContainsAny(value, "\r\n") {
		return "", false, errors.New(name + fileSuffix + ": " + path + " holds more than one line")
	}
	return value, true, nil
}
