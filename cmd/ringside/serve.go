package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/urfave/cli/v2"

	"github.com/ringside/ringside/admin"
	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/certs"
	"github.com/ringside/ringside/config"
	"github.com/ringside/ringside/console"
	"github.com/ringside/ringside/gateway"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/mirror"
	"github.com/ringside/ringside/objcache"
)

const (
	defaultDataDir = "./ringside-data"
	// maxListConcurrency bounds the listings one bucket's pass keeps open
	// on a backend that other sidecars and applications share.
	maxListConcurrency = 64
	// shutdownGrace is how long in-flight S3 requests get to finish once a
	// stop is asked for.
	shutdownGrace = 20 * time.Second
	// defaultMemoryLimit leaves room, within the 128 MiB of RSS a sidecar
	// is allowed, for what it does not cover: the index's mmapped files
	// and the binary's own pages.
	defaultMemoryLimit    = "96MiB"
	defaultIndexCacheSize = "16MiB"
	// defaultIndexReserve is index.DefaultReserve, which says why.
	defaultIndexReserve = "128MiB"
	// defaultCacheSize is a quarter of the 128 MiB a sidecar may hold and
	// a third of defaultMemoryLimit: with the index's block cache and the
	// gateway's own steady heap (some 35 MiB), the Go heap stays below the
	// limit with room for transfers in flight. It holds some 7,000 objects
	// of 4 KiB.
	defaultCacheSize      = "32MiB"
	defaultCacheMaxObject = "256KiB"
	// defaultCacheDiskMaxObject keeps out of the disk tier the versions
	// whose one fill would take a backend read of minutes and much of a
	// modest tier.
	defaultCacheDiskMaxObject = "256MiB"
)

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run the gateway: S3 API, admin API and the mirror ingester",
		Description: "Serves S3 on --listen and the admin API (with /healthz, /readyz and /metrics) on\n" +
			"--admin-listen. /readyz is 200 while the index serves; /readyz?backends=1 also requires\n" +
			"every location's backend to answer. The index lives under --data-dir. With no --admin-token, a token is\n" +
			"generated on first start and kept in <data-dir>/admin-token (mode 0600), where the\n" +
			"admin commands find it.",
		Flags: serveFlags(defaultDataDir),
		Action: func(c *cli.Context) error {
			file, err := loadConfigFile(c)
			if err != nil {
				return err
			}
			cfg, err := serveConfigFrom(c)
			if err != nil {
				return err
			}
			cfg.configFile, cfg.file = c.String("config"), file
			if len(cfg.credentials) == 0 && cfg.credentialsFile == "" {
				return errors.New("no client credentials: give --access-key and --secret-key, or --credentials-file")
			}
			if err := checkCredentialsFile(cfg); err != nil {
				return err
			}
			log := newLogger(cfg.logOutput, cfg.logFormat, cfg.logLevel)
			// For whatever is not handed this logger.
			slog.SetDefault(log)
			n, err := openNode(c.Context, cfg, log)
			if err != nil {
				return err
			}
			return n.run(c.Context, nil)
		},
	}
}

