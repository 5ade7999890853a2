package main

import (
	"strings"
	"testing"
)

func TestVersionLineTakesTheRevisionGivenAtBuildTime(t *testing.T) {
	defer func(v, r string) { version, revision = v, r }(version, revision)
	version, revision = "v1.2.3", "0123456789abcdef0123456789abcdef01234567"
	got := versionLine()
	if !strings.HasPrefix(got, "ringside v1.2.3 (") || !strings.Contains(got, ", commit 0123456789ab)") {
		t.Fatalf("versionLine() = %q, want version v1.2.3 and commit 0123456789ab", got)
	}
}
