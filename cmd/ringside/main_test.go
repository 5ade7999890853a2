package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestEveryFlagReadsItsEnvironmentVariable(t *testing.T) {
	app, err := newApp()
	if err != nil {
		t.Fatal(err)
	}
	// Names users and the deploy files rely on, one per kind of rule.
	known := map[string]string{
		"serve access-key":                  "RINGSIDE_ACCESS_KEY",
		"serve mirror-interval":             "RINGSIDE_MIRROR_INTERVAL",
		"demo listen":                       "RINGSIDE_LISTEN",
		"location add access-key":           "RINGSIDE_LOCATION_ACCESS_KEY",
		"location update secret-key":        "RINGSIDE_LOCATION_SECRET_KEY",
		"location add feed-token":           "RINGSIDE_LOCATION_FEED_TOKEN",
		"location add bucket":               "RINGSIDE_LOCATION_BUCKET",
		"location update endpoint":          "RINGSIDE_LOCATION_ENDPOINT",
		"location list json":                "RINGSIDE_LOCATION_JSON",
		"bucket create location":            "RINGSIDE_BUCKET_LOCATION",
		"bucket create mirror":              "RINGSIDE_BUCKET_MIRROR",
		"mirror rescan wait":                "RINGSIDE_MIRROR_WAIT",
		"mirror status interval":            "RINGSIDE_MIRROR_WATCH_INTERVAL",
		"healthcheck liveness":              "RINGSIDE_HEALTHCHECK_LIVENESS",
		"healthcheck admin-listen":          "RINGSIDE_ADMIN_LISTEN",
		"healthcheck admin-tls":             "RINGSIDE_ADMIN_TLS",
		"location list admin-ca-file":       "RINGSIDE_ADMIN_CA_FILE",
		"bucket list admin-token":           "RINGSIDE_ADMIN_TOKEN",
		"mirror pause admin":                "RINGSIDE_ADMIN",
		"location remove data-dir":          "RINGSIDE_DATA_DIR",
		"location add insecure-skip-verify": "RINGSIDE_LOCATION_INSECURE_SKIP_VERIFY",
	}
	seen := map[string]bool{}
	count := 0
	walkFlags(t, app, func(path string, f cli.Flag, vars []string) {
		name := f.Names()[0]
		top, _, _ := strings.Cut(path, " ")
		if len(vars) != 1 {
			t.Errorf("%s --%s reads %v, want one variable", path, name, vars)
			return
		}
		if want, ok := known[path+" "+name]; ok {
			seen[path+" "+name] = true
			if vars[0] != want {
				t.Errorf("%s --%s reads %s, want %s", path, name, vars[0], want)
			}
		}
		switch {
		case unscopedCommands[top] || sharedFlags[name]:
			if vars[0] != envName(name) {
				t.Errorf("%s --%s reads %s, want %s", path, name, vars[0], envName(name))
			}
		case !strings.HasPrefix(vars[0], envName(top)+"_"):
			t.Errorf("%s --%s reads %s, not a name scoped by %s", path, name, vars[0], envName(top))
		}
		count++
	})
	for k := range known {
		if !seen[k] {
			t.Errorf("no flag %s", k)
		}
	}
	if count < 40 {
		t.Fatalf("only %d flags walked; the walk misses commands", count)
	}
}

// TestNoVariableServesTwoFlags guards against a variable set for one
// purpose being taken for another: every variable, old unscoped names
// included, is read by flags of one name only.
func TestNoVariableServesTwoFlags(t *testing.T) {
	// Every old name set makes every deprecated variable a flag reads
	// appear on it.
	old := map[string]bool{}
	app, err := newApp()
	if err != nil {
		t.Fatal(err)
	}
	walkFlags(t, app, func(_ string, f cli.Flag, _ []string) { old[envName(f.Names()[0])] = true })
	for v := range old {
		t.Setenv(v, "1")
	}
	if app, err = newApp(); err != nil {
		t.Fatal(err)
	}
	readers := map[string]map[string]bool{}
	walkFlags(t, app, func(path string, f cli.Flag, vars []string) {
		for _, v := range vars {
			if readers[v] == nil {
				readers[v] = map[string]bool{}
			}
			readers[v][f.Names()[0]] = true
		}
	})
	for v, flags := range readers {
		if len(flags) > 1 {
			t.Errorf("%s is read by --%v", v, flags)
		}
	}
	if len(readers["RINGSIDE_BUCKET"]) == 0 {
		t.Fatal("old names were not read while set")
	}
}

