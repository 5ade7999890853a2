package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
)

// noPrefixWarning is shown with every no-prefix location.
const noPrefixWarning = "Storing multiple buckets in a location with this option enabled can lead to data loss"

// probeTimeout bounds a backend's answer to a versioning probe.
const probeTimeout = 10 * time.Second

// Versioning states a LocationInfo shows besides S3's Enabled and Suspended.
const (
	versioningNever   = "Unversioned"
	versioningUnknown = "Unknown"
)

// AddLocation validates a location, checks that its target bucket answers,
// reads its versioning state and stores it.
func (g *Gateway) AddLocation(ctx context.Context, l index.Location) (LocationInfo, error) {
	if err := validateLocationName(l.Name); err != nil {
		return LocationInfo{}, err
	}
	if err := validateBucketName(l.TargetBucket, "InvalidArgument", "Target bucket"); err != nil {
		return LocationInfo{}, err
	}
	endpoint, err := normalizeEndpoint(l.Endpoint)
	if err != nil {
		return LocationInfo{}, err
	}
	l.Endpoint = endpoint
	if l.AccessKey == "" || l.SecretKey == "" {
		return LocationInfo{}, s3Err("InvalidArgument", http.StatusBadRequest,
			"Location %s needs the access key and secret key of its target bucket.", l.Name)
	}
	if l.Region == "" {
		l.Region = "us-east-1"
	}
	g.manage.Lock()
	defer g.manage.Unlock()
	if _, err := g.db.GetLocation(l.Name); err == nil {
		return LocationInfo{}, s3Err("LocationAlreadyExists", http.StatusConflict,
			"Location %s already exists: remove it first or choose another name.", l.Name)
	} else if !errors.Is(err, index.ErrNotFound) {
		return LocationInfo{}, fmt.Errorf("read location %s: %w", l.Name, err)
	}
	client, err := g.clients.newClient(l)
	if err != nil {
		return LocationInfo{}, s3Err("InvalidArgument", http.StatusBadRequest, "Location %s: %v.", l.Name, err)
	}
	defer client.Close()
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	state, err := client.Versioning(pctx)
	if err != nil {
		return LocationInfo{}, probeError(l, err)
	}
	l.Created = time.Now().UTC()
	if err := g.db.CreateLocation(l); errors.Is(err, index.ErrExists) {
		return LocationInfo{}, s3Err("LocationAlreadyExists", http.StatusConflict, "Location %s already exists.", l.Name)
	} else if err != nil {
		return LocationInfo{}, fmt.Errorf("store location %s: %w", l.Name, err)
	}
	g.clients.forget(l.Name)
	return g.locationInfo(l, showVersioning(state), nil), nil
}

// probeError says why a location's target bucket did not answer, and what
// to fix.
func probeError(l index.Location, err error) error {
	var be *backend.Error
	if !errors.As(err, &be) {
		return s3Err("InvalidArgument", http.StatusBadRequest,
			"Target bucket %s at %s did not answer (%v): check the endpoint and that the server is up.",
			l.TargetBucket, l.Endpoint, err)
	}
	switch be.Code {
	case "NoSuchBucket":
		return s3Err("InvalidArgument", http.StatusBadRequest,
			"The backend at %s has no bucket %s: create it there or fix the target bucket.", l.Endpoint, l.TargetBucket)
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken":
		return s3Err("InvalidArgument", http.StatusBadRequest,
			"The backend at %s refused the credentials for bucket %s (%s): check the access key and secret key.",
			l.Endpoint, l.TargetBucket, be.Code)
	}
	return s3Err("InvalidArgument", http.StatusBadRequest,
		"The backend at %s answered %s for bucket %s: %s", l.Endpoint, be.Code, l.TargetBucket, be.Message)
}

