package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/ringside/ringside/admin"
	"github.com/urfave/cli/v2"
)

// locationTimeoutFlags set a location's own backend timeouts, over
// serve's --backend-*-timeout flags: a far backend needs longer ones.
func locationTimeoutFlags(update bool) []cli.Flag {
	tail := " for this location's backend (default: serve's --backend-%s-timeout)"
	if update {
		tail = " for this location's backend (0 for serve's --backend-%s-timeout)"
	}
	return []cli.Flag{
		&cli.DurationFlag{Name: "connect-timeout", Usage: "TCP connect plus TLS handshake `TIMEOUT`" + fmt.Sprintf(tail, "connect")},
		&cli.DurationFlag{Name: "response-timeout", Usage: "`TIMEOUT` for an answer's headers" + fmt.Sprintf(tail, "response")},
		&cli.DurationFlag{Name: "stall-timeout", Usage: "`TIMEOUT` for a body that stops moving" + fmt.Sprintf(tail, "stall")},
	}
}

// locationTimeouts are the timeout flags given, as the admin API takes
// them: nil for a flag not given.
func locationTimeouts(c *cli.Context) (connect, response, stall *admin.Duration) {
	get := func(name string) *admin.Duration {
		if !c.IsSet(name) {
			return nil
		}
		d := admin.Duration(c.Duration(name))
		return &d
	}
	return get("connect-timeout"), get("response-timeout"), get("stall-timeout")
}

// orZero is d, or no duration.
func orZero(d *admin.Duration) admin.Duration {
	if d == nil {
		return 0
	}
	return *d
}

// timeoutsText says a location's effective timeouts, marking those it
// sets itself.
func timeoutsText(t admin.Timeouts) string {
	own := map[string]bool{}
	for _, name := range t.Overridden {
		own[name] = true
	}
	var parts []string
	for _, f := range []struct {
		name string
		d    admin.Duration
	}{{"connect", t.Connect}, {"response", t.Response}, {"stall", t.Stall}} {
		p := fmt.Sprintf("%s %s", f.name, time.Duration(f.d))
		if own[f.name] {
			p += " (location's own)"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}
