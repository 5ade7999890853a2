package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ringside/ringside/admin"
)

// location add and update set a location's own timeouts; show prints
// the effective ones, serve's flags' where the location sets none, and
// which are its own; an out-of-bounds timeout is refused, changing
// nothing.
func TestLocationTimeoutFlags(t *testing.T) {
	n, be, _ := startTestNodeWith(t, func(c *serveConfig) { c.backend.Timeouts.Connect = 3 * time.Second })
	adminFlags, cli := nodeFlags(n), nodeCLI(t, n)
	out := cli("location", "add", "far", "--endpoint", be.URL(), "--access-key", testBackendKey,
		"--secret-key", testBackendSecret, "--bucket", "store", "--response-timeout", "1m")
	if want := "timeouts      connect 3s, response 1m0s (location's own), stall 15s"; !strings.Contains(out, want) {
		t.Errorf("location add printed:\n%s\nwant %q", out, want)
	}

	for _, tt := range []struct {
		args    []string
		message string
	}{
		{[]string{"--stall-timeout", "1ms"}, "stall timeout of 1ms is out of bounds"},
		{[]string{"--connect-timeout", "2h"}, "connect timeout of 2h0m0s is out of bounds"},
		{[]string{"--response-timeout", "-5s"}, "response timeout of -5s is out of bounds"},
	} {
		out, err := runCLI(t, append(append([]string{"location", "update", "far"}, tt.args...), adminFlags...)...)
		var ge *admin.Error
		if !errors.As(err, &ge) || ge.Status != 400 || !strings.Contains(ge.Message, tt.message) {
			t.Errorf("update %v: %v\n%s; want a 400 saying %q", tt.args, err, out, tt.message)
		}
	}
	if l, err := n.db.GetLocation("far"); err != nil || l.ResponseTimeout != time.Minute || l.StallTimeout != 0 || l.ConnectTimeout != 0 {
		t.Fatalf("refused updates changed the stored location: %+v, %v", l, err)
	}

	cli("location", "update", "far", "--response-timeout", "0", "--stall-timeout", "40s")
	var shown admin.Location
	if err := json.Unmarshal([]byte(cli("location", "show", "far", "--json")), &shown); err != nil {
		t.Fatal(err)
	}
	want := admin.Timeouts{Connect: admin.Duration(3 * time.Second), Response: admin.Duration(15 * time.Second),
		Stall: admin.Duration(40 * time.Second), Overridden: []string{"stall"}}
	if got := shown.Timeouts; got.Connect != want.Connect || got.Response != want.Response || got.Stall != want.Stall ||
		strings.Join(got.Overridden, ",") != "stall" {
		t.Errorf("location show --json: %+v, want %+v", got, want)
	}
}