// serveFlags are serve's flags; demo has them too, with its own data dir
// default.
func serveFlags(dataDirDefault string) []cli.Flag {
	dataDirUsage := "`DIR` for the index, the admin token and generated TLS files"
	if dataDirDefault == "" {
		dataDirUsage += " (default: a temporary dir, removed on exit)"
	}
	return []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "configuration `FILE` (YAML): server settings, locations and buckets, applied at start and on SIGHUP; flags and environment override its server settings"},
		&cli.StringFlag{Name: "listen", Value: "127.0.0.1:7480", Usage: "S3 API `ADDRESS`"},
		&cli.StringFlag{Name: "admin-listen", Value: "127.0.0.1:7481", Usage: "admin API, /healthz, /readyz and /metrics `ADDRESS`"},
		&cli.StringFlag{Name: "metrics-listen", Usage: "also serve /metrics on this `ADDRESS`, without the admin token, for a Prometheus that must not hold admin rights"},
		&cli.StringFlag{Name: "data-dir", Value: dataDirDefault, Usage: dataDirUsage},
		&cli.StringFlag{Name: "access-key", Usage: "client access `KEY`"},
		&cli.StringFlag{Name: "secret-key", Usage: "client secret `KEY`"},
		&cli.StringFlag{Name: "credentials-file", Usage: "`FILE` of \"ACCESS_KEY SECRET_KEY\" lines, reloaded when it changes"},
		&cli.StringFlag{Name: "admin-token", Usage: "admin API `TOKEN` (default: generated into <data-dir>/admin-token)"},
		&cli.StringFlag{Name: "default-location", Usage: "`LOCATION` for buckets created without a location constraint"},
		&cli.StringFlag{Name: "domain", Usage: "base `DOMAINS` (comma-separated) of virtual-hosted-style requests: Host bucket.<domain> names the bucket"},
		&cli.DurationFlag{Name: "mirror-interval", Value: 2 * time.Second, Usage: "pause between mirror passes that find no change"},
		&cli.DurationFlag{Name: "mirror-feed-interval", Value: 10 * time.Minute, Usage: "pause between mirror passes while the location's change feed is healthy"},
		&cli.IntFlag{Name: "mirror-list-concurrency", Value: mirror.DefaultListConcurrency, Usage: "key ranges of a bucket a mirror pass or initial sync lists at once; 1 lists it as one stream"},
		&cli.StringFlag{Name: "tls-cert", Usage: "serve S3 over TLS with this certificate `FILE` (PEM), reloaded when it changes"},
		&cli.StringFlag{Name: "tls-key", Usage: "the TLS private key `FILE` (PEM)"},
		&cli.BoolFlag{Name: "tls-self-signed", Usage: "serve S3 over TLS with a self-signed certificate generated under the data dir"},
		&cli.BoolFlag{Name: "admin-tls", Usage: "serve the admin API and the web console over TLS too, with the S3 listener's certificate (--tls-cert or --tls-self-signed)"},
		&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error"},
		&cli.StringFlag{Name: "log-format", Value: "text", Usage: "text (logfmt key=value) or json, one object per line"},
		&cli.BoolFlag{Name: "access-log", Usage: "log one line per S3 request (request ID, access key, operation, bucket, key, status, bytes, duration), whatever --log-level"},
		&cli.StringFlag{Name: "memory-limit", Value: defaultMemoryLimit, Usage: "soft limit on the Go runtime's memory, `SIZE` like 96MiB or 1GiB, 0 or off for none; when only GOMEMLIMIT is set, it applies instead"},
		&cli.StringFlag{Name: "index-cache-size", Value: defaultIndexCacheSize, Usage: "`SIZE` of the index's block cache, which HEADs and listings read through"},
		&cli.DurationFlag{Name: "backend-connect-timeout", Value: backend.DefaultConnectTimeout, Usage: "bound on connecting to a backend (TCP and TLS)"},
		&cli.DurationFlag{Name: "backend-response-timeout", Value: backend.DefaultResponseTimeout, Usage: "bound on the wait for a backend answer's headers (server-side copies and multipart completion get 5m)"},
		&cli.DurationFlag{Name: "backend-stall-timeout", Value: backend.DefaultStallTimeout, Usage: "bound on a body to or from a backend that stops moving"},
		&cli.IntFlag{Name: "backend-breaker-failures", Value: 5, Usage: "calls in a row a backend leaves unanswered before its location fails fast (503) until a probe is answered"},
		&cli.StringFlag{Name: "cache-size", Value: defaultCacheSize, Usage: "`SIZE` of the in-memory cache of small object versions that answers GETs without a backend round trip, 0 or off for none"},
		&cli.StringFlag{Name: "cache-max-object", Value: defaultCacheMaxObject, Usage: "largest object `SIZE` the object cache keeps"},
		&cli.StringFlag{Name: "cache-disk-size", Value: "0", Usage: "`SIZE` of the disk tier of the object cache, which answers GETs of versions above --cache-max-object from local files, 0 or off for none"},
		&cli.StringFlag{Name: "cache-disk-dir", Usage: "`DIR` of the disk tier, wiped of its files at start (default: <data-dir>/cache)"},
		&cli.StringFlag{Name: "cache-disk-max-object", Value: defaultCacheDiskMaxObject, Usage: "largest object `SIZE` the disk tier keeps"},
		&cli.BoolFlag{Name: "console", Value: true, Usage: "serve the web console on the admin listener under /console/"},
		&cli.StringFlag{Name: "index-reserve", Value: defaultIndexReserve, Usage: "free `SIZE` kept on the index's filesystem: below it, writes are refused with 503 and a start opens the index read-only"},
	}
}

