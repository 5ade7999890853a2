package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// File is a parsed configuration file, references resolved.
type File struct {
	Server    Server              `yaml:"server"`
	Locations map[string]Location `yaml:"locations"`
	Buckets   map[string]Bucket   `yaml:"buckets"`
	// Prune removes locations and buckets the file does not declare, when
	// the catalog allows it (a location no bucket uses, an empty bucket).
	Prune bool `yaml:"prune"`
}

// Server holds serve's settings, named as its flags are, without the
// dashes (adminListen for --admin-listen). A flag or its environment
// variable overrides the file.
type Server struct {
	Listen          string `yaml:"listen" flag:"listen"`
	AdminListen     string `yaml:"adminListen" flag:"admin-listen"`
	MetricsListen   string `yaml:"metricsListen" flag:"metrics-listen"`
	DataDir         string `yaml:"dataDir" flag:"data-dir"`
	AccessKey       string `yaml:"accessKey" flag:"access-key"`
	SecretKey       string `yaml:"secretKey" flag:"secret-key"`
	SecretKeyFile   string `yaml:"secretKeyFile"`
	CredentialsFile string `yaml:"credentialsFile" flag:"credentials-file"`
	AdminToken      string `yaml:"adminToken" flag:"admin-token"`
	AdminTokenFile  string `yaml:"adminTokenFile"`
	DefaultLocation string `yaml:"defaultLocation" flag:"default-location"`
	MirrorInterval  string `yaml:"mirrorInterval" flag:"mirror-interval"`
	TLSCert         string `yaml:"tlsCert" flag:"tls-cert"`
	TLSKey          string `yaml:"tlsKey" flag:"tls-key"`
	LogLevel        string `yaml:"logLevel" flag:"log-level"`
	LogFormat       string `yaml:"logFormat" flag:"log-format"`
	AccessLog       *bool  `yaml:"accessLog" flag:"access-log"`
	MemoryLimit     string `yaml:"memoryLimit" flag:"memory-limit"`
	IndexCacheSize  string `yaml:"indexCacheSize" flag:"index-cache-size"`
	IndexReserve    string `yaml:"indexReserve" flag:"index-reserve"`
	Domain          string `yaml:"domain" flag:"domain"`
	TLSSelfSigned   *bool  `yaml:"tlsSelfSigned" flag:"tls-self-signed"`
	AdminTLS        *bool  `yaml:"adminTLS" flag:"admin-tls"`
	Console         *bool  `yaml:"console" flag:"console"`

	CacheSize          string `yaml:"cacheSize" flag:"cache-size"`
	CacheMaxObject     string `yaml:"cacheMaxObject" flag:"cache-max-object"`
	CacheDiskSize      string `yaml:"cacheDiskSize" flag:"cache-disk-size"`
	CacheDiskDir       string `yaml:"cacheDiskDir" flag:"cache-disk-dir"`
	CacheDiskMaxObject string `yaml:"cacheDiskMaxObject" flag:"cache-disk-max-object"`

	MirrorFeedInterval    string `yaml:"mirrorFeedInterval" flag:"mirror-feed-interval"`
	MirrorListConcurrency string `yaml:"mirrorListConcurrency" flag:"mirror-list-concurrency"`

	BackendConnectTimeout  string `yaml:"backendConnectTimeout" flag:"backend-connect-timeout"`
	BackendResponseTimeout string `yaml:"backendResponseTimeout" flag:"backend-response-timeout"`
	BackendStallTimeout    string `yaml:"backendStallTimeout" flag:"backend-stall-timeout"`
	BackendBreakerFailures string `yaml:"backendBreakerFailures" flag:"backend-breaker-failures"`
}

// Location is a location as the file declares it.
type Location struct {
	Endpoint           string `yaml:"endpoint"`
	Region             string `yaml:"region"`
	AccessKey          string `yaml:"accessKey"`
	AccessKeyFile      string `yaml:"accessKeyFile"`
	SecretKey          string `yaml:"secretKey"`
	SecretKeyFile      string `yaml:"secretKeyFile"`
	TargetBucket       string `yaml:"targetBucket"`
	NoPrefix           bool   `yaml:"noPrefix"`
	CAFile             string `yaml:"caFile"`
	InsecureSkipVerify bool   `yaml:"insecureSkipVerify"`
	// Feed is the change feed (catalog.FeedKinds); none when left out.
	Feed string `yaml:"feed"`
	// FeedToken is a webhook's bearer token; left out, one is generated
	// when the location becomes a webhook and kept on every reload.
	FeedToken     string `yaml:"feedToken"`
	FeedTokenFile string `yaml:"feedTokenFile"`
	// ConnectTimeout, ResponseTimeout and StallTimeout are the location's
	// own backend timeouts ("30s", "2m"); left out, serve's
	// --backend-*-timeout flags' values.
	ConnectTimeout  time.Duration `yaml:"connectTimeout"`
	ResponseTimeout time.Duration `yaml:"responseTimeout"`
	StallTimeout    time.Duration `yaml:"stallTimeout"`
}

