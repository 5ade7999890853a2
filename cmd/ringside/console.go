package main

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/ringside/ringside/console"
)

// buildConsole builds the web console over the node's catalog, ingester
// and S3 handler, unless --console=false. Its object pages sign their
// in-process S3 calls with the first of the gateway's client pairs given
// by flag; with only a credentials file they say they have none.
func (n *node) buildConsole(token string) error {
	if !n.cfg.console {
		return nil
	}
	keys := make([]string, 0, len(n.cfg.credentials))
	for k := range n.cfg.credentials {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	cfg := console.Config{
		Catalog: n.cat, Mirror: n.mirror, Token: token, S3: n.gw.Handler(),
		Health: n.backends.Health, Logger: n.log,
	}
	if len(keys) > 0 {
		cfg.AccessKey, cfg.SecretKey = keys[0], n.cfg.credentials[keys[0]]
	}
	c, err := console.New(cfg)
	if err != nil {
		return fmt.Errorf("build the web console: %w", err)
	}
	n.console = c
	return nil
}

// adminHandler is the admin listener's handler: the admin API, and the
// web console under /console/ when it is on.
func (n *node) adminHandler() http.Handler {
	api := n.readyzBackends(n.admin)
	if n.console == nil {
		return api
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/console" || strings.HasPrefix(r.URL.Path, console.Prefix) {
			if r.URL.Path == "/console" {
				http.Redirect(w, r, console.Prefix, http.StatusMovedPermanently)
				return
			}
			n.console.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// consoleURL is where the console is served, "" when it is off.
func (n *node) consoleURL() string {
	if n.console == nil {
		return ""
	}
	return n.adminURL + console.Prefix
}
