package catalog

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// NoPrefixWarning is shown with every no-prefix location.
const NoPrefixWarning = "Storing multiple buckets in a location with this option enabled can lead to data loss"

// probeTimeout bounds a backend's answer to a versioning probe.
const probeTimeout = 10 * time.Second

// Versioning states a LocationInfo shows besides S3's Enabled and Suspended.
const (
	VersioningNever   = "Unversioned"
	VersioningUnknown = "Unknown"
)

// LocationInfo is a location as the catalog shows it: never with its
// secret key (SecretKey is always empty), with the target bucket's
// versioning state, the buckets bound to it, and its mirroring indicator.
type LocationInfo struct {
	index.Location
	// Versioning is the target bucket's state as the backend reports it:
	// "Enabled", "Suspended", "Unversioned" (never enabled), or "Unknown"
	// when the backend did not answer.
	Versioning string
	Mirroring  string // off, active, paused
	Buckets    []string
	Warning    string
	// Backend is the health of the location's backend as its breaker
	// sees it; nil when no call has been made to it since the start.
	Backend *backend.Health
	// Timeouts are the backend timeouts the location's client uses.
	Timeouts LocationTimeouts
	// Changed names the fields an UpdateLocation changed (secretKey by
	// name only); empty when it changed nothing.
	Changed []string
}

// AddLocation validates a location, checks that its target bucket answers,
// reads its versioning state and stores it.
func (c *Catalog) AddLocation(ctx context.Context, l index.Location) (LocationInfo, error) {
	l, err := checkLocation(l)
	if err != nil {
		return LocationInfo{}, err
	}
	c.manage.Lock()
	defer c.manage.Unlock()
	if _, err := c.db.GetLocation(l.Name); err == nil {
		return LocationInfo{}, s3err.New(s3err.LocationAlreadyExists,
			"Location %s already exists: remove it first or choose another name.", l.Name)
	} else if !errors.Is(err, index.ErrNotFound) {
		return LocationInfo{}, fmt.Errorf("read location %s: %w", l.Name, err)
	}
	client, err := c.clients.newClient(l)
	if err != nil {
		return LocationInfo{}, s3err.New(s3err.InvalidArgument, "Location %s: %v.", l.Name, err)
	}
	defer client.Close()
	state, err := probeBackend(ctx, client, l)
	if err != nil {
		return LocationInfo{}, err
	}
	l.Created = time.Now().UTC()
	if err := c.db.CreateLocation(l); errors.Is(err, index.ErrExists) {
		return LocationInfo{}, s3err.New(s3err.LocationAlreadyExists, "Location %s already exists.", l.Name)
	} else if err != nil {
		return LocationInfo{}, fmt.Errorf("store location %s: %w", l.Name, err)
	}
	c.clients.forget(l.Name)
	c.log.Info("location added", "location", l.Name, "endpoint", l.Endpoint,
		"targetBucket", l.TargetBucket, "noPrefix", l.NoPrefix, "versioning", showVersioning(state), "feed", l.Feed)
	info := c.locationInfo(l, showVersioning(state), nil)
	// The one answer that shows the webhook token: the operator gives it
	// to the backend.
	info.FeedToken = l.FeedToken
	return info, nil
}

// checkLocation validates a new location and fills in its defaults.
func checkLocation(l index.Location) (index.Location, error) {
	if err := validateLocationName(l.Name); err != nil {
		return l, err
	}
	if err := ValidateBucketName(l.TargetBucket, s3err.InvalidArgument, "Target bucket"); err != nil {
		return l, err
	}
	endpoint, err := normalizeEndpoint(l.Endpoint)
	if err != nil {
		return l, err
	}
	l.Endpoint = endpoint
	if l.AccessKey == "" || l.SecretKey == "" {
		return l, s3err.New(s3err.InvalidArgument,
			"Location %s needs the access key and secret key of its target bucket.", l.Name)
	}
	if l.Region == "" {
		l.Region = "us-east-1"
	}
	if err := checkTimeouts(l); err != nil {
		return l, err
	}
	return checkFeed(l)
}

// probeError says why a location's target bucket did not answer, and what
// to fix.
func probeError(l index.Location, err error) error {
	var be *backend.Error
	if !errors.As(err, &be) {
		if advice := connectionAdvice(l, err); advice != nil {
			return advice
		}
		return s3err.New(s3err.InvalidArgument,
			"Target bucket %s at %s did not answer (%s): check the endpoint and that the server is up.",
			l.TargetBucket, l.Endpoint, rootCause(err))
	}
	if be.Status == http.StatusBadRequest && strings.HasPrefix(l.Endpoint, "http://") && speaksTLS(l.Endpoint) {
		return wrongScheme(l, "https")
	}
	switch be.Code {
	case "NoSuchBucket":
		return s3err.New(s3err.InvalidArgument,
			"The backend at %s has no bucket %s: create it there or fix the target bucket.", l.Endpoint, l.TargetBucket)
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken":
		return s3err.New(s3err.InvalidArgument,
			"The backend at %s refused the credentials for bucket %s (%s): check the access key and secret key.",
			l.Endpoint, l.TargetBucket, be.Code)
	case "AccessDenied":
		return s3err.New(s3err.InvalidArgument,
			"The backend at %s refused the credentials for bucket %s (AccessDenied): check the access key and secret key, and that the backend user has s3:GetBucketVersioning on it.",
			l.Endpoint, l.TargetBucket)
	}
	return s3err.New(s3err.InvalidArgument,
		"The backend at %s answered %s for bucket %s: %s", l.Endpoint, be.Code, l.TargetBucket, be.Message)
}

