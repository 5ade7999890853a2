package gateway

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/gateway/s3auth"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// maxBucketConfiguration bounds the CreateBucketConfiguration body.
const maxBucketConfiguration = 64 << 10

// createBucketConfiguration is the body of CreateBucket.
type createBucketConfiguration struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	LocationConstraint string   `xml:"LocationConstraint"`
}

// ingestSuffix marks a location constraint that asks for mirror mode,
// Zenko's convention ("LOC:ingest").
const ingestSuffix = catalog.IngestSuffix

// serveCreateBucket answers CreateBucket: its LocationConstraint names the
// location to bind the bucket to (gofakes3 discards it, and could not
// answer the refusals with their status).
func (g *Gateway) serveCreateBucket(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	if catalog.ValidateBucketName(bucket, s3err.InvalidBucketName, "Bucket") != nil {
		// S3's own words: the rules are in the README.
		return s3err.Get(s3err.InvalidBucketName)
	}
	if err := checkACLHeaders(r.Header); err != nil {
		return err
	}
	constraint, err := readLocationConstraint(r.Body)
	if err != nil {
		return err
	}
	location, mirrorMode := strings.CutSuffix(constraint, ingestSuffix)
	if mirrorMode && location == "" {
		return s3err.New(s3err.InvalidLocationConstraint,
			"The location constraint %q names no location: use LOCATION%s.", constraint, ingestSuffix)
	}
	if !mirrorMode {
		// A region name asks for the default location (catalog/region.go).
		if location, err = g.cat.ConstraintLocation(location, s3auth.SigningRegion(r)); err != nil {
			return err
		}
	}
	if strings.EqualFold(r.Header.Get("X-Amz-Bucket-Object-Lock-Enabled"), "true") {
		if err := g.checkObjectLock(r.Context(), location); err != nil {
			return err
		}
	}
	if _, err := g.cat.CreateBucket(r.Context(), bucket, location, mirrorMode, g.mirror); err != nil {
		return err
	}
	w.Header().Set("Location", "/"+bucket)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// readLocationConstraint reads the LocationConstraint of a CreateBucket
// body, "" when there is none.
func readLocationConstraint(body io.Reader) (string, error) {
	data, err := io.ReadAll(io.LimitReader(body, maxBucketConfiguration+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxBucketConfiguration {
		return "", errRequestTooBig
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return "", nil
	}
	var cfg createBucketConfiguration
	if err := xml.Unmarshal(data, &cfg); err != nil {
		return "", errMalformedXML
	}
	return strings.TrimSpace(cfg.LocationConstraint), nil
}

// checkObjectLock refuses a bucket created with object lock unless its
// location's backend bucket has object lock enabled: the lock is the
// backend's, which ringside never configures (S3 servers enable it only
// when a bucket is created, or on a versioned one). A location that does
// not exist is left for CreateBucket to refuse.
func (g *Gateway) checkObjectLock(ctx context.Context, location string) error {
	loc, client, err := g.cat.LocationClient(location)
	if errors.Is(err, index.ErrNotFound) || loc.Name == "" {
		return nil
	}
	if err != nil {
		return err
	}
	enabled, err := client.ObjectLockEnabled(ctx)
	if err != nil {
		return fmt.Errorf("read the object lock configuration of location %s: %w", loc.Name, err)
	}
	if !enabled {
		return s3err.New(s3err.InvalidBucketState,
			"Object lock is the backend's, and backend bucket %s of location %s does not have it enabled: enable object lock on that bucket (or bind this bucket to a location whose backend bucket has it), then create the bucket again.",
			loc.TargetBucket, loc.Name)
	}
	return nil
}

// bucketLocation is the answer to GetBucketLocation.
type bucketLocation struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	Xmlns   string   `xml:"xmlns,attr"`
	Region  string   `xml:",chardata"`
}

// serveGetBucketLocation answers GetBucketLocation with the region the
// request is signed for, empty for us-east-1 as S3 writes it: ringside
// serves every region, so a client is told its own and never redirected
// (catalog/region.go). A ringside location name is no AWS region, and
// SDKs would sign for it.
func (g *Gateway) serveGetBucketLocation(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	if _, err := g.target(bucket); err != nil {
		return err
	}
	region := s3auth.SigningRegion(r)
	if region == "us-east-1" {
		region = ""
	}
	writeXML(w, http.StatusOK, bucketLocation{Xmlns: "http://s3.amazonaws.com/doc/2006-03-01/", Region: region})
	return nil
}
