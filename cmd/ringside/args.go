package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// reorderArgs moves a leaf command's flags before its positional
// arguments, so that "location add NAME --endpoint URL" works: urfave/cli
// v2 stops reading flags at the first positional argument. Flags of the
// leaf command given before it ("ringside --admin URL location list") move
// after it too. Everything after "--" stays positional.
func reorderArgs(app *cli.App, args []string) []string {
	// Shell completion asks with its flag last, where urfave/cli looks
	// for it.
	if len(args) < 2 || args[len(args)-1] == "--generate-bash-completion" {
		return args
	}
	cmd, path, early, i := commandOf(app, args)
	if cmd == nil || len(cmd.Subcommands) > 0 || !allOwnFlags(cmd, early) {
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
	out := append([]string{args[0]}, path...)
	out = append(out, early...)
	out = append(out, flags...)
	return append(out, positional...)
}

// commandOf walks args to the command they name: it returns the command,
// the words naming it, the flags (with their values) found among those
// words, and the index of the first argument after them. A word after a
// flag is taken for its value unless it names a command or is a flag.
func commandOf(app *cli.App, args []string) (cmd *cli.Command, path, early []string, i int) {
	cmds := app.Commands
	for i = 1; i < len(args); {
		a := args[i]
		if next := findCommand(cmds, a); next != nil {
			cmd, cmds = next, next.Subcommands
			path = append(path, a)
			i++
			continue
		}
		if len(a) < 2 || a[0] != '-' || a == "--" {
			break
		}
		early = append(early, a)
		i++
		if !strings.Contains(a, "=") && i < len(args) && !strings.HasPrefix(args[i], "-") && findCommand(cmds, args[i]) == nil {
			early = append(early, args[i])
			i++
		}
	}
	return cmd, path, early, i
}

// allOwnFlags reports whether early (flags and the values taken for them)
// are flags of cmd, each with a value exactly when it takes one.
func allOwnFlags(cmd *cli.Command, early []string) bool {
	for j := 0; j < len(early); j++ {
		a := early[j]
		if !hasFlag(cmd, a) {
			return false
		}
		hasValue := !strings.Contains(a, "=") && j+1 < len(early) && !strings.HasPrefix(early[j+1], "-")
		if hasValue != takesValue(cmd, a) {
			return false
		}
		if hasValue {
			j++
		}
	}
	return true
}

func hasFlag(cmd *cli.Command, a string) bool {
	name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
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
