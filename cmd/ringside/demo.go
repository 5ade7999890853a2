package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/embedded"
	"github.com/ringside/ringside/index"
)

const (
	demoAccessKey = "ringside"
	demoSecretKey = "ringside-demo-secret"
	demoLocation  = "demo-ring"
	demoBucket    = "demo"
	// selfSignedCertFile is the certificate certs.SelfSigned writes under
	// the data dir.
	selfSignedCertFile = "tls-self-signed.crt"
)

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "run the gateway in front of an embedded versioned backend, ready to try",
		Description: "Starts an in-memory versioned S3 backend on --backend-listen with a bucket \"demo\",\n" +
			"the gateway in front of it with the no-prefix location \"demo-ring\" and the mirror\n" +
			"bucket \"demo\", and prints aws-cli commands for both ends. Write to the backend\n" +
			"directly and watch the change appear through the gateway. The data dir is a fresh\n" +
			"temporary directory, removed on exit, unless --data-dir is given.",
		Flags: withFlags(serveFlags(""), []cli.Flag{
			&cli.StringFlag{Name: "backend-listen", Value: "127.0.0.1:7482", Usage: "embedded backend's S3 `ADDRESS`"},
			&cli.StringFlag{Name: "backend-access-key", Usage: "embedded backend's access `KEY` (default: the gateway's)"},
			&cli.StringFlag{Name: "backend-secret-key", Usage: "embedded backend's secret `KEY` (default: the gateway's)"},
		}),
		Action: runDemo,
	}
}

func runDemo(c *cli.Context) error {
	cfg, err := serveConfigFrom(c)
	if err != nil {
		return err
	}
	if len(cfg.credentials) == 0 && cfg.credentialsFile == "" {
		cfg.credentials[demoAccessKey] = demoSecretKey
	}
	bak, bsk, err := backendKeys(c, cfg)
	if err != nil {
		return err
	}
	tempDir := cfg.dataDir == ""
	if tempDir {
		dir, err := os.MkdirTemp("", "ringside-demo-")
		if err != nil {
			return fmt.Errorf("create the demo data dir: %w", err)
		}
		defer os.RemoveAll(dir)
		cfg.dataDir = dir
	}
	log := newLogger(cfg.logOutput, cfg.logFormat, cfg.logLevel)

	be, err := embedded.Start(c.String("backend-listen"), bak, bsk, demoBucket)
	if err != nil {
		return fmt.Errorf("start the embedded backend on %s: %w", c.String("backend-listen"), err)
	}
	defer be.Close()

	n, err := openNode(c.Context, cfg, log)
	if err != nil {
		return err
	}
	if err := setUpDemo(c.Context, n.cat, n.mirror, be.URL(), bak, bsk, c.App.Writer); err != nil {
		n.close()
		return err
	}
	return n.run(c.Context, func() error {
		printDemo(c.App.Writer, demoInfo{
			gatewayURL: n.s3URL, backendURL: be.URL(), adminURL: n.adminURL,
			dataDir: cfg.dataDir, tempDir: tempDir,
			credentials: cfg.credentials, backendKey: bak, backendSecret: bsk,
			selfSigned: cfg.tlsSelfSigned, tokenFromFlag: cfg.adminToken != "",
			consoleURL: n.consoleURL(), consoleToken: demoToken(cfg),
		})
		return nil
	})
}

// backendKeys are the embedded backend's keys: the flags, else the
// gateway's own pair, else the demo pair.
func backendKeys(c *cli.Context, cfg serveConfig) (string, string, error) {
	ak, sk := c.String("backend-access-key"), c.String("backend-secret-key")
	switch {
	case ak != "" && sk != "":
		return ak, sk, nil
	case ak != "" || sk != "":
		return "", "", fmt.Errorf("give both --backend-access-key and --backend-secret-key, or neither")
	}
	if gak, gsk := c.String("access-key"), c.String("secret-key"); gak != "" && gsk != "" {
		return gak, gsk, nil
	}
	return demoAccessKey, demoSecretKey, nil
}

// setUpDemo adds the demo location and mirror bucket to the catalog,
// unless an earlier run with the same data dir did.
func setUpDemo(ctx context.Context, cat *catalog.Catalog, ing catalog.Ingester, backendURL, ak, sk string, out io.Writer) error {
	locs, err := cat.Locations(ctx)
	if err != nil {
		return fmt.Errorf("list locations: %w", err)
	}
	if l, ok := findLocation(locs, demoLocation); ok {
		if l.Endpoint != backendURL || l.AccessKey != ak {
			fmt.Fprintf(out, "note: location %s from an earlier run points at %s with access key %s; start with a fresh --data-dir to use this backend\n",
				demoLocation, l.Endpoint, l.AccessKey)
		}
	} else {
		_, err := cat.AddLocation(ctx, index.Location{
			Name: demoLocation, Endpoint: backendURL, AccessKey: ak, SecretKey: sk,
			TargetBucket: demoBucket, NoPrefix: true,
			// The embedded backend serves MinIO's listen stream: a direct
			// write is listed through the gateway at once, not at the
			// next pass.
			Feed: catalog.FeedListen,
		})
		if err != nil {
			return fmt.Errorf("add the demo location: %w", err)
		}
	}
	if _, err := cat.Bucket(ctx, demoBucket); err == nil {
		return nil
	}
	if _, err := cat.CreateBucket(ctx, demoBucket, demoLocation, true, ing); err != nil {
		return fmt.Errorf("create the demo bucket: %w", err)
	}
	return nil
}

