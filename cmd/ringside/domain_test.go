package main

import (
	"flag"
	"reflect"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestDomainConfig(t *testing.T) {
	tests := []struct {
		name string
		args string
		env  string // RINGSIDE_DOMAIN
		want []string
	}{
		{name: "none", want: []string{""}},
		{name: "flag", args: "--domain s3.example.com", want: []string{"s3.example.com"}},
		{name: "several", args: "--domain s3.example.com,localhost", want: []string{"s3.example.com", "localhost"}},
		{name: "environment", env: "s3.local", want: []string{"s3.local"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("RINGSIDE_DOMAIN", tt.env)
			}
			app, err := newApp()
			if err != nil {
				t.Fatal(err)
			}
			set := flag.NewFlagSet("serve", flag.ContinueOnError)
			for _, f := range findCommand(app.Commands, "serve").Flags {
				if err := f.Apply(set); err != nil {
					t.Fatal(err)
				}
			}
			if err := set.Parse(strings.Fields(tt.args)); err != nil {
				t.Fatal(err)
			}
			cfg, err := serveConfigFrom(cli.NewContext(app, set, nil))
			if err != nil || !reflect.DeepEqual(cfg.domains, tt.want) {
				t.Errorf("domains %q, %v; want %q", cfg.domains, err, tt.want)
			}
		})
	}
}