// serveConfig is what serve and demo run with.
type serveConfig struct {
	listen          string
	adminListen     string
	metricsListen   string // "" for none
	dataDir         string
	credentials     map[string]string
	credentialsFile string
	adminToken      string
	defaultLocation string
	domains         []string
	mirrorInterval  time.Duration
	feedInterval    time.Duration
	listConcurrency int
	tlsCert         string
	tlsKey          string
	tlsSelfSigned   bool
	// adminTLS serves the admin listener with the S3 listener's
	// certificate, so that the console can be reached beyond loopback.
	adminTLS   bool
	logLevel   slog.Level
	logFormat  string    // text or json
	accessLog  bool      // one line per S3 request
	logOutput  io.Writer // nil means stderr
	configFile string    // --config, reread on SIGHUP
	file       *config.File
	// memoryLimit is the Go runtime's soft memory limit; 0 leaves the
	// runtime's own (GOMEMLIMIT, or none).
	memoryLimit    int64
	indexCacheSize int64
	indexReserve   int64
	// cacheSize bounds the object cache (0: off); cacheMaxObject is the
	// largest object it keeps.
	cacheSize, cacheMaxObject int64
	// cacheDiskSize bounds the disk tier (0: off), in cacheDiskDir ("":
	// under the data dir); cacheDiskMaxObject is the largest object it
	// keeps.
	cacheDiskSize, cacheDiskMaxObject int64
	cacheDiskDir                      string
	// backend bounds every location's backend calls; the same for all
	// locations for now.
	backend backend.Options
	console bool
}

