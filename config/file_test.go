package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
		{"unset variable in a server setting", "server:\n  cacheDiskDir: ${RINGSIDE_TEST_UNSET_VAR}/cache\n", "server: environment variable RINGSIDE_TEST_UNSET_VAR is not set"},
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
  backendStallTimeout: -1s
  mirrorListConcurrency: 0
  backendBreakerFailures: many
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
		"mirrorInterval \"2\"", "backendStallTimeout \"-1s\"", "mirrorListConcurrency \"0\"", "backendBreakerFailures \"many\"", "logLevel \"chatty\"", "logFormat \"xml\"", "location ring: Endpoint", "no-prefix location holds one bucket",
		"bucket mirrored: a mirror bucket needs a no-prefix location", "location nowhere is not declared", "bucket Bad_Name",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q:\n%s", want, all)
		}
	}
}

// A location's feed is read with its token inline or from a file, checked
// as location add checks it, and turned into an update that keeps a
// generated token the file leaves out.
func TestLocationFeed(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("a-webhook-token-from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	loc := "{endpoint: http://127.0.0.1:1, accessKey: a, secretKey: s, targetBucket: store, noPrefix: true"
	tests := []struct {
		name, fields string
		wantFeed     string
		wantToken    *string // in the update; nil: kept as stored
		wantProblem  string  // "" for none
	}{
		{name: "left out", fields: "", wantFeed: ""},
		{name: "listen", fields: ", feed: listen", wantFeed: "listen"},
		{name: "webhook generated", fields: ", feed: webhook", wantFeed: "webhook"},
		{name: "webhook token file", fields: ", feed: webhook, feedTokenFile: " + tokenFile, wantFeed: "webhook",
			wantToken: ptrTo("a-webhook-token-from-a-file")},
		{name: "unknown kind", fields: ", feed: kafka", wantFeed: "kafka", wantProblem: "is not one of"},
		{name: "short token", fields: ", feed: webhook, feedToken: short", wantFeed: "webhook", wantToken: ptrTo("short"),
			wantProblem: "at least 16"},
		{name: "token without webhook", fields: ", feed: listen, feedToken: a-webhook-token-0123", wantFeed: "listen",
			wantToken: ptrTo("a-webhook-token-0123"), wantProblem: "only a webhook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte("locations:\n  ring: " + loc + tt.fields + "}\n"))
			if err != nil {
				t.Fatal(err)
			}
			wantProblem(t, f, tt.wantProblem)
			ch := f.Locations["ring"].change()
			if ch.Feed == nil || *ch.Feed != tt.wantFeed {
				t.Errorf("update's feed %v, want %q", ch.Feed, tt.wantFeed)
			}
			if (ch.FeedToken == nil) != (tt.wantToken == nil) || (ch.FeedToken != nil && *ch.FeedToken != *tt.wantToken) {
				t.Errorf("update's token %v, want %v", ch.FeedToken, tt.wantToken)
			}
		})
	}
	if _, err := Parse([]byte("locations:\n  ring: " + loc + ", feedToken: x, feedTokenFile: " + tokenFile + "}\n")); err == nil ||
		!strings.Contains(err.Error(), "not both") {
		t.Errorf("token and token file: %v", err)
	}
}

func ptrTo(s string) *string { return &s }

// wantProblem checks that f's check finds a problem saying want, or none
// if want is "".
func wantProblem(t *testing.T, f *File, want string) {
	t.Helper()
	problems := fmt.Sprint(f.Check())
	if (want == "") != (problems == "[]") || !strings.Contains(problems, want) {
		t.Errorf("problems %s, want %q", problems, want)
	}
}

// A location's timeouts are read as durations, checked as location add
// checks them, and turned into an update that drops those left out.
func TestLocationTimeouts(t *testing.T) {
	loc := "{endpoint: http://127.0.0.1:1, accessKey: a, secretKey: s, targetBucket: store"
	tests := []struct {
		name, fields  string
		want          [3]time.Duration // connect, response, stall
		wantProblem   string           // "" for none
		wantParseFail string           // "" when it parses
	}{
		{name: "left out", fields: ""},
		{name: "set", fields: ", responseTimeout: 1m, stallTimeout: 45s", want: [3]time.Duration{0, time.Minute, 45 * time.Second}},
		{name: "too long", fields: ", connectTimeout: 2h", want: [3]time.Duration{2 * time.Hour, 0, 0},
			wantProblem: "connect timeout of 2h0m0s is out of bounds"},
		{name: "not a duration", fields: ", stallTimeout: soon", wantParseFail: "soon"},
		{name: "a bare number", fields: ", stallTimeout: 30", wantParseFail: "30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte("locations:\n  ring: " + loc + tt.fields + "}\n"))
			if tt.wantParseFail != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantParseFail) {
					t.Fatalf("parse: %v, want an error naming %q", err, tt.wantParseFail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantProblem(t, f, tt.wantProblem)
			ch := f.Locations["ring"].change()
			for i, got := range []*time.Duration{ch.ConnectTimeout, ch.ResponseTimeout, ch.StallTimeout} {
				if got == nil || *got != tt.want[i] {
					t.Errorf("update's timeout %d: %v, want %v", i, got, tt.want[i])
				}
			}
		})
	}
}
