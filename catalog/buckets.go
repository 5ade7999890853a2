package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// IngestSuffix marks a location constraint that asks for mirror mode.
const IngestSuffix = ":ingest"

// The rules that bind buckets to locations protect data: a mirror bucket
// needs a no-prefix location whose backend bucket keeps versions (the
// ingester diffs versions), and a no-prefix location holds a single
// gateway bucket, since two would write the same keys.

// CreateBucket binds a new gateway bucket to a location ("" means the
// default location), in mirror mode if asked, enforcing the data rules. A
// mirror bucket is handed to ing before CreateBucket returns.
func (c *Catalog) CreateBucket(ctx context.Context, name, location string, mirrorMode bool, ing Ingester) (index.Bucket, error) {
	if err := IndexWritable(c.db); err != nil {
		return index.Bucket{}, err
	}
	if err := ValidateBucketName(name, s3err.InvalidBucketName, "Bucket"); err != nil {
		return index.Bucket{}, err
	}
	if location == "" {
		location = c.defaultLocation
	}
	c.manage.Lock()
	defer c.manage.Unlock()
	if _, err := c.db.GetBucket(name); err == nil {
		return index.Bucket{}, bucketExists(name)
	} else if !errors.Is(err, index.ErrNotFound) {
		return index.Bucket{}, fmt.Errorf("read bucket %s: %w", name, err)
	}
	loc, err := c.bindable(location, mirrorMode)
	if err != nil {
		return index.Bucket{}, err
	}
	state, err := c.backendVersioning(ctx, loc)
	if err != nil {
		return index.Bucket{}, err
	}
	if mirrorMode && state != "Enabled" {
		return index.Bucket{}, s3err.New(s3err.InvalidBucketState,
			"A mirror bucket needs versioning Enabled on its backend bucket, and %s of location %s is %s: enable versioning there first.",
			loc.TargetBucket, loc.Name, showVersioning(state))
	}
	b := index.Bucket{Name: name, Location: loc.Name, Mirror: mirrorMode, Versioning: state, Created: time.Now().UTC()}
	if err := c.db.CreateBucket(b); errors.Is(err, index.ErrExists) {
		return index.Bucket{}, bucketExists(name)
	} else if err != nil {
		return index.Bucket{}, fmt.Errorf("store bucket %s: %w", name, err)
	}
	if err := c.startMirror(b, ing); err != nil {
		return index.Bucket{}, err
	}
	c.log.Info("bucket created", "bucket", name, "location", loc.Name, "mode", bucketMode(b))
	return b, nil
}

// bucketMode names how a bucket is kept, for the log.
func bucketMode(b index.Bucket) string {
	if b.Mirror {
		return "mirror"
	}
	return "write-through"
}

// bindable returns the location a new bucket may bind to, or the rule it
// breaks.
func (c *Catalog) bindable(location string, mirrorMode bool) (index.Location, error) {
	if location == "" {
		return index.Location{}, s3err.New(s3err.InvalidLocationConstraint,
			"No location constraint was given and no default location is set: create the bucket with LocationConstraint=LOCATION (LOCATION%s for mirror mode)%s.",
			IngestSuffix, c.knownLocations())
	}
	loc, err := c.db.GetLocation(location)
	if errors.Is(err, index.ErrNotFound) {
		return loc, s3err.New(s3err.InvalidLocationConstraint,
			"Location %q does not exist%s.", location, c.knownLocations())
	}
	if err != nil {
		return loc, fmt.Errorf("read location %s: %w", location, err)
	}
	if mirrorMode && !loc.NoPrefix {
		return loc, s3err.New(s3err.InvalidLocationConstraint,
			"Mirror mode needs a no-prefix location, and location %s stores keys under \"<bucket>/\": use a location added with --no-prefix.", loc.Name)
	}
	if !loc.NoPrefix {
		return loc, nil
	}
	byLocation, err := c.bucketsByLocation()
	if err != nil {
		return loc, err
	}
	if used := byLocation[loc.Name]; len(used) > 0 {
		return loc, s3err.New(s3err.InvalidLocationConstraint,
			"Location %s is a no-prefix location already used by bucket %s, and two buckets there would write the same keys (%s): use another location.",
			loc.Name, used[0].Name, NoPrefixWarning)
	}
	return loc, nil
}