func findLocation(locs []catalog.LocationInfo, name string) (catalog.LocationInfo, bool) {
	for _, l := range locs {
		if l.Name == name {
			return l, true
		}
	}
	return catalog.LocationInfo{}, false
}

// demoInfo is what the demo banner shows.
type demoInfo struct {
	gatewayURL, backendURL, adminURL string
	dataDir                          string
	tempDir                          bool
	credentials                      map[string]string
	backendKey, backendSecret        string
	selfSigned                       bool
	tokenFromFlag                    bool
	// consoleURL is "" when the console is off; consoleToken signs in.
	consoleURL, consoleToken string
}

// demoToken is the admin token the demo's console signs in with, printed
// since the demo is for trying things on loopback.
func demoToken(cfg serveConfig) string {
	if cfg.adminToken != "" {
		return cfg.adminToken
	}
	t, err := readToken(cfg.dataDir)
	if err != nil {
		return "(see " + tokenFile(cfg.dataDir) + ")"
	}
	return t
}

// printDemo prints the endpoints, the keys and commands to paste. The keys
// are printed on purpose: they are the demo's, for a demo backend.
func printDemo(w io.Writer, d demoInfo) {
	// The gateway's pair from the flags (or the demo's); with only a
	// credentials file there is no pair to show.
	gak, gsk := "YOUR_ACCESS_KEY", "YOUR_SECRET_KEY"
	for k, s := range d.credentials {
		gak, gsk = k, s
	}
	tlsOpt := ""
	if d.selfSigned {
		tlsOpt = " --no-verify-ssl"
		// The self-signed certificate is its own CA: trust it rather than
		// turning verification off, when it is where certs puts it.
		if ca := filepath.Join(d.dataDir, selfSignedCertFile); fileExists(ca) {
			tlsOpt = " --ca-bundle " + shellQuote(ca)
		}
	}
	gwAWS := fmt.Sprintf("AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_DEFAULT_REGION=us-east-1 aws --endpoint-url %s%s",
		shellQuote(gak), shellQuote(gsk), d.gatewayURL, tlsOpt)
	beAWS := fmt.Sprintf("AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_DEFAULT_REGION=us-east-1 aws --endpoint-url %s",
		shellQuote(d.backendKey), shellQuote(d.backendSecret), d.backendURL)
	dataNote := " (the backend keeps objects in memory only: a restart empties it)"
	if d.tempDir {
		dataNote = " (temporary, removed on exit)"
	}
	tokenNote := "from --admin-token"
	if !d.tokenFromFlag {
		tokenNote = "in " + tokenFile(d.dataDir)
	}
	consoleLine := "off (--console=false)"
	if d.consoleURL != "" {
		consoleLine = d.consoleURL + "   sign in with the admin token " + d.consoleToken
	}
	fmt.Fprintf(w, `
ringside demo is running. Stop it with Ctrl-C.

  S3 gateway   %s   bucket %q in mirror mode on location %q
  backend      %s   bucket %q, versioned: the "RING" behind the gateway
  admin API    %s   token %s
  web console  %s
  data dir     %s%s

  gateway keys   access %s   secret %s
  backend keys   access %s   secret %s

Through the gateway:
  echo hello | %s s3 cp - s3://%s/hello.txt
  %s s3 ls s3://%s
  %s s3api list-object-versions --bucket %s

Straight to the backend (out of band), then list through the gateway again:
  echo direct | %s s3 cp - s3://%s/direct.txt
  %s s3 ls s3://%s
(listed at once: the location follows the backend's change feed, its listen
stream, and full passes are only a safety net)

The ingester's view:
  ringside mirror status --admin %s --data-dir %s

`,
		d.gatewayURL, demoBucket, demoLocation,
		d.backendURL, demoBucket,
		d.adminURL, tokenNote,
		consoleLine,
		d.dataDir, dataNote,
		gak, gsk, d.backendKey, d.backendSecret,
		gwAWS, demoBucket, gwAWS, demoBucket, gwAWS, demoBucket,
		beAWS, demoBucket, gwAWS, demoBucket,
		d.adminURL, shellQuote(d.dataDir))
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}