func walkFlags(t *testing.T, app *cli.App, fn func(path string, f cli.Flag, vars []string)) {
	t.Helper()
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			path := strings.TrimSpace(prefix + " " + c.Name)
			for _, f := range c.Flags {
				vars, err := envVarsOf(f)
				if err != nil {
					t.Fatal(err)
				}
				fn(path, f, *vars)
			}
			walk(path, c.Subcommands)
		}
	}
	walk("", app.Commands)
}

func TestEnvVarSetsAFlag(t *testing.T) {
	t.Setenv("RINGSIDE_ADMIN_LISTEN", "127.0.0.1:9999")
	t.Setenv("RINGSIDE_MIRROR_INTERVAL", "7s")
	app, err := newApp()
	if err != nil {
		t.Fatal(err)
	}
	var got serveConfig
	cmd := findCommand(app.Commands, "serve")
	cmd.Action = func(c *cli.Context) error {
		got, err = serveConfigFrom(c)
		return err
	}
	if err := app.Run([]string{"ringside", "serve"}); err != nil {
		t.Fatal(err)
	}
	if got.adminListen != "127.0.0.1:9999" || got.mirrorInterval.String() != "7s" || got.listen != "127.0.0.1:7480" {
		t.Fatalf("config %+v: environment not applied", got)
	}
}

func TestEnvNames(t *testing.T) {
	for flag, want := range map[string]string{
		"admin-listen":    "RINGSIDE_ADMIN_LISTEN",
		"admin":           "RINGSIDE_ADMIN",
		"admin-token":     "RINGSIDE_ADMIN_TOKEN",
		"tls-self-signed": "RINGSIDE_TLS_SELF_SIGNED",
	} {
		if got := envName(flag); got != want {
			t.Errorf("envName(%q) = %q, want %q", flag, got, want)
		}
	}
}