func serveConfigFrom(c *cli.Context) (serveConfig, error) {
	cfg := serveConfig{
		listen:          c.String("listen"),
		adminListen:     c.String("admin-listen"),
		metricsListen:   c.String("metrics-listen"),
		dataDir:         c.String("data-dir"),
		credentials:     map[string]string{},
		credentialsFile: c.String("credentials-file"),
		adminToken:      c.String("admin-token"),
		defaultLocation: c.String("default-location"),
		domains:         strings.Split(c.String("domain"), ","),
		mirrorInterval:  c.Duration("mirror-interval"),
		feedInterval:    c.Duration("mirror-feed-interval"),
		listConcurrency: c.Int("mirror-list-concurrency"),
		tlsCert:         c.String("tls-cert"),
		tlsKey:          c.String("tls-key"),
		tlsSelfSigned:   c.Bool("tls-self-signed"),
		adminTLS:        c.Bool("admin-tls"),
		logFormat:       c.String("log-format"),
		accessLog:       c.Bool("access-log"),
		console:         c.Bool("console"),
		backend: backend.Options{
			Timeouts: backend.Timeouts{
				Connect:  c.Duration("backend-connect-timeout"),
				Response: c.Duration("backend-response-timeout"),
				Stall:    c.Duration("backend-stall-timeout"),
			},
			BreakerFailures: c.Int("backend-breaker-failures"),
		},
	}
	ak, sk := c.String("access-key"), c.String("secret-key")
	switch {
	case ak != "" && sk != "":
		cfg.credentials[ak] = sk
	case ak != "" || sk != "":
		return cfg, errors.New("give both --access-key and --secret-key, or neither")
	}
	if err := cfg.logLevel.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return cfg, fmt.Errorf("--log-level: %q is not debug, info, warn or error", c.String("log-level"))
	}
	if cfg.logFormat != "text" && cfg.logFormat != "json" {
		return cfg, fmt.Errorf("--log-format: %q is not text or json", cfg.logFormat)
	}
	if (cfg.tlsCert == "") != (cfg.tlsKey == "") {
		return cfg, errors.New("give both --tls-cert and --tls-key, or neither")
	}
	if cfg.tlsSelfSigned && cfg.tlsCert != "" {
		return cfg, errors.New("--tls-self-signed and --tls-cert exclude each other: pick one")
	}
	if cfg.adminTLS && cfg.tlsCert == "" && !cfg.tlsSelfSigned {
		return cfg, errors.New("--admin-tls serves the admin listener with the S3 listener's certificate: give --tls-cert and --tls-key, or --tls-self-signed")
	}
	if err := checkBackendOptions(cfg.backend); err != nil {
		return cfg, err
	}
	if cfg.mirrorInterval <= 0 {
		return cfg, fmt.Errorf("--mirror-interval must be positive, not %s", cfg.mirrorInterval)
	}
	if cfg.feedInterval <= 0 {
		return cfg, fmt.Errorf("--mirror-feed-interval must be positive, not %s", cfg.feedInterval)
	}
	if cfg.listConcurrency < 1 || cfg.listConcurrency > maxListConcurrency {
		return cfg, fmt.Errorf("--mirror-list-concurrency must be from 1 to %d, not %d", maxListConcurrency, cfg.listConcurrency)
	}
	var err error
	// GOMEMLIMIT is the Go runtime's own knob: an operator who set it and
	// not the flag meant it to apply.
	if c.IsSet("memory-limit") || os.Getenv("GOMEMLIMIT") == "" {
		if cfg.memoryLimit, err = parseSize(c.String("memory-limit"), true); err != nil {
			return cfg, fmt.Errorf("--memory-limit: %w", err)
		}
	}
	if cfg.indexCacheSize, err = parseSize(c.String("index-cache-size"), false); err != nil {
		return cfg, fmt.Errorf("--index-cache-size: %w", err)
	}
	if cfg.indexReserve, err = parseSize(c.String("index-reserve"), false); err != nil {
		return cfg, fmt.Errorf("--index-reserve: %w", err)
	}
	if cfg.indexReserve < index.MinReserve {
		return cfg, fmt.Errorf("--index-reserve: %d bytes is below the %d the index's live memtable log may take", cfg.indexReserve, index.MinReserve)
	}
	return cfg, cacheConfigFrom(c, &cfg)
}

// cacheConfigFrom reads the object cache's flags into cfg.
func cacheConfigFrom(c *cli.Context, cfg *serveConfig) error {
	var err error
	if cfg.cacheSize, err = parseSize(c.String("cache-size"), true); err != nil {
		return fmt.Errorf("--cache-size: %w", err)
	}
	if cfg.cacheMaxObject, err = parseSize(c.String("cache-max-object"), false); err != nil {
		return fmt.Errorf("--cache-max-object: %w", err)
	}
	if cfg.cacheSize > 0 && cfg.cacheMaxObject > cfg.cacheSize {
		return fmt.Errorf("--cache-max-object: %d bytes is more than the --cache-size of %d", cfg.cacheMaxObject, cfg.cacheSize)
	}
	return diskCacheConfigFrom(c, cfg)
}

// diskCacheConfigFrom reads the flags of the object cache's disk tier
// into cfg.
func diskCacheConfigFrom(c *cli.Context, cfg *serveConfig) error {
	var err error
	if cfg.cacheDiskSize, err = parseSize(c.String("cache-disk-size"), true); err != nil {
		return fmt.Errorf("--cache-disk-size: %w", err)
	}
	if cfg.cacheDiskMaxObject, err = parseSize(c.String("cache-disk-max-object"), false); err != nil {
		return fmt.Errorf("--cache-disk-max-object: %w", err)
	}
	if cfg.cacheDiskSize > 0 && cfg.cacheDiskMaxObject > cfg.cacheDiskSize {
		return fmt.Errorf("--cache-disk-max-object: %d bytes is more than the --cache-disk-size of %d", cfg.cacheDiskMaxObject, cfg.cacheDiskSize)
	}
	cfg.cacheDiskDir = c.String("cache-disk-dir")
	return nil
}

