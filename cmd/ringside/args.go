package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// reorderArgs moves a leaf command's flags before its positional
// arguments, so that "location add NAME --endpoint URL" works: urfave/cli
// v2 stops reading flags at the first positional argument. Everything
// after "--" stays positional.
func reorderArgs(app *cli.App, args []string) []string {
	// Shell completion asks with its flag last, where urfave/cli looks
	// for it.
	if len(args) < 2 || args[len(args)-1] == "--generate-bash-completion" {
		return args
	}
	i, cmd := 1, (*cli.Command)(nil)
	cmds := app.Commands
	for i < len(args) {
		next := findCommand(cmds, args[i])
		if next == nil {
			break
		}
		cmd, cmds = next, next.Subcommands
		i++
	}
	if cmd == nil || len(cmd.Subcommands) > 0 {
		return args
	}
	var flags, positional []string
	tail := args[i:]
	for j := 0; j < len(tail); j++ {
		a := tail[j]
		if a == "--" {
			positional = append(positional, tail[j:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		if takesValue(cmd, a) && j+1 < len(tail) {
			j++
			flags = append(flags, tail[j])
		}
	}
	out := append([]string{}, args[:i]...)
	out = append(out, flags...)
	return append(out, positional...)
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// takesValue reports whether the flag argument a ("--name" with no "=")
// consumes the next argument as its value.
func takesValue(cmd *cli.Command, a string) bool {
	name := strings.TrimLeft(a, "-")
	if strings.Contains(name, "=") {
		return false
	}
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			if n != name {
				continue
			}
			_, isBool := f.(*cli.BoolFlag)
			return !isBool
		}
	}
	return false
}
