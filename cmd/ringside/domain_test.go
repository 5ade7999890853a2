package main

import (
	"reflect"
	"strings"
	"testing"
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
			cfg, err := serveConfigFrom(serveContext(t, strings.Fields(tt.args)))
			if err != nil || !reflect.DeepEqual(cfg.domains, tt.want) {
				t.Errorf("domains %q, %v; want %q", cfg.domains, err, tt.want)
			}
		})
	}
}