// checkBackendOptions refuses a timeout or breaker setting that would
// disable what it bounds.
func checkBackendOptions(o backend.Options) error {
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{
		{"--backend-connect-timeout", o.Timeouts.Connect},
		{"--backend-response-timeout", o.Timeouts.Response},
		{"--backend-stall-timeout", o.Timeouts.Stall},
	} {
		if d.v <= 0 {
			return fmt.Errorf("%s must be positive, not %s", d.flag, d.v)
		}
	}
	if o.BreakerFailures < 1 {
		return fmt.Errorf("--backend-breaker-failures must be at least 1, not %d", o.BreakerFailures)
	}
	return nil
}

// newLogger logs to out (nil: stderr) in format (text or json).
func newLogger(out io.Writer, format string, level slog.Level) *slog.Logger {
	if out == nil {
		out = os.Stderr
	}
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(out, opts))
	}
	return slog.New(slog.NewTextHandler(out, opts))
}

// accessLogger is the access log's, if asked for: the same output and
// format as the log, at info whatever --log-level says.
func (cfg serveConfig) accessLogger() *slog.Logger {
	if !cfg.accessLog {
		return nil
	}
	return newLogger(cfg.logOutput, cfg.logFormat, slog.LevelInfo).With("log", "access")
}

// node is one running gateway: index, gateway, ingester and the two HTTP
// servers.
type node struct {
	cfg    serveConfig
	log    *slog.Logger
	db     *index.DB
	cat    *catalog.Catalog
	gw     *gateway.Gateway
	mirror *mirror.Manager
	admin  *admin.Server
	cache  *objcache.Cache // nil when off
	disk   *objcache.Disk  // nil when off
	// console is the web console, nil when turned off.
	console *console.Console
	// backends knows the health of every location's backend.
	backends *backend.Monitor
	tls      *certs.Source
	// workCtx is the context of the ingester and of admin requests;
	// stopWork ends it at shutdown.
	workCtx  context.Context
	stopWork context.CancelFunc

	reg               *prometheus.Registry
	s3Srv, adminSrv   *http.Server
	metricsSrv        *http.Server
	s3URL, adminURL   string
	metricsURL        string
	errc              chan error // a server that stopped on its own
	s3Scheme          string
	tlsFingerprint    string
	tokenWasGenerated bool
}

// The ingester is what the gateway and the catalog ask of it.
var (
	_ gateway.Mirror   = (*mirror.Manager)(nil)
	_ catalog.Ingester = (*mirror.Manager)(nil)
)

// openNode prepares the data dir, the admin token and TLS, then opens the
// index and builds the components (wire); it serves nothing yet. On failure everything opened is closed again.
func openNode(ctx context.Context, cfg serveConfig, log *slog.Logger) (_ *node, err error) {
	n := &node{cfg: cfg, log: log, errc: make(chan error, 3), s3Scheme: "http"}
	defer func() {
		if err != nil {
			n.close()
		}
	}()
	if err := os.MkdirAll(cfg.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create the data dir: %w", err)
	}
	token := cfg.adminToken
	if token == "" {
		if token, n.tokenWasGenerated, err = loadOrCreateToken(cfg.dataDir); err != nil {
			return nil, err
		}
	}
	if err := n.loadTLS(); err != nil {
		return nil, err
	}
	if cfg.memoryLimit > 0 {
		// Without it the heap may grow to twice what is live before a
		// collection, and memory freed after a burst (an initial sync, a
		// compaction) goes back to the system only slowly.
		debug.SetMemoryLimit(cfg.memoryLimit)
		log.Debug("memory limit set", "bytes", cfg.memoryLimit)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), buildInfo())
	n.reg = reg
	if err := n.wire(ctx, reg, token); err != nil {
		return nil, err
	}
	// Before the default location is checked: the file may declare it.
	n.applyConfig(ctx, cfg.file)
	if err := n.checkDefaultLocation(); err != nil {
		return nil, err
	}
	return n, nil
}