// Locations lists every location, with each target bucket's versioning as
// its backend reports it now.
func (c *Catalog) Locations(ctx context.Context) ([]LocationInfo, error) {
	locs, err := c.db.ListLocations()
	if err != nil {
		return nil, fmt.Errorf("list locations: %w", err)
	}
	byLocation, err := c.bucketsByLocation()
	if err != nil {
		return nil, err
	}
	out := make([]LocationInfo, len(locs))
	var wg sync.WaitGroup
	for i, l := range locs {
		wg.Go(func() {
			out[i] = c.locationInfo(l, c.probeVersioning(ctx, l), byLocation[l.Name])
		})
	}
	wg.Wait()
	return out, nil
}

// Location shows one location, asking the backend for its versioning state.
func (c *Catalog) Location(ctx context.Context, name string) (LocationInfo, error) {
	l, err := c.db.GetLocation(name)
	if errors.Is(err, index.ErrNotFound) {
		return LocationInfo{}, noSuchLocation(name)
	}
	if err != nil {
		return LocationInfo{}, fmt.Errorf("read location %s: %w", name, err)
	}
	byLocation, err := c.bucketsByLocation()
	if err != nil {
		return LocationInfo{}, err
	}
	return c.locationInfo(l, c.probeVersioning(ctx, l), byLocation[name]), nil
}

// RemoveLocation removes a location no bucket uses.
func (c *Catalog) RemoveLocation(ctx context.Context, name string) error {
	c.manage.Lock()
	defer c.manage.Unlock()
	if _, err := c.db.GetLocation(name); errors.Is(err, index.ErrNotFound) {
		return noSuchLocation(name)
	} else if err != nil {
		return fmt.Errorf("read location %s: %w", name, err)
	}
	byLocation, err := c.bucketsByLocation()
	if err != nil {
		return err
	}
	if used := byLocation[name]; len(used) > 0 {
		names := make([]string, len(used))
		for i, b := range used {
			names[i] = b.Name
		}
		return s3err.New(s3err.LocationInUse, "Location %s is used by bucket(s) %v: delete them first.", name, names)
	}
	if err := c.db.DeleteLocation(name); err != nil && !errors.Is(err, index.ErrNotFound) {
		return fmt.Errorf("remove location %s: %w", name, err)
	}
	c.clients.forget(name)
	c.log.Info("location removed", "location", name)
	return nil
}

func noSuchLocation(name string) *s3err.Error {
	return s3err.New(s3err.NoSuchLocation, "Location %s does not exist.", name)
}

// bucketsByLocation groups the gateway buckets by location.
func (c *Catalog) bucketsByLocation() (map[string][]index.Bucket, error) {
	buckets, err := c.db.ListBuckets()
	if err != nil {
		return nil, fmt.Errorf("list buckets: %w", err)
	}
	out := map[string][]index.Bucket{}
	for _, b := range buckets {
		out[b.Location] = append(out[b.Location], b)
	}
	return out, nil
}

// probeVersioning asks a location's backend for its versioning state,
// Unknown when it does not answer.
func (c *Catalog) probeVersioning(ctx context.Context, l index.Location) string {
	client, err := c.clients.get(l)
	if err != nil {
		return VersioningUnknown
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	state, err := client.Versioning(ctx)
	if err != nil {
		c.log.Warn("read a location's versioning", "location", l.Name, "err", err)
		return VersioningUnknown
	}
	return showVersioning(state)
}

func showVersioning(state string) string {
	if state == "" {
		return VersioningNever
	}
	return state
}

// BackendHealth is the health of location's backend as its breaker sees
// it: up, or unreachable since when and why. ok is false when no client
// of that location was built since the start (nothing is known yet).
func (c *Catalog) BackendHealth(location string) (h backend.Health, ok bool) {
	return c.clients.health(location)
}

// locationInfo is a location as the catalog shows it.
func (c *Catalog) locationInfo(l index.Location, versioning string, buckets []index.Bucket) LocationInfo {
	l.SecretKey, l.FeedToken = "", ""
	info := LocationInfo{Location: l, Versioning: versioning, Mirroring: "off", Buckets: []string{},
		Timeouts: effectiveTimeouts(c.clients.opts.Timeouts, l)}
	if l.NoPrefix {
		info.Warning = NoPrefixWarning
	}
	if h, ok := c.BackendHealth(l.Name); ok {
		info.Backend = &h
	}
	for _, b := range buckets {
		info.Buckets = append(info.Buckets, b.Name)
		if b.Mirror {
			info.Mirroring = c.mirroring(b.Name)
		}
	}
	sort.Strings(info.Buckets)
	return info
}

// mirroring is a mirror bucket's indicator: active or paused.
func (c *Catalog) mirroring(bucket string) string {
	st, err := c.db.GetIngestState(bucket)
	if err != nil {
		c.log.Warn("read a mirror bucket's ingest state", "bucket", bucket, "err", err)
	}
	if err == nil && st.Paused {
		return "paused"
	}
	return "active"
}
