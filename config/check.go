package config

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// Check validates what the file declares without a backend: names,
// endpoints and keys as `location add` checks them, each bucket's
// location, and the rules that bind buckets to locations (a mirror bucket
// needs a no-prefix location; a no-prefix location holds one bucket). It
// returns every problem found, nil when there is none.
func (f *File) Check() []error {
	var problems []error
	add := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	sv := f.Server
	for _, d := range []struct{ name, value string }{{"mirrorInterval", sv.MirrorInterval}, {"mirrorFeedInterval", sv.MirrorFeedInterval},
		{"backendConnectTimeout", sv.BackendConnectTimeout}, {"backendResponseTimeout", sv.BackendResponseTimeout}, {"backendStallTimeout", sv.BackendStallTimeout}} {
		if v, err := time.ParseDuration(d.value); d.value != "" && (err != nil || v <= 0) {
			add("server: %s %q: give a positive duration with a unit, as in 2s or 500ms", d.name, d.value)
		}
	}
	for _, n := range []struct{ name, value string }{{"mirrorListConcurrency", sv.MirrorListConcurrency}, {"backendBreakerFailures", sv.BackendBreakerFailures}} {
		if v, err := strconv.Atoi(n.value); n.value != "" && (err != nil || v < 1) {
			add("server: %s %q: give a whole number of at least 1", n.name, n.value)
		}
	}
	if v := f.Server.LogLevel; v != "" && !oneOf(v, "debug", "info", "warn", "error") {
		add("server: logLevel %q: use debug, info, warn or error", v)
	}
	if v := f.Server.LogFormat; v != "" && !oneOf(v, "text", "json") {
		add("server: logFormat %q: use text or json", v)
	}
	for _, name := range sortedKeys(f.Locations) {
		if _, err := catalog.CheckLocation(f.Locations[name].location(name)); err != nil {
			add("location %s: %s", name, message(err))
		}
	}
	users := map[string][]string{}
	for _, name := range sortedKeys(f.Buckets) {
		b := f.Buckets[name]
		if err := catalog.ValidateBucketName(name, s3err.InvalidBucketName, "Bucket"); err != nil {
			add("bucket %s: %s", name, message(err))
		}
		loc := f.bucketLocation(b)
		l, declared := f.Locations[loc]
		switch {
		case loc == "":
			add("bucket %s: no location, and no server.defaultLocation", name)
			continue
		case !declared:
			add("bucket %s: location %s is not declared in the file", name, loc)
			continue
		case b.Mirror && !l.NoPrefix:
			add("bucket %s: a mirror bucket needs a no-prefix location, and %s is not one (set noPrefix: true)", name, loc)
		}
		users[loc] = append(users[loc], name)
	}
	for _, loc := range sortedKeys(users) {
		if f.Locations[loc].NoPrefix && len(users[loc]) > 1 {
			add("location %s: a no-prefix location holds one bucket, and %v use it (%s)", loc, users[loc], catalog.NoPrefixWarning)
		}
	}
	return problems
}

// bucketLocation is a bucket's location, the default one when it names
// none.
func (f *File) bucketLocation(b Bucket) string {
	if b.Location != "" {
		return b.Location
	}
	return f.Server.DefaultLocation
}

// location is the index record a declared location stands for.
func (l Location) location(name string) index.Location {
	return index.Location{Name: name, Endpoint: l.Endpoint, Region: l.Region, AccessKey: l.AccessKey, SecretKey: l.SecretKey,
		TargetBucket: l.TargetBucket, NoPrefix: l.NoPrefix, CAFile: l.CAFile, Insecure: l.InsecureSkipVerify,
		Feed: l.Feed, FeedToken: l.FeedToken,
		ConnectTimeout: l.ConnectTimeout, ResponseTimeout: l.ResponseTimeout, StallTimeout: l.StallTimeout}
}

// message is a refusal's message without its code.
func message(err error) string {
	var e *s3err.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}