// wire builds the components in the order they depend on each other:
// index, catalog, ingester (resolving buckets through the catalog),
// gateway (over both) and admin API (over both). It is the only place
// that connects components; none is given another after it is built.
func (n *node) wire(ctx context.Context, reg *prometheus.Registry, token string) (err error) {
	cfg := n.cfg
	n.db, err = index.OpenWith(filepath.Join(cfg.dataDir, "index"), index.Options{BlockCacheSize: cfg.indexCacheSize, Reserve: cfg.indexReserve})
	if err != nil {
		return dataDirInUse(cfg.dataDir, err)
	}
	if err := index.RegisterMetrics(reg, n.db); err != nil {
		return err
	}
	if err := index.RegisterSpaceMetrics(reg, n.db); err != nil {
		return err
	}
	if n.backends, err = backend.NewMonitor(reg); err != nil {
		return fmt.Errorf("register the backend metrics: %w", err)
	}
	backendOpts := cfg.backend
	backendOpts.Monitor, backendOpts.Logger = n.backends, n.log
	n.cat, err = catalog.New(catalog.Config{
		DB:              n.db,
		DefaultLocation: cfg.defaultLocation,
		Observe:         gateway.BackendObserver(reg),
		Logger:          n.log,
		Backend:         backendOpts,
	})
	if err != nil {
		return fmt.Errorf("build the catalog: %w", err)
	}
	n.mirror = mirror.New(n.db, mirror.FromCatalog(n.cat.Resolve), mirror.Options{
		Interval: cfg.mirrorInterval, Registerer: reg, Logger: n.log,
		Feeds: mirror.FeedsFromCatalog(n.cat.Resolve), FeedInterval: cfg.feedInterval,
		ListConcurrency: cfg.listConcurrency,
	})
	// A location update that changes a feed switches it without a restart.
	n.cat.FollowFeeds(n.mirror)
	if err := n.openCaches(reg); err != nil {
		return err
	}
	n.gw, err = gateway.New(gateway.Config{
		DB:              n.db,
		Catalog:         n.cat,
		Mirror:          n.mirror,
		Credentials:     cfg.credentials,
		CredentialsFile: cfg.credentialsFile,
		Cache:           n.cache,
		DiskCache:       n.disk,
		Registerer:      reg,
		Logger:          n.log,
		Domains:         cfg.domains,
		AccessLog:       cfg.accessLogger(),
	})
	if err != nil {
		return fmt.Errorf("build the gateway: %w", err)
	}
	n.workCtx, n.stopWork = context.WithCancel(context.WithoutCancel(ctx))
	if err := n.mirror.Start(n.workCtx); err != nil {
		return fmt.Errorf("start the mirror ingester: %w", err)
	}
	n.db.StartRepairs(n.workCtx, n.mirror, index.RepairInterval)
	n.admin = admin.NewServer(n.cat, n.mirror, token, reg)
	return n.buildConsole(token)
}

// openCaches builds the tiers of the object cache that are on.
func (n *node) openCaches(reg prometheus.Registerer) (err error) {
	cfg := n.cfg
	n.cache, err = objcache.New(objcache.Config{MaxBytes: cfg.cacheSize, MaxObject: cfg.cacheMaxObject, Registerer: reg, Logger: n.log})
	if err != nil {
		return err
	}
	dir := cfg.cacheDiskDir
	if dir == "" {
		dir = filepath.Join(cfg.dataDir, "cache")
	}
	n.disk, err = objcache.OpenDisk(objcache.DiskConfig{Dir: dir, MaxBytes: cfg.cacheDiskSize, MaxObject: cfg.cacheDiskMaxObject,
		Fills: diskCacheFills, Registerer: reg, Logger: n.log})
	return err
}

// diskCacheFills is how many versions the disk tier fetches at once: a
// fill is a background read of a large version, which must leave the
// backend and the CPU to the requests.
const diskCacheFills = 1

// loadTLS reads or generates the S3 listener's certificate, if asked.
func (n *node) loadTLS() error {
	var err error
	switch {
	case n.cfg.tlsCert != "":
		if n.tls, err = certs.Load(n.cfg.tlsCert, n.cfg.tlsKey); err != nil {
			return fmt.Errorf("load the TLS certificate: %w", err)
		}
	case n.cfg.tlsSelfSigned:
		n.tls, n.tlsFingerprint, err = certs.SelfSigned(n.cfg.dataDir, certHosts(n.cfg.listen))
		if err != nil {
			return fmt.Errorf("set up the self-signed certificate: %w", err)
		}
	default:
		return nil
	}
	n.s3Scheme = "https"
	return nil
}