// knownLocations lists the location names for a message.
func (c *Catalog) knownLocations() string {
	locs, err := c.db.ListLocations()
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
func (c *Catalog) backendVersioning(ctx context.Context, loc index.Location) (string, error) {
	client, err := c.clients.get(loc)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	state, err := client.Versioning(ctx)
	if err != nil {
		c.log.Warn("read a location's versioning", "location", loc.Name, "err", err)
		return "", s3err.New(s3err.ServiceUnavailable,
			"The backend of location %s did not answer; try again.", loc.Name)
	}
	return state, nil
}

// startMirror starts the ingester on a new mirror bucket; if it cannot,
// the bucket is removed again.
func (c *Catalog) startMirror(b index.Bucket, ing Ingester) error {
	if !b.Mirror {
		return nil
	}
	err := ing.Add(b.Name)
	if err == nil {
		return nil
	}
	if derr := c.db.DeleteBucket(b.Name); derr != nil {
		c.log.Error("remove a mirror bucket the ingester refused", "bucket", b.Name, "err", derr)
	}
	return fmt.Errorf("start mirroring bucket %s: %w", b.Name, err)
}

func bucketExists(name string) *s3err.Error {
	return s3err.New(s3err.BucketAlreadyOwnedByYou,
		"Bucket %s already exists and is yours: use it, or choose another name.", name)
}

// DeleteBucket removes an empty gateway bucket, stopping its mirroring
// first. The backend bucket and anything still in it are left alone.
func (c *Catalog) DeleteBucket(ctx context.Context, name string, ing Ingester) error {
	if err := IndexWritable(c.db); err != nil {
		return err
	}
	c.manage.Lock()
	defer c.manage.Unlock()
	b, err := c.db.GetBucket(name)
	if errors.Is(err, index.ErrNotFound) {
		return NoSuchBucket(name)
	}
	if err != nil {
		return fmt.Errorf("read bucket %s: %w", name, err)
	}
	empty, err := c.db.BucketIsEmpty(name)
	if err != nil {
		return fmt.Errorf("check that bucket %s is empty: %w", name, err)
	}
	if !empty {
		return s3err.New(s3err.BucketNotEmpty,
			"The bucket you tried to delete is not empty: delete every object version and delete marker of %s first.", name)
	}
	if b.Mirror {
		ing.Remove(name)
	}
	if err := c.db.DeleteBucket(name); err != nil {
		return fmt.Errorf("delete bucket %s: %w", name, err)
	}
	c.log.Info("bucket deleted", "bucket", name, "location", b.Location, "mode", bucketMode(b))
	return nil
}

// Buckets lists the gateway buckets, each with its backend bucket's
// versioning as the backend reports it now (see Bucket).
func (c *Catalog) Buckets(ctx context.Context) ([]index.Bucket, error) {
	buckets, err := c.db.ListBuckets()
	if err != nil {
		return nil, fmt.Errorf("list buckets: %w", err)
	}
	states := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, b := range buckets {
		if _, ok := states[b.Location]; ok {
			continue
		}
		states[b.Location] = VersioningUnknown
		wg.Go(func() {
			state := c.liveVersioning(ctx, b.Location)
			mu.Lock()
			states[b.Location] = state
			mu.Unlock()
		})
	}
	wg.Wait()
	for i := range buckets {
		buckets[i] = c.withVersioning(buckets[i], states[buckets[i].Location])
	}
	return buckets, nil
}

// Bucket shows one gateway bucket, with its backend bucket's versioning
// as the backend reports it now, like a location shows it: a bucket's
// versioning is its backend bucket's, which anyone may change there.
func (c *Catalog) Bucket(ctx context.Context, name string) (index.Bucket, error) {
	b, err := c.db.GetBucket(name)
	if errors.Is(err, index.ErrNotFound) {
		return b, NoSuchBucket(name)
	}
	if err != nil {
		return b, fmt.Errorf("read bucket %s: %w", name, err)
	}
	return c.withVersioning(b, c.liveVersioning(ctx, b.Location)), nil
}

// liveVersioning is a location's backend versioning, Unknown when the
// location or its backend does not answer.
func (c *Catalog) liveVersioning(ctx context.Context, location string) string {
	l, err := c.db.GetLocation(location)
	if err != nil {
		c.log.Warn("read a bucket's location", "location", location, "err", err)
		return VersioningUnknown
	}
	return c.probeVersioning(ctx, l)
}

// withVersioning shows b with the backend's state, recording a change.
// Unknown is shown, never recorded.
func (c *Catalog) withVersioning(b index.Bucket, state string) index.Bucket {
	recorded := state
	if state == VersioningNever {
		recorded = ""
	}
	if state != VersioningUnknown && recorded != b.Versioning {
		c.recordVersioning(b.Name, recorded)
	}
	b.Versioning = state
	return b
}

// recordVersioning writes a bucket's versioning into its record, under
// the lock of catalog changes, so that a bucket deleted meanwhile is not
// written back.
func (c *Catalog) recordVersioning(name, state string) {
	c.manage.Lock()
	defer c.manage.Unlock()
	b, err := c.db.GetBucket(name)
	if err != nil || b.Versioning == state {
		return
	}
	b.Versioning = state
	if err := c.db.PutBucket(b); err != nil {
		c.log.Warn("record a bucket's backend versioning", "bucket", name, "err", err)
	}
}

// LocationClient returns a location ("" for the default location) with
// its backend client, for what a new bucket asks of its backend bucket
// before it is created (object lock); index.ErrNotFound when there is no
// such location.
func (c *Catalog) LocationClient(location string) (index.Location, *backend.Client, error) {
	if location == "" {
		location = c.defaultLocation
	}
	loc, err := c.db.GetLocation(location)
	if err != nil {
		return loc, nil, fmt.Errorf("read location %q: %w", location, err)
	}
	client, err := c.clients.get(loc)
	return loc, client, err
}
