package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseResolvesReferences(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "ring-secret")
	if err := os.WriteFile(secretFile, []byte("from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RING_KEY", "AKRING")
	t.Setenv("RING_HOST", "s3.ring.example")
	f, err := Parse([]byte(`
server:
  listen: 127.0.0.1:9000
  mirrorInterval: 5s
  accessLog: true
locations:
  ring:
    endpoint: https://${RING_HOST}
    accessKey: ${RING_KEY}
    secretKeyFile: ` + secretFile + `
    targetBucket: photos-store
    noPrefix: true
buckets:
  photos: {location: ring, mirror: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	l := f.Locations["ring"]
	if l.Endpoint != "https://s3.ring.example" || l.AccessKey != "AKRING" || l.SecretKey != "from-a-file" {
		t.Errorf("location ring = %+v", l)
	}
	if f.Server.Listen != "127.0.0.1:9000" || f.Server.AccessLog == nil || !*f.Server.AccessLog {
		t.Errorf("server = %+v", f.Server)
	}
	if b := f.Buckets["photos"]; b.Location != "ring" || !b.Mirror {
		t.Errorf("bucket photos = %+v", b)
	}
	if problems := f.Check(); len(problems) != 0 {
		t.Errorf("problems in a good file: %v", problems)
	}
	if empty, err := Parse(nil); err != nil || len(empty.Locations) != 0 {
		t.Errorf("empty file: %+v, %v", empty, err)
	}
}

func TestParseRefusals(t *testing.T) {
	dir := t.TempDir()
	emptyFile := filepath.Join(dir, "empty")
	if err := os.WriteFile(emptyFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown field", "server:\n  listn: x\n", "field listn not found"},
		{"unset variable", "locations:\n  ring:\n    secretKey: ${RINGSIDE_TEST_UNSET_VAR}\n", "RINGSIDE_TEST_UNSET_VAR is not set"},
		{"value and file", "locations:\n  ring:\n    secretKey: s\n    secretKeyFile: " + emptyFile + "\n", "not both"},
		{"empty secret file", "server:\n  adminTokenFile: " + emptyFile + "\n", "is empty"},
		{"missing secret file", "server:\n  secretKeyFile: " + filepath.Join(dir, "nope") + "\n", "no such file"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with %q", tt.name, err, tt.want)
		}
	}
}

// A '$' that is not a ${VAR} reference stays, as secrets may have one.
func TestExpandLeavesOtherDollars(t *testing.T) {
	s := "pa$$word$x"
	if err := expand(&s); err != nil || s != "pa$$word$x" {
		t.Errorf("expand = %q, %v", s, err)
	}
}

func TestCheckFindsEveryProblem(t *testing.T) {
	f, err := Parse([]byte(`
server:
  mirrorInterval: "2"
  logLevel: chatty
  logFormat: xml
locations:
  ring: {endpoint: "ftp://x", accessKey: a, secretKey: s, targetBucket: bucket-one, noPrefix: true}
  plain: {endpoint: "http://127.0.0.1:1", accessKey: a, secretKey: s, targetBucket: bucket-two}
buckets:
  one: {location: ring}
  two: {location: ring}
  mirrored: {location: plain, mirror: true}
  orphan: {location: nowhere}
  Bad_Name: {location: plain}
`))
	if err != nil {
		t.Fatal(err)
	}
	all := ""
	for _, p := range f.Check() {
		all += p.Error() + "\n"
	}
	for _, want := range []string{
		"mirrorInterval \"2\"", "logLevel \"chatty\"", "logFormat \"xml\"", "location ring: Endpoint", "no-prefix location holds one bucket",
		"bucket mirrored: a mirror bucket needs a no-prefix location", "location nowhere is not declared", "bucket Bad_Name",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q:\n%s", want, all)
		}
	}
}
