package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// The bash and zsh scripts ask ringside itself for the candidates
// (urfave/cli's --generate-bash-completion), so they follow the binary's
// commands and flags without being regenerated.
const (
	bashCompletion = `# bash completion for ringside: source <(ringside completion bash)
_ringside_complete() {
	local cur="${COMP_WORDS[COMP_CWORD]}"
	local words=("${COMP_WORDS[@]:0:COMP_CWORD}")
	local opts
	if [[ "$cur" == -* ]]; then
		opts=$("${words[0]}" "${words[@]:1}" "$cur" --generate-bash-completion 2>/dev/null)
	else
		opts=$("${words[0]}" "${words[@]:1}" --generate-bash-completion 2>/dev/null)
	fi
	COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o bashdefault -o default -F _ringside_complete ringside
`
	zshCompletion = `#compdef ringside
# zsh completion for ringside: ringside completion zsh > "${fpath[1]}/_ringside",
# or source <(ringside completion zsh) after compinit.
_ringside() {
	local -a opts
	local cur=${words[-1]}
	if [[ "$cur" == -* ]]; then
		opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
	else
		opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
	fi
	if [[ "${opts[1]}" != "" ]]; then
		_describe 'values' opts
	else
		_files
	fi
}
# Autoloaded from fpath the file is the function: complete right away;
# sourced, register the function.
if [[ "${funcstack[1]}" == "_ringside" ]]; then
	_ringside "$@"
else
	compdef _ringside ringside
fi
`
)

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print the shell completion script for bash, zsh or fish",
		ArgsUsage: "bash|zsh|fish",
		Action: func(c *cli.Context) error {
			shell, err := oneArg(c, "shell (bash, zsh or fish)")
			if err != nil {
				return err
			}
			script, err := completionScript(c.App, shell)
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(c.App.Writer, script)
			return err
		},
	}
}

func completionScript(app *cli.App, shell string) (string, error) {
	switch shell {
	case "bash":
		return bashCompletion, nil
	case "zsh":
		return zshCompletion, nil
	case "fish":
		s, err := app.ToFishCompletion()
		if err != nil {
			return "", fmt.Errorf("generate the fish completion: %w", err)
		}
		return s, nil
	default:
		return "", fmt.Errorf("no completion for shell %q: want bash, zsh or fish", shell)
	}
}
