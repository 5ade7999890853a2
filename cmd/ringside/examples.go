package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// examples are the EXAMPLES section of each command's help, by the
// command's full name ("" for ringside itself). A line starting with
// "ringside " is a command line the tests parse against the flags; other
// lines are comments on the line above.
var examples = map[string][]string{
	"": {
		"ringside demo                                # try it: a gateway in front of an embedded backend",
		"ringside serve --access-key app --secret-key \"$SECRET\" --data-dir /var/lib/ringside",
		"ringside location add ring --endpoint https://s3.ring.example --bucket photos --no-prefix \\",
		"    --access-key \"$RING_KEY\" --secret-key \"$RING_SECRET\"",
		"ringside bucket create photos --location ring --mirror",
		"ringside mirror status",
	},
	"serve": {
		"ringside serve --access-key app --secret-key \"$SECRET\" --data-dir /var/lib/ringside",
		"ringside serve --credentials-file /etc/ringside/credentials --tls-self-signed",
		"RINGSIDE_LISTEN=0.0.0.0:7480 RINGSIDE_ADMIN_TOKEN=\"$TOKEN\" ringside serve --credentials-file keys",
	},
	"demo": {
		"ringside demo",
		"ringside demo --listen 127.0.0.1:9000 --data-dir ./demo-data   # keep the index across runs",
	},
	"location": {
		"ringside location add ring --endpoint https://s3.ring.example --bucket photos --no-prefix \\",
		"    --access-key \"$RING_KEY\" --secret-key \"$RING_SECRET\"",
		"ringside location list",
	},
	"location add": {
		"ringside location add ring --endpoint https://s3.ring.example --bucket photos --no-prefix \\",
		"    --access-key \"$RING_KEY\" --secret-key \"$RING_SECRET\"",
		"ringside location add shared --endpoint s3.internal:8000 --bucket apps --ca-file ca.pem \\",
		"    --access-key \"$KEY\" --secret-key \"$SECRET\"     # keys under <gateway bucket>/",
		"RINGSIDE_LOCATION_SECRET_KEY=\"$RING_SECRET\" ringside location add ring --endpoint https://s3.ring.example \\",
		"    --bucket photos --access-key \"$RING_KEY\"        # the secret kept off the command line",
	},
	"location list": {
		"ringside location list",
		"ringside location list --json",
	},
	"location show": {
		"ringside location show ring",
	},
	"location update": {
		"ringside location update ring --secret-key \"$NEW_RING_SECRET\"    # checked against the backend first",
		"ringside location update ring --endpoint https://s3b.ring.example --ca-file ring-ca.pem",
	},
	"location remove": {
		"ringside location remove ring    # refused while a bucket uses it",
	},
	"bucket": {
		"ringside bucket create photos --location ring --mirror",
		"ringside bucket list",
	},
	"bucket create": {
		"ringside bucket create photos --location ring --mirror   # follow out-of-band changes",
		"ringside bucket create scratch --location shared",
	},
	"bucket list": {
		"ringside bucket list",
		"ringside bucket list --admin http://10.0.0.12:7481 --admin-token \"$TOKEN\"",
	},
	"bucket show": {
		"ringside bucket show photos",
	},
	"bucket delete": {
		"ringside bucket delete scratch   # an empty bucket; the backend bucket is left alone",
	},
	"bucket resync": {
		"ringside bucket resync photos    # rebuild the bucket's index from a full backend listing",
	},
	"mirror": {
		"ringside mirror status",
		"ringside mirror rescan photos --wait",
	},
	"mirror status": {
		"ringside mirror status",
		"ringside mirror status photos --json",
		"ringside mirror status photos --watch   # phase, rate and ETA of an initial sync",
	},
	"mirror pause": {
		"ringside mirror pause photos     # kept across restarts",
	},
	"mirror resume": {
		"ringside mirror resume photos",
	},
	"mirror rescan": {
		"ringside mirror rescan photos --wait   # returns once a full pass has finished",
	},
	"config": {
		"ringside config check /etc/ringside/ringside.yaml",
	},
	"config check": {
		"ringside config check /etc/ringside/ringside.yaml   # no backend reached, every problem listed",
	},
	"version": {
		"ringside version",
		"ringside --version",
	},
	"healthcheck": {
		"ringside healthcheck                          # /readyz on RINGSIDE_ADMIN_LISTEN or 127.0.0.1:7481",
		"ringside healthcheck --admin-listen 0.0.0.0:7481 --liveness",
	},
	"completion": {
		"source <(ringside completion bash)",
		"ringside completion zsh > \"${fpath[1]}/_ringside\"",
		"ringside completion fish > ~/.config/fish/completions/ringside.fish",
	},
}

// addExamples appends each command's examples to its help.
func addExamples(app *cli.App) {
	if ex := examples[""]; len(ex) > 0 {
		app.CustomAppHelpTemplate = cli.AppHelpTemplate + examplesSection(ex)
	}
	// Walked by full name: the Command's own FullName is set only once
	// the command runs.
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			name := strings.TrimSpace(prefix + " " + c.Name)
			if ex := examples[name]; len(ex) > 0 {
				base := cli.CommandHelpTemplate
				if len(c.Subcommands) > 0 {
					base = cli.SubcommandHelpTemplate
				}
				c.CustomHelpTemplate = base + examplesSection(ex)
			}
			walk(name, c.Subcommands)
		}
	}
	walk("", app.Commands)
}

func examplesSection(lines []string) string {
	var b strings.Builder
	b.WriteString("\nEXAMPLES:\n")
	for _, l := range lines {
		// Literal text: template actions in an example must not run.
		b.WriteString("   {{`" + l + "`}}\n")
	}
	return b.String()
}
