package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// LocationChange is an update of a location: a nil field keeps its value.
// TargetBucket and NoPrefix decide where keys go, so they may change only
// while no bucket uses the location.
type LocationChange struct {
	Endpoint     *string
	Region       *string
	AccessKey    *string
	SecretKey    *string
	CAFile       *string
	Insecure     *bool
	TargetBucket *string
	NoPrefix     *bool
}

// apply returns l with the change made.
func (ch LocationChange) apply(l index.Location) index.Location {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&l.Endpoint, ch.Endpoint)
	set(&l.Region, ch.Region)
	set(&l.AccessKey, ch.AccessKey)
	set(&l.SecretKey, ch.SecretKey)
	set(&l.CAFile, ch.CAFile)
	set(&l.TargetBucket, ch.TargetBucket)
	if ch.Insecure != nil {
		l.Insecure = *ch.Insecure
	}
	if ch.NoPrefix != nil {
		l.NoPrefix = *ch.NoPrefix
	}
	return l
}

// UpdateLocation changes how a location's backend bucket is reached. The
// new settings are checked against the backend as AddLocation checks them
// (it answers, it takes the credentials, and it keeps versions if a mirror
// bucket uses the location) before they are stored; a refusal changes
// nothing. Once stored, every request and the ingester's next pass use
// the new client: the write moves the catalog generation, which drops the
// resolutions cached with the old one.
func (c *Catalog) UpdateLocation(ctx context.Context, name string, ch LocationChange) (LocationInfo, error) {
	c.manage.Lock()
	defer c.manage.Unlock()
	old, err := c.db.GetLocation(name)
	if errors.Is(err, index.ErrNotFound) {
		return LocationInfo{}, noSuchLocation(name)
	} else if err != nil {
		return LocationInfo{}, fmt.Errorf("read location %s: %w", name, err)
	}
	byLocation, err := c.bucketsByLocation()
	if err != nil {
		return LocationInfo{}, err
	}
	used := byLocation[name]
	l, err := checkLocation(ch.apply(old))
	if err != nil {
		return LocationInfo{}, err
	}
	if l == old {
		// Nothing to check or store: declaring a location again, as a
		// configuration file does on every reload, costs one probe.
		return c.locationInfo(l, c.probeVersioning(ctx, l), used), nil
	}
	if err := placementUnchanged(old, l, used); err != nil {
		return LocationInfo{}, err
	}
	state, err := c.probeNew(ctx, l)
	if err != nil {
		return LocationInfo{}, err
	}
	if err := mirrorsKeepVersions(l, state, used); err != nil {
		return LocationInfo{}, err
	}
	if err := c.db.PutLocation(l); err != nil {
		return LocationInfo{}, fmt.Errorf("store location %s: %w", name, err)
	}
	c.clients.forget(name)
	changed := changedFields(old, l)
	c.log.Info("location updated", "location", name, "changed", strings.Join(changed, ","),
		"endpoint", l.Endpoint, "buckets", len(used))
	info := c.locationInfo(l, showVersioning(state), used)
	info.Changed = changed
	return info, nil
}

// probeNew builds a client with a location's new settings and reads its
// target bucket's versioning, which proves it answers and takes the keys.
func (c *Catalog) probeNew(ctx context.Context, l index.Location) (string, error) {
	client, err := c.clients.newClient(l)
	if err != nil {
		return "", s3err.New(s3err.InvalidArgument, "Location %s: %v.", l.Name, err)
	}
	defer client.Close()
	state, err := probeBackend(ctx, client, l)
	if err != nil {
		c.log.Warn("location update refused: the backend did not accept the new settings", "location", l.Name, "err", err)
		return "", err
	}
	return state, nil
}

// placementUnchanged refuses a change of target bucket or no-prefix while
// buckets use the location: their keys are where the old settings put them.
func placementUnchanged(old, l index.Location, used []index.Bucket) error {
	if len(used) == 0 || (old.TargetBucket == l.TargetBucket && old.NoPrefix == l.NoPrefix) {
		return nil
	}
	return s3err.New(s3err.LocationInUse,
		"Location %s is used by bucket(s) %s, whose objects are where its target bucket and no-prefix setting put them: those two cannot change while buckets use it. Change the endpoint, region, keys or TLS options only, or delete the buckets first.",
		l.Name, strings.Join(bucketNames(used), ", "))
}

// mirrorsKeepVersions refuses new settings whose target bucket does not
// keep versions when a mirror bucket uses the location.
func mirrorsKeepVersions(l index.Location, state string, used []index.Bucket) error {
	for _, b := range used {
		if b.Mirror && state != "Enabled" {
			return s3err.New(s3err.InvalidBucketState,
				"Mirror bucket %s uses location %s, and with the new settings its backend bucket %s has versioning %s: a mirror bucket needs it Enabled.",
				b.Name, l.Name, l.TargetBucket, showVersioning(state))
		}
	}
	return nil
}

func bucketNames(bs []index.Bucket) []string {
	names := make([]string, len(bs))
	for i, b := range bs {
		names[i] = b.Name
	}
	return names
}

// changedFields names the fields an update changed, for the log; the
// secret key is named, never shown.
func changedFields(old, l index.Location) []string {
	var out []string
	add := func(name string, changed bool) {
		if changed {
			out = append(out, name)
		}
	}
	add("endpoint", old.Endpoint != l.Endpoint)
	add("region", old.Region != l.Region)
	add("accessKey", old.AccessKey != l.AccessKey)
	add("secretKey", old.SecretKey != l.SecretKey)
	add("caFile", old.CAFile != l.CAFile)
	add("insecureSkipVerify", old.Insecure != l.Insecure)
	add("targetBucket", old.TargetBucket != l.TargetBucket)
	add("noPrefix", old.NoPrefix != l.NoPrefix)
	return out
}
