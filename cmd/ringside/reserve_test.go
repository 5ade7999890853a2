package main

import (
	"strings"
	"testing"
)

func TestIndexReserveConfig(t *testing.T) {
	tests := []struct {
		name       string
		args       string
		env        string // RINGSIDE_INDEX_RESERVE
		want       int64
		wantErrMsg string
	}{
		{name: "default", want: 128 << 20},
		{name: "flag", args: "--index-reserve 32MiB", want: 32 << 20},
		{name: "environment", env: "1GiB", want: 1 << 30},
		{name: "the smallest", args: "--index-reserve 16MiB", want: 16 << 20},
		{name: "below the memtable log", args: "--index-reserve 8MiB", wantErrMsg: "--index-reserve"},
		{name: "zero", args: "--index-reserve 0", wantErrMsg: "--index-reserve"},
		{name: "not a size", args: "--index-reserve lots", wantErrMsg: "--index-reserve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("RINGSIDE_INDEX_RESERVE", tt.env)
			}
			cfg, err := serveConfigFrom(serveContext(t, strings.Fields(tt.args)))
			if tt.wantErrMsg != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrMsg) {
					t.Fatalf("error %v, want one mentioning %q", err, tt.wantErrMsg)
				}
				return
			}
			if err != nil || cfg.indexReserve != tt.want {
				t.Errorf("index reserve %d, %v; want %d", cfg.indexReserve, err, tt.want)
			}
		})
	}
}