// Locations lists every location (secrets masked), with each target
// bucket's versioning as its backend reports it now.
func (g *Gateway) Locations(ctx context.Context) ([]LocationInfo, error) {
	locs, err := g.db.ListLocations()
	if err != nil {
		return nil, fmt.Errorf("list locations: %w", err)
	}
	byLocation, err := g.bucketsByLocation()
	if err != nil {
		return nil, err
	}
	out := make([]LocationInfo, len(locs))
	var wg sync.WaitGroup
	for i, l := range locs {
		wg.Go(func() {
			out[i] = g.locationInfo(l, g.probeVersioning(ctx, l), byLocation[l.Name])
		})
	}
	wg.Wait()
	return out, nil
}

// Location shows one location, asking the backend for its versioning state.
func (g *Gateway) Location(ctx context.Context, name string) (LocationInfo, error) {
	l, err := g.db.GetLocation(name)
	if errors.Is(err, index.ErrNotFound) {
		return LocationInfo{}, noSuchLocation(name)
	}
	if err != nil {
		return LocationInfo{}, fmt.Errorf("read location %s: %w", name, err)
	}
	byLocation, err := g.bucketsByLocation()
	if err != nil {
		return LocationInfo{}, err
	}
	return g.locationInfo(l, g.probeVersioning(ctx, l), byLocation[name]), nil
}

// RemoveLocation removes a location no bucket uses.
func (g *Gateway) RemoveLocation(ctx context.Context, name string) error {
	g.manage.Lock()
	defer g.manage.Unlock()
	if _, err := g.db.GetLocation(name); errors.Is(err, index.ErrNotFound) {
		return noSuchLocation(name)
	} else if err != nil {
		return fmt.Errorf("read location %s: %w", name, err)
	}
	byLocation, err := g.bucketsByLocation()
	if err != nil {
		return err
	}
	if used := byLocation[name]; len(used) > 0 {
		names := make([]string, len(used))
		for i, b := range used {
			names[i] = b.Name
		}
		return s3Err("LocationInUse", http.StatusConflict,
			"Location %s is used by bucket(s) %v: delete them first.", name, names)
	}
	if err := g.db.DeleteLocation(name); err != nil && !errors.Is(err, index.ErrNotFound) {
		return fmt.Errorf("remove location %s: %w", name, err)
	}
	g.clients.forget(name)
	return nil
}

func noSuchLocation(name string) *Error {
	return s3Err("NoSuchLocation", http.StatusNotFound, "Location %s does not exist.", name)
}

// bucketsByLocation groups the gateway buckets by location.
func (g *Gateway) bucketsByLocation() (map[string][]index.Bucket, error) {
	buckets, err := g.db.ListBuckets()
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
func (g *Gateway) probeVersioning(ctx context.Context, l index.Location) string {
	client, err := g.clients.get(l)
	if err != nil {
		return versioningUnknown
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	state, err := client.Versioning(ctx)
	if err != nil {
		g.log.Warn("read a location's versioning", "location", l.Name, "err", err)
		return versioningUnknown
	}
	return showVersioning(state)
}

func showVersioning(state string) string {
	if state == "" {
		return versioningNever
	}
	return state
}

// locationInfo is a location as the admin API shows it.
func (g *Gateway) locationInfo(l index.Location, versioning string, buckets []index.Bucket) LocationInfo {
	info := LocationInfo{Location: l, Versioning: versioning, Mirroring: "off", Buckets: []string{}}
	info.SecretKey = maskSecret(l.SecretKey)
	if l.NoPrefix {
		info.Warning = noPrefixWarning
	}
	for _, b := range buckets {
		info.Buckets = append(info.Buckets, b.Name)
		if b.Mirror {
			info.Mirroring = g.mirroring(b.Name)
		}
	}
	sort.Strings(info.Buckets)
	return info
}

// mirroring is a mirror bucket's indicator: active or paused.
func (g *Gateway) mirroring(bucket string) string {
	st, err := g.db.GetIngestState(bucket)
	if err == nil && st.Paused {
		return "paused"
	}
	return "active"
}

// maskSecret shows enough of a secret to recognise it, never all of it.
func maskSecret(s string) string {
	if len(s) < 8 {
		return "****"
	}
	return s[:2] + "****"
}
