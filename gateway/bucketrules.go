package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ringside/ringside/index"
)

// The rules that bind buckets to locations protect data: a mirror bucket
// needs a no-prefix location whose backend bucket keeps versions (the
// ingester diffs versions), and a no-prefix location holds a single
// gateway bucket, since two would write the same keys.

// CreateBucket binds a new gateway bucket to a location ("" means the
// default location), in mirror mode if asked, enforcing the data rules.
func (g *Gateway) CreateBucket(ctx context.Context, name, location string, mirrorMode bool) (index.Bucket, error) {
	if err := validateBucketName(name, "InvalidBucketName", "Bucket"); err != nil {
		return index.Bucket{}, err
	}
	if location == "" {
		location = g.defaultLocation
	}
	g.manage.Lock()
	defer g.manage.Unlock()
	if _, err := g.db.GetBucket(name); err == nil {
		return index.Bucket{}, bucketExists(name)
	} else if !errors.Is(err, index.ErrNotFound) {
		return index.Bucket{}, fmt.Errorf("read bucket %s: %w", name, err)
	}
	loc, err := g.bindable(location, name, mirrorMode)
	if err != nil {
		return index.Bucket{}, err
	}
	state, err := g.backendVersioning(ctx, loc)
	if err != nil {
		return index.Bucket{}, err
	}
	if mirrorMode && state != "Enabled" {
		return index.Bucket{}, s3Err("InvalidBucketState", http.StatusConflict,
			"A mirror bucket needs versioning Enabled on its backend bucket, and %s of location %s is %s: enable versioning there first.",
			loc.TargetBucket, loc.Name, showVersioning(state))
	}
	b := index.Bucket{Name: name, Location: loc.Name, Mirror: mirrorMode, Versioning: state, Created: time.Now().UTC()}
	if err := g.db.CreateBucket(b); errors.Is(err, index.ErrExists) {
		return index.Bucket{}, bucketExists(name)
	} else if err != nil {
		return index.Bucket{}, fmt.Errorf("store bucket %s: %w", name, err)
	}
	if err := g.startMirror(b); err != nil {
		return index.Bucket{}, err
	}
	return b, nil
}

// bindable returns the location a new bucket may bind to, or the rule it
// breaks.
func (g *Gateway) bindable(location, bucket string, mirrorMode bool) (index.Location, error) {
	if location == "" {
		return index.Location{}, s3Err("InvalidLocationConstraint", http.StatusBadRequest,
			"No location constraint was given and no default location is set: create the bucket with LocationConstraint=LOCATION (LOCATION%s for mirror mode)%s.",
			ingestSuffix, g.knownLocations())
	}
	loc, err := g.db.GetLocation(location)
	if errors.Is(err, index.ErrNotFound) {
		return loc, s3Err("InvalidLocationConstraint", http.StatusBadRequest,
			"Location %q does not exist%s.", location, g.knownLocations())
	}
	if err != nil {
		return loc, fmt.Errorf("read location %s: %w", location, err)
	}
	if mirrorMode && !loc.NoPrefix {
		return loc, s3Err("InvalidLocationConstraint", http.StatusBadRequest,
			"Mirror mode needs a no-prefix location, and location %s stores keys under \"<bucket>/\": use a location added with --no-prefix.", loc.Name)
	}
	if !loc.NoPrefix {
		return loc, nil
	}
	byLocation, err := g.bucketsByLocation()
	if err != nil {
		return loc, err
	}
	if used := byLocation[loc.Name]; len(used) > 0 {
		return loc, s3Err("InvalidLocationConstraint", http.StatusBadRequest,
			"Location %s is a no-prefix location already used by bucket %s, and two buckets there would write the same keys (%s): use another location.",
			loc.Name, used[0].Name, noPrefixWarning)
	}
	return loc, nil
}

// knownLocations lists the location names for a message.
func (g *Gateway) knownLocations() string {
	locs, err := g.db.ListLocations()
	if err != nil || len(locs) == 0 {
		return "; no location exists yet: add one with `ringside location add`"
	}
	names := make([]string, len(locs))
	for i, l := range locs {
		names[i] = l.Name
	}
	return "; the locations are " + strings.Join(names, ", ")
}

// backendVersioning reads the versioning state of a location's backend
// bucket, which a new bucket records.
func (g *Gateway) backendVersioning(ctx context.Context, loc index.Location) (string, error) {
	client, err := g.clients.get(loc)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	state, err := client.Versioning(ctx)
	if err != nil {
		g.log.Warn("read a location's versioning", "location", loc.Name, "err", err)
		return "", s3Err("ServiceUnavailable", http.StatusServiceUnavailable,
			"The backend of location %s did not answer; try again.", loc.Name)
	}
	return state, nil
}

// startMirror starts the ingester on a new mirror bucket; if it cannot,
// the bucket is removed again.
func (g *Gateway) startMirror(b index.Bucket) error {
	m := g.mirror.Load()
	if !b.Mirror || m == nil {
		return nil
	}
	err := m.Add(b.Name)
	if err == nil {
		return nil
	}
	if derr := g.db.DeleteBucket(b.Name); derr != nil {
		g.log.Error("remove a mirror bucket the ingester refused", "bucket", b.Name, "err", derr)
	}
	return fmt.Errorf("start mirroring bucket %s: %w", b.Name, err)
}

func bucketExists(name string) *Error {
	return s3Err("BucketAlreadyOwnedByYou", http.StatusConflict,
		"Bucket %s already exists and is yours: use it, or choose another name.", name)
}

// DeleteBucket removes an empty gateway bucket. The backend bucket and
// anything still in it are left alone.
func (g *Gateway) DeleteBucket(ctx context.Context, name string) error {
	g.manage.Lock()
	defer g.manage.Unlock()
	b, err := g.db.GetBucket(name)
	if errors.Is(err, index.ErrNotFound) {
		return noSuchBucket(name)
	}
	if err != nil {
		return fmt.Errorf("read bucket %s: %w", name, err)
	}
	empty, err := g.db.BucketIsEmpty(name)
	if err != nil {
		return fmt.Errorf("check that bucket %s is empty: %w", name, err)
	}
	if !empty {
		return s3Err("BucketNotEmpty", http.StatusConflict,
			"The bucket you tried to delete is not empty: delete every object version and delete marker of %s first.", name)
	}
	if m := g.mirror.Load(); b.Mirror && m != nil {
		m.Remove(name)
	}
	if err := g.db.DeleteBucket(name); err != nil {
		return fmt.Errorf("delete bucket %s: %w", name, err)
	}
	return nil
}

// Buckets lists the gateway buckets.
func (g *Gateway) Buckets(ctx context.Context) ([]index.Bucket, error) {
	buckets, err := g.db.ListBuckets()
	if err != nil {
		return nil, fmt.Errorf("list buckets: %w", err)
	}
	return buckets, nil
}

// Bucket shows one gateway bucket.
func (g *Gateway) Bucket(ctx context.Context, name string) (index.Bucket, error) {
	b, err := g.db.GetBucket(name)
	if errors.Is(err, index.ErrNotFound) {
		return b, noSuchBucket(name)
	}
	if err != nil {
		return b, fmt.Errorf("read bucket %s: %w", name, err)
	}
	return b, nil
}
