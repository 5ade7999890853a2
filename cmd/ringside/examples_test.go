package main

import (
	"io"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestEveryCommandHasExamples(t *testing.T) {
	app, err := newApp()
	if err != nil {
		t.Fatal(err)
	}
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			name := strings.TrimSpace(prefix + " " + c.Name)
			if len(examples[name]) == 0 {
				t.Errorf("ringside %s has no examples", name)
			}
			walk(name, c.Subcommands)
		}
	}
	walk("", app.Commands)
	for name := range examples {
		if name != "" && findPath(app.Commands, strings.Fields(name)) == nil {
			t.Errorf("examples for %q, which is no command", name)
		}
	}
	out, err := runCLI(t, "location", "add", "--help")
	if err != nil || !strings.Contains(out, "EXAMPLES:\n   ringside location add ring --endpoint") {
		t.Errorf("location add --help: %v; no EXAMPLES section in\n%s", err, out)
	}
	out, err = runCLI(t, "--help")
	if err != nil || !strings.Contains(out, "EXAMPLES:\n   ringside demo") {
		t.Errorf("--help: %v; no EXAMPLES section in\n%s", err, out)
	}
}

func findPath(cmds []*cli.Command, path []string) *cli.Command {
	var c *cli.Command
	for _, p := range path {
		if c = findCommand(cmds, p); c == nil {
			return nil
		}
		cmds = c.Subcommands
	}
	return c
}

// TestExamplesRun runs every example command line through the real
// command line parser, with the commands' actions replaced: each must
// name existing commands and flags, give every required flag, and parse.
func TestExamplesRun(t *testing.T) {
	for name, lines := range examples {
		for _, ex := range exampleCommands(lines) {
			args := ex.args
			t.Run(name+": "+strings.Join(args, " "), func(t *testing.T) {
				for k, v := range ex.env {
					t.Setenv(k, v)
				}
				app, err := newApp()
				if err != nil {
					t.Fatal(err)
				}
				app.Writer, app.ErrWriter = io.Discard, io.Discard
				ran := false
				stub := func(*cli.Context) error { ran = true; return nil }
				walkCommands(app.Commands, func(c *cli.Command) error {
					if c.Action != nil {
						c.Action = stub
					}
					return nil
				})
				app.Action = stub
				if err := app.Run(reorderArgs(app, append([]string{"ringside"}, args...))); err != nil {
					t.Fatalf("ringside %s: %v", strings.Join(args, " "), err)
				}
				if !ran && !contains(args, "--version") {
					t.Fatalf("ringside %s ran no command", strings.Join(args, " "))
				}
			})
		}
	}
}

type exampleCommand struct {
	env  map[string]string
	args []string
}

// exampleCommands turns example lines into ringside command lines: lines
// continued with a backslash are joined, leading VAR=value assignments
// become the environment, comments and redirections are dropped and
// quotes removed; lines that do not run ringside are skipped.
func exampleCommands(lines []string) []exampleCommand {
	var out []exampleCommand
	joined := ""
	for _, l := range lines {
		if rest, ok := strings.CutSuffix(strings.TrimSpace(l), "\\"); ok {
			joined += rest + " "
			continue
		}
		full := joined + l
		joined = ""
		if i := strings.Index(full, " #"); i >= 0 {
			full = full[:i]
		}
		words := strings.Fields(full)
		env := map[string]string{}
		for len(words) > 0 && strings.Contains(words[0], "=") {
			k, v, _ := strings.Cut(words[0], "=")
			env[k] = strings.Trim(v, `"`)
			words = words[1:]
		}
		if len(words) == 0 || words[0] != "ringside" {
			continue
		}
		var args []string
		for _, w := range words[1:] {
			if strings.HasPrefix(w, ">") {
				break
			}
			args = append(args, strings.Trim(w, `"`))
		}
		out = append(out, exampleCommand{env, args})
	}
	return out
}