// certHosts are the names a self-signed certificate covers: loopback, and
// the listen host when it is a specific one.
func certHosts(listen string) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	host, _, err := net.SplitHostPort(listen)
	if err == nil && host != "" && host != "0.0.0.0" && host != "::" && host != "localhost" && host != "127.0.0.1" && host != "::1" {
		hosts = append(hosts, host)
	}
	return hosts
}

// start serves, runs ready (if set: the demo prints its banner there),
// and only then reports ready on /readyz, so that whoever waits for
// readiness finds everything in place.
func (n *node) start(ready func() error) error {
	if err := n.listen(); err != nil {
		return err
	}
	if ready != nil {
		if err := ready(); err != nil {
			return err
		}
	}
	n.admin.SetReady(true)
	return nil
}

// listen binds both listeners and serves.
func (n *node) listen() error {
	adminLn, err := net.Listen("tcp", n.cfg.adminListen)
	if err != nil {
		return fmt.Errorf("listen for the admin API on %s: %w", n.cfg.adminListen, err)
	}
	adminScheme := "http"
	if n.cfg.adminTLS {
		adminScheme = "https"
	}
	n.adminURL = adminScheme + "://" + adminLn.Addr().String()
	n.adminSrv = &http.Server{
		Handler:           n.adminHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		// Rescans with --wait and resyncs end when the node stops.
		BaseContext: func(net.Listener) context.Context { return n.workCtx },
		ErrorLog:    slog.NewLogLogger(n.log.Handler(), slog.LevelDebug),
	}
	if n.cfg.adminTLS {
		// The S3 listener's source: a renewed certificate is picked up by
		// both listeners at once.
		n.adminSrv.TLSConfig = n.tls.TLSConfig()
		go n.serve("admin API", func() error { return n.adminSrv.ServeTLS(adminLn, "", "") })
	} else {
		go n.serve("admin API", func() error { return n.adminSrv.Serve(adminLn) })
	}
	if !n.cfg.adminTLS && !isLoopback(adminLn.Addr()) {
		n.log.Warn("the admin API listens beyond loopback over plain HTTP; keep it on a trusted network", "addr", adminLn.Addr().String())
	}

	if err := n.listenMetrics(); err != nil {
		return err
	}
	s3Ln, err := gateway.Listen(n.cfg.listen)
	if err != nil {
		return fmt.Errorf("listen for S3 on %s: %w", n.cfg.listen, err)
	}
	n.s3URL = n.s3Scheme + "://" + s3Ln.Addr().String()
	n.s3Srv = &http.Server{
		Handler:           n.gw.Handler(),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(n.log.Handler(), slog.LevelDebug),
	}
	s3Ln = gateway.Listener(n.s3Srv, s3Ln)
	if n.tls != nil {
		n.s3Srv.TLSConfig = n.tls.TLSConfig()
		go n.serve("S3 API", func() error { return n.s3Srv.ServeTLS(s3Ln, "", "") })
	} else {
		go n.serve("S3 API", func() error { return n.s3Srv.Serve(s3Ln) })
	}
	n.announce()
	return nil
}

// listenMetrics serves /metrics alone on --metrics-listen, if given. It
// needs no token: it shows counts, never a secret or a way to change
// anything, so a scraper gets no admin rights.
func (n *node) listenMetrics() error {
	if n.cfg.metricsListen == "" {
		return nil
	}
	ln, err := net.Listen("tcp", n.cfg.metricsListen)
	if err != nil {
		return fmt.Errorf("listen for metrics on %s: %w", n.cfg.metricsListen, err)
	}
	n.metricsURL = "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(n.reg, promhttp.HandlerOpts{}))
	n.metricsSrv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(n.log.Handler(), slog.LevelDebug),
	}
	go n.serve("metrics", func() error { return n.metricsSrv.Serve(ln) })
	n.log.Info("serving metrics without the admin token", "url", n.metricsURL+"/metrics")
	return nil
}