func TestReorderArgs(t *testing.T) {
	app, err := newApp()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in, want string
	}{
		{"ringside location add ring --endpoint http://h:9000 --no-prefix --bucket b",
			"ringside location add --endpoint http://h:9000 --no-prefix --bucket b ring"},
		{"ringside location add --endpoint=http://h ring --bucket b",
			"ringside location add --endpoint=http://h --bucket b ring"},
		{"ringside mirror rescan photos --wait", "ringside mirror rescan --wait photos"},
		{"ringside bucket create photos --location ring --mirror --json",
			"ringside bucket create --location ring --mirror --json photos"},
		{"ringside bucket show -- --odd", "ringside bucket show -- --odd"},
		{"ringside location --help", "ringside location --help"},
		{"ringside serve --listen 127.0.0.1:0", "ringside serve --listen 127.0.0.1:0"},
		{"ringside", "ringside"},
	}
	for _, tt := range tests {
		got := strings.Join(reorderArgs(app, strings.Fields(tt.in)), " ")
		if got != tt.want {
			t.Errorf("reorderArgs(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestLocationAddParsesFlagsAfterTheName(t *testing.T) {
	app, err := newApp()
	if err != nil {
		t.Fatal(err)
	}
	loc := findCommand(findCommand(app.Commands, "location").Subcommands, "add")
	var name, endpoint string
	var noPrefix bool
	loc.Action = func(c *cli.Context) error {
		name, endpoint, noPrefix = c.Args().First(), c.String("endpoint"), c.Bool("no-prefix")
		return nil
	}
	args := strings.Fields("ringside location add ring --endpoint http://h:9000 --access-key a --secret-key s --bucket b --no-prefix")
	if err := app.Run(reorderArgs(app, args)); err != nil {
		t.Fatal(err)
	}
	if name != "ring" || endpoint != "http://h:9000" || !noPrefix {
		t.Fatalf("parsed name %q endpoint %q no-prefix %v", name, endpoint, noPrefix)
	}
}

func TestTokenFile(t *testing.T) {
	dir := t.TempDir()
	tok, created, err := loadOrCreateToken(dir)
	if err != nil || !created || len(tok) != 64 {
		t.Fatalf("first start: token %d chars, created %v, err %v", len(tok), created, err)
	}
	st, err := os.Stat(filepath.Join(dir, "admin-token"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v, err %v; want 0600", st.Mode().Perm(), err)
	}
	again, created, err := loadOrCreateToken(dir)
	if err != nil || created || again != tok {
		t.Fatalf("second start: same token %v, created %v, err %v", again == tok, created, err)
	}
	read, err := readToken(dir)
	if err != nil || read != tok {
		t.Fatalf("admin commands read %q, %v", read, err)
	}

	// A file others can read is tightened, not trusted as it is.
	if err := os.Chmod(filepath.Join(dir, "admin-token"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadOrCreateToken(dir); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(filepath.Join(dir, "admin-token")); st.Mode().Perm() != 0o600 {
		t.Fatalf("loose token file left at %v", st.Mode().Perm())
	}

	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "admin-token"), []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadOrCreateToken(empty); err == nil {
		t.Fatal("an empty token file was accepted")
	}
	if _, err := readToken(t.TempDir()); err == nil {
		t.Fatal("a missing token file was accepted")
	}
}

func TestAdminURL(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"http://127.0.0.1:7481", "http://127.0.0.1:7481", true},
		{"http://127.0.0.1:7481/", "http://127.0.0.1:7481", true},
		{"127.0.0.1:7481", "http://127.0.0.1:7481", true},
		{"https://admin.example:8443", "https://admin.example:8443", true},
		{"ftp://h", "", false},
		{"http://", "", false},
	}
	for _, tt := range tests {
		got, err := adminURL(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("adminURL(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestServeConfigValidation(t *testing.T) {
	tests := []struct {
		args    string
		wantErr string
	}{
		{"--access-key a", "both --access-key and --secret-key"},
		{"--secret-key s", "both --access-key and --secret-key"},
		{"--tls-cert c.pem", "both --tls-cert and --tls-key"},
		{"--tls-cert c.pem --tls-key k.pem --tls-self-signed", "exclude each other"},
		{"--admin-tls", "--admin-tls serves the admin listener with the S3 listener's certificate"},
		{"--log-level chatty", "--log-level"},
		{"--log-format yaml", "not text or json"},
		{"--mirror-interval 0s", "must be positive"},
		{"--mirror-list-concurrency 0", "--mirror-list-concurrency must be from 1 to 64, not 0"},
		{"--mirror-list-concurrency 65", "--mirror-list-concurrency must be from 1 to 64, not 65"},
		{"--mirror-list-concurrency 1", ""},
		{"--access-key a --secret-key s --log-level debug", ""},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			set := flag.NewFlagSet("serve", flag.ContinueOnError)
			for _, f := range serveFlags(defaultDataDir) {
				if err := f.Apply(set); err != nil {
					t.Fatal(err)
				}
			}
			if err := set.Parse(strings.Fields(tt.args)); err != nil {
				t.Fatal(err)
			}
			_, err := serveConfigFrom(cli.NewContext(cli.NewApp(), set, nil))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestServeRefusesAnonymousAccess(t *testing.T) {
	app, err := newApp()
	if err != nil {
		t.Fatal(err)
	}
	err = app.RunContext(context.Background(), []string{"ringside", "serve", "--data-dir", t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "no client credentials") {
		t.Fatalf("serve without credentials: %v", err)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"ringside":             "ringside",
		"ringside-demo-secret": "ringside-demo-secret",
		"/tmp/ringside-demo-1": "/tmp/ringside-demo-1",
		"a b":                  "'a b'",
		"it's":                 `'it'"'"'s'`,
		"":                     "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	app, err := newApp()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	app.Writer = &out
	if err := app.Run([]string{"ringside", "version"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "ringside "+version+" (go") {
		t.Fatalf("version printed %q", out.String())
	}
}