// Bucket is a gateway bucket as the file declares it.
type Bucket struct {
	Location string `yaml:"location"`
	Mirror   bool   `yaml:"mirror"`
}

// Load reads, parses and resolves a configuration file: unknown fields,
// unset variables and unreadable secret files are errors, each naming
// where it is.
func Load(path string) (*File, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the config file: %w", err)
	}
	f, err := Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return f, nil
}

// Parse parses and resolves a configuration file's content.
func Parse(raw []byte) (*File, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	// An empty file is valid: it declares nothing.
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if err := f.resolve(); err != nil {
		return nil, err
	}
	return &f, nil
}

// serverStrings is every string setting of s, so that a new one is
// expanded without being listed.
func serverStrings(s *Server) []*string {
	v := reflect.ValueOf(s).Elem()
	var out []*string
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.String {
			out = append(out, f.Addr().Interface().(*string))
		}
	}
	return out
}

// resolve expands ${VAR} in every string and reads the *File secrets.
func (f *File) resolve() error {
	s := &f.Server
	for _, p := range serverStrings(s) {
		if err := expand(p); err != nil {
			return fmt.Errorf("server: %w", err)
		}
	}
	if err := secret(&s.SecretKey, s.SecretKeyFile, "server: secretKey"); err != nil {
		return err
	}
	if err := secret(&s.AdminToken, s.AdminTokenFile, "server: adminToken"); err != nil {
		return err
	}
	for _, name := range sortedKeys(f.Locations) {
		l := f.Locations[name]
		for _, p := range []*string{&l.Endpoint, &l.Region, &l.AccessKey, &l.AccessKeyFile, &l.SecretKey, &l.SecretKeyFile, &l.TargetBucket, &l.CAFile,
			&l.Feed, &l.FeedToken, &l.FeedTokenFile} {
			if err := expand(p); err != nil {
				return fmt.Errorf("location %s: %w", name, err)
			}
		}
		if err := secret(&l.AccessKey, l.AccessKeyFile, "location "+name+": accessKey"); err != nil {
			return err
		}
		if err := secret(&l.SecretKey, l.SecretKeyFile, "location "+name+": secretKey"); err != nil {
			return err
		}
		if err := secret(&l.FeedToken, l.FeedTokenFile, "location "+name+": feedToken"); err != nil {
			return err
		}
		f.Locations[name] = l
	}
	for _, name := range sortedKeys(f.Buckets) {
		b := f.Buckets[name]
		if err := expand(&b.Location); err != nil {
			return fmt.Errorf("bucket %s: %w", name, err)
		}
		f.Buckets[name] = b
	}
	return nil
}

// reference is ${NAME}; nothing else is expanded, so that a '$' in a
// secret given inline stays as it is.
var reference = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand replaces each ${VAR} in *s with the variable's value; an unset
// variable is an error, never an empty string.
func expand(s *string) error {
	var missing []string
	*s = reference.ReplaceAllStringFunc(*s, func(ref string) string {
		name := ref[2 : len(ref)-1]
		v, ok := os.LookupEnv(name)
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return fmt.Errorf("environment variable %s is not set", strings.Join(missing, ", "))
	}
	return nil
}

// secret reads *dst from file when file is given; giving both is an
// error. A trailing newline, which editors and `kubectl create secret
// --from-file` leave, is not part of the secret.
func secret(dst *string, file, what string) error {
	if file == "" {
		return nil
	}
	if *dst != "" {
		return fmt.Errorf("%s: give the value or its file, not both", what)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("%s: read %s: %w", what, file, err)
	}
	*dst = strings.TrimRight(string(b), "\r\n")
	if *dst == "" {
		return fmt.Errorf("%s: %s is empty", what, file)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