// buildInfo is ringside_build_info: 1, with the version and the Go
// version as labels, so that dashboards can show what runs where.
func buildInfo() prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ringside_build_info",
		Help: "Always 1; the labels say which ringside build is running.",
	}, []string{"version", "goversion"})
	g.WithLabelValues(version, runtime.Version()).Set(1)
	return g
}

// readyzBackends answers /readyz?backends=1, which also requires every
// location's backend to answer, for deployments that want a pod drained
// when its backend is gone. Plain /readyz stays ready while the index
// serves: HEADs and listings are answered from it even then. A location
// whose client was not used yet counts as up.
func (n *node) readyzBackends(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" || r.Method != http.MethodGet || !truthy(r.URL.Query().Get("backends")) {
			next.ServeHTTP(w, r)
			return
		}
		down := map[string]backend.Health{}
		for name, h := range n.backends.All() {
			if !h.Up {
				down[name] = h
			}
		}
		if len(down) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "backend unavailable", "backends": down})
	})
}

func truthy(s string) bool { return s == "1" || s == "true" || s == "yes" }

func (n *node) serve(what string, serve func() error) {
	if err := serve(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		n.errc <- fmt.Errorf("%s server: %w", what, err)
	}
}

// announce logs where the node serves; the admin token itself is never
// logged, only where it is kept.
func (n *node) announce() {
	n.log.Info("serving S3", "url", n.s3URL)
	n.log.Info("serving the admin API", "url", n.adminURL)
	switch {
	case n.cfg.adminToken != "":
		n.log.Info("admin token taken from --admin-token")
	case n.tokenWasGenerated:
		n.log.Info("admin token generated", "file", tokenFile(n.cfg.dataDir))
	default:
		n.log.Info("admin token read", "file", tokenFile(n.cfg.dataDir))
	}
	if n.tlsFingerprint != "" {
		n.log.Info("self-signed TLS certificate", "sha256", n.tlsFingerprint)
	}
}

// run serves until SIGINT or SIGTERM (or a server failure), then stops
// gracefully. ready, if set, runs once the node serves.
func (n *node) run(ctx context.Context, ready func() error) error {
	sigCtx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer n.close()
	if err := n.start(ready); err != nil {
		return err
	}
	n.reloadOnHangup(sigCtx)
	var err error
	select {
	case <-sigCtx.Done():
		n.log.Info("stopping")
	case err = <-n.errc:
		n.log.Error("stopping after a server failed", "err", err)
	}
	// A second signal now kills the process at once.
	stop()
	return err
}

// close stops serving, lets in-flight requests finish within the grace
// period, then closes the ingester, the gateway and the index, in that
// order, since each uses the next.
func (n *node) close() {
	if n.admin != nil {
		n.admin.SetReady(false)
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if n.s3Srv != nil {
		if err := n.s3Srv.Shutdown(ctx); err != nil {
			n.log.Warn("S3 requests still running at shutdown were cut", "err", err)
			n.s3Srv.Close()
		}
	}
	if n.stopWork != nil {
		n.stopWork()
	}
	if n.adminSrv != nil {
		if err := n.adminSrv.Shutdown(ctx); err != nil {
			n.adminSrv.Close()
		}
	}
	if n.metricsSrv != nil {
		n.metricsSrv.Close()
	}
	if n.mirror != nil {
		n.mirror.Close()
	}
	if n.gw != nil {
		if err := n.gw.Close(); err != nil {
			n.log.Warn("close the gateway", "err", err)
		}
	}
	n.cache.Close()
	n.disk.Close()
	n.cache, n.disk = nil, nil
	if n.db != nil {
		if err := n.db.Close(); err != nil {
			n.log.Error("close the index", "err", err)
		}
	}
	if n.tls != nil {
		n.tls.Close()
	}
	n.metricsSrv = nil
	n.admin, n.s3Srv, n.adminSrv, n.mirror, n.gw, n.db, n.tls = nil, nil, nil, nil, nil, nil, nil
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
