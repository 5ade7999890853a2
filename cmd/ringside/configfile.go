package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"reflect"
	"strconv"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/ringside/ringside/config"
)

func configCommand() *cli.Command {
	return &cli.Command{
		Name:  "config",
		Usage: "work with a configuration file",
		Subcommands: []*cli.Command{{
			Name:      "check",
			Usage:     "validate a configuration file without starting anything",
			ArgsUsage: "FILE",
			Description: "Parses FILE, resolves its ${VAR} references and *File secrets, and checks names,\n" +
				"endpoints, keys and the bucket rules as `location add` and `bucket create` do,\n" +
				"without reaching any backend. Every problem is listed.",
			Action: configCheck,
		}},
	}
}

func configCheck(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("config check takes one file (see `ringside config check --help`)")
	}
	f, err := config.Load(c.Args().First())
	if err != nil {
		return err
	}
	problems := f.Check()
	for _, p := range problems {
		fmt.Fprintf(c.App.Writer, "%s: %v\n", c.Args().First(), p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d problem(s) in %s", len(problems), c.Args().First())
	}
	fmt.Fprintf(c.App.Writer, "%s: ok (%d locations, %d buckets)\n", c.Args().First(), len(f.Locations), len(f.Buckets))
	return nil
}

// loadConfigFile reads --config, if given, checks it, and sets each
// server setting it has on the flag of the same name, unless the command
// line or the environment set that flag: they override the file.
func loadConfigFile(c *cli.Context) (*config.File, error) {
	path := c.String("config")
	if path == "" {
		return nil, nil
	}
	f, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	if problems := f.Check(); len(problems) > 0 {
		return nil, fmt.Errorf("config file %s: %v (and %d more; `ringside config check %s` lists them)", path, problems[0], len(problems)-1, path)
	}
	v := reflect.ValueOf(f.Server)
	for i := range v.NumField() {
		flag := v.Type().Field(i).Tag.Get("flag")
		value, ok := settingValue(v.Field(i))
		if flag == "" || !ok || c.IsSet(flag) {
			continue
		}
		if err := c.Set(flag, value); err != nil {
			return nil, fmt.Errorf("config file %s: server: %s: %w", path, flag, err)
		}
	}
	return f, nil
}

// settingValue is a setting's value as a flag takes it; ok is false
// when the file leaves it unset.
func settingValue(v reflect.Value) (string, bool) {
	switch v.Kind() {
	case reflect.String:
		return v.String(), v.String() != ""
	case reflect.Pointer:
		if v.IsNil() {
			return "", false
		}
		return strconv.FormatBool(v.Elem().Bool()), true
	}
	return "", false
}

// applyConfig converges the catalog to the file's locations and buckets.
func (n *node) applyConfig(ctx context.Context, f *config.File) {
	if f == nil {
		return
	}
	f.Apply(ctx, n.cat, n.mirror, n.log)
}

// reloadOnHangup reapplies the configuration file on every SIGHUP until
// ctx ends. A file that no longer parses or checks is refused and the
// running configuration stays; server settings need a restart.
func (n *node) reloadOnHangup(ctx context.Context) {
	if n.cfg.configFile == "" {
		return
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				n.reloadConfig(ctx)
			}
		}
	}()
}

func (n *node) reloadConfig(ctx context.Context) {
	n.log.Info("config: reloading", "file", n.cfg.configFile)
	f, err := config.Load(n.cfg.configFile)
	if err != nil {
		n.log.Error("config: reload refused, the running configuration stays", "err", err)
		return
	}
	if problems := f.Check(); len(problems) > 0 {
		n.log.Error("config: reload refused, the running configuration stays", "problems", len(problems), "first", problems[0])
		return
	}
	if f.Server != n.cfg.file.Server {
		n.log.Warn("config: server settings changed in the file; they apply at the next restart")
	}
	n.applyConfig(ctx, f)
}
