package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// healthcheckTimeout bounds one check; container runtimes kill a check
// that outlives their own timeout anyway, but a hung admin listener must
// fail the check rather than hang it.
const healthcheckTimeout = 4 * time.Second

func healthcheckCommand() *cli.Command {
	return &cli.Command{
		Name:  "healthcheck",
		Usage: "exit 0 if the gateway on --admin-listen is ready (or alive), 1 if not",
		Description: "GETs /readyz (or /healthz with --liveness) on the admin listener of a gateway started\n" +
			"with the same --admin-listen (or RINGSIDE_ADMIN_LISTEN); a wildcard address such as\n" +
			"0.0.0.0:7481 is checked on loopback. Needs no shell, so a distroless image's\n" +
			"HEALTHCHECK or an exec probe can run it. No admin token is needed.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "admin-listen", Value: "127.0.0.1:7481", Usage: "the gateway's admin `ADDRESS`, as given to serve"},
			&cli.BoolFlag{Name: "liveness", Usage: "check /healthz (the process answers) instead of /readyz (ready to serve S3)"},
			&cli.BoolFlag{Name: "admin-tls", Usage: "the admin listener serves TLS (serve --admin-tls); its certificate is not checked, since the check only asks a local process whether it is ready"},
		},
		Action: func(c *cli.Context) error {
			path := "/readyz"
			if c.Bool("liveness") {
				path = "/healthz"
			}
			ctx, cancel := context.WithTimeout(c.Context, healthcheckTimeout)
			defer cancel()
			return checkHealth(ctx, c.String("admin-listen"), path, c.Bool("admin-tls"))
		},
	}
}

// checkHealth GETs path on the admin listener at listen and fails unless
// it answers 200.
func checkHealth(ctx context.Context, listen, path string, overTLS bool) error {
	addr, err := dialAddr(listen)
	if err != nil {
		return fmt.Errorf("--admin-listen %q: %w", listen, err)
	}
	scheme := "http"
	if overTLS {
		scheme = "https"
	}
	url := scheme + "://" + addr + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("build the request for %s: %w", url, err)
	}
	// A Transport of its own, not the default one: it must not go through
	// an HTTP_PROXY the container may set, and it keeps no connection
	// since the process exits right after.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true,
		// Readiness, not identity: the listener is the local gateway's.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: overTLS}}} //nolint:gosec // loopback readiness probe
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// dialAddr turns a listen address into one to connect to: a wildcard or
// empty host means the gateway listens on every interface, loopback
// included.
func dialAddr(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", err
	}
	if port == "" || port == "0" {
		return "", errors.New("no fixed port to check")
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port), nil
}
