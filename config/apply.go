package config

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// Result is what Apply did, and what it could not do.
type Result struct {
	Added, Updated, Removed []string // "location NAME", "bucket NAME"
	Failed                  []error
}

// Apply converges the catalog to the file. A declared location is added,
// or updated when its settings differ (checked against the backend first,
// as `location update` does); a declared bucket is created. A bucket
// bound to another location or mode than the file says is reported: that
// cannot change. With Prune, what the file does not declare is removed
// where the catalog allows it. A failure of one item is reported and the
// others are still applied, so that a backend down at start does not
// keep the rest from being served.
func (f *File) Apply(ctx context.Context, cat *catalog.Catalog, ing catalog.Ingester, log *slog.Logger) Result {
	var r Result
	fail := func(what string, err error) {
		r.Failed = append(r.Failed, fmt.Errorf("%s: %s", what, message(err)))
		log.Warn("config: could not apply", "item", what, "err", message(err))
	}
	existing, err := existingLocations(ctx, cat)
	if err != nil {
		fail("list locations", err)
		return r
	}
	for _, name := range sortedKeys(f.Locations) {
		what := "location " + name
		l := f.Locations[name]
		if !existing[name] {
			if _, err := cat.AddLocation(ctx, l.location(name)); err != nil {
				fail(what, err)
				continue
			}
			r.Added = append(r.Added, what)
			continue
		}
		info, err := cat.UpdateLocation(ctx, name, l.change())
		if err != nil {
			fail(what, err)
			continue
		}
		if len(info.Changed) > 0 {
			r.Updated = append(r.Updated, what)
		}
	}
	f.applyBuckets(ctx, cat, ing, &r, fail)
	if f.Prune {
		f.prune(ctx, cat, ing, &r, fail)
	}
	log.Info("config: applied", "added", len(r.Added), "updated", len(r.Updated), "removed", len(r.Removed), "failed", len(r.Failed))
	return r
}

// applyBuckets creates the declared buckets that do not exist.
func (f *File) applyBuckets(ctx context.Context, cat *catalog.Catalog, ing catalog.Ingester, r *Result, fail func(string, error)) {
	for _, name := range sortedKeys(f.Buckets) {
		what := "bucket " + name
		want := f.Buckets[name]
		loc := f.bucketLocation(want)
		b, err := cat.Bucket(ctx, name)
		if err == nil {
			if b.Location != loc || b.Mirror != want.Mirror {
				fail(what, fmt.Errorf("it is bound to location %s (mirror %v), and the file says %s (mirror %v): a bucket's location and mode cannot change; delete it and let the file create it again",
					b.Location, b.Mirror, loc, want.Mirror))
			}
			continue
		}
		if !isNoSuchBucket(err) {
			fail(what, err)
			continue
		}
		if _, err := cat.CreateBucket(ctx, name, loc, want.Mirror, ing); err != nil {
			fail(what, err)
			continue
		}
		r.Added = append(r.Added, what)
	}
}

// prune removes the buckets and locations the file does not declare, with
// the catalog's refusals: a bucket that is not empty and a location in use
// stay, reported.
func (f *File) prune(ctx context.Context, cat *catalog.Catalog, ing catalog.Ingester, r *Result, fail func(string, error)) {
	buckets, err := cat.Buckets(ctx)
	if err != nil {
		fail("list buckets", err)
		return
	}
	for _, b := range buckets {
		if _, declared := f.Buckets[b.Name]; declared {
			continue
		}
		if err := cat.DeleteBucket(ctx, b.Name, ing); err != nil {
			fail("prune bucket "+b.Name, err)
			continue
		}
		r.Removed = append(r.Removed, "bucket "+b.Name)
	}
	locs, err := existingLocations(ctx, cat)
	if err != nil {
		fail("list locations", err)
		return
	}
	for _, name := range sortedKeys(locs) {
		if _, declared := f.Locations[name]; declared {
			continue
		}
		if err := cat.RemoveLocation(ctx, name); err != nil {
			fail("prune location "+name, err)
			continue
		}
		r.Removed = append(r.Removed, "location "+name)
	}
}

func existingLocations(ctx context.Context, cat *catalog.Catalog) (map[string]bool, error) {
	infos, err := cat.Locations(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(infos))
	for _, l := range infos {
		out[l.Name] = true
	}
	return out, nil
}

// change is the update that makes a stored location what the file says;
// the catalog makes it a no-op when nothing differs. A webhook token the
// file leaves out is the one the catalog generated: it is kept. A
// timeout the file leaves out is serve's flag's: one set before is
// dropped.
func (l Location) change() catalog.LocationChange {
	ch := catalog.LocationChange{Endpoint: &l.Endpoint, Region: &l.Region, AccessKey: &l.AccessKey, SecretKey: &l.SecretKey,
		CAFile: &l.CAFile, Insecure: &l.InsecureSkipVerify, TargetBucket: &l.TargetBucket, NoPrefix: &l.NoPrefix,
		Feed: &l.Feed, ConnectTimeout: &l.ConnectTimeout, ResponseTimeout: &l.ResponseTimeout, StallTimeout: &l.StallTimeout}
	if l.FeedToken != "" {
		ch.FeedToken = &l.FeedToken
	}
	return ch
}

func isNoSuchBucket(err error) bool {
	var e *s3err.Error
	return errors.As(err, &e) && e.Code == string(s3err.NoSuchBucket) || errors.Is(err, index.ErrNotFound)
}
