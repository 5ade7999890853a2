package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ringside/ringside/admin"
	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/certs"
	"github.com/urfave/cli/v2"
)

// adminClient builds the admin API client of a command from --admin and
// --admin-token, falling back to the token file under --data-dir.
func adminClient(c *cli.Context) (*admin.Client, error) {
	base, err := adminURL(c.String("admin"))
	if err != nil {
		return nil, err
	}
	token := c.String("admin-token")
	if token == "" {
		if token, err = readToken(c.String("data-dir")); err != nil {
			return nil, fmt.Errorf("no admin token: give --admin-token (or RINGSIDE_ADMIN_TOKEN), or the gateway's --data-dir: %w", err)
		}
	}
	hc, err := adminHTTP(base, c.String("admin-ca-file"), c.String("data-dir"))
	if err != nil {
		return nil, err
	}
	return admin.NewClient(base, token, hc), nil
}

// adminHTTP is the admin client's HTTP client. Over https it trusts, besides
// the system's roots, caFile or else the self-signed certificate a gateway
// generated under dataDir (serve --tls-self-signed --admin-tls), so that the
// admin commands find it as they find the token.
func adminHTTP(base, caFile, dataDir string) (*http.Client, error) {
	if !strings.HasPrefix(base, "https://") {
		return nil, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	path, explicit := caFile, caFile != ""
	if !explicit {
		path = filepath.Join(dataDir, certs.SelfSignedCertFile)
	}
	pem, err := os.ReadFile(path)
	switch {
	case err == nil:
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--admin-ca-file %s holds no PEM certificate", path)
		}
	case explicit || !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read the admin API's CA file: %w", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}, nil
}

// adminURL accepts a URL or a bare host:port, which means http.
func adminURL(raw string) (string, error) {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--admin %q is not an http(s) URL like http://127.0.0.1:7481", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table writes aligned columns; flush it when done.
func table(w io.Writer, header ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	return tw
}

func row(tw *tabwriter.Writer, cols ...any) {
	s := make([]string, len(cols))
	for i, c := range cols {
		s[i] = fmt.Sprint(c)
	}
	fmt.Fprintln(tw, strings.Join(s, "\t"))
}

// fields prints "name  value" lines, aligned.
func fields(w io.Writer, kv ...string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(tw, "%s\t%s\n", kv[i], kv[i+1])
	}
	tw.Flush()
}

// ago is how long before now t was, for humans; "never" for a zero time.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return roundDuration(now.Sub(t)) + " ago"
}

func roundDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// healthText says whether a backend answers: "up", "unreachable since
// T (ago): cause", or "-" while ringside has not called it yet.
func healthText(h *backend.Health, now time.Time) string {
	switch {
	case h == nil:
		return "-"
	case h.Up:
		return "up"
	}
	return fmt.Sprintf("unreachable since %s (%s): %s", h.Since.Local().Format(time.RFC3339), ago(h.Since, now), h.Cause)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// namedClient reads the one NAME argument a command takes, then connects to
// the admin API: every single-object command starts with both.
func namedClient(c *cli.Context, what string) (string, *admin.Client, error) {
	name, err := oneArg(c, what)
	if err != nil {
		return "", nil, err
	}
	client, err := adminClient(c)
	return name, client, err
}
