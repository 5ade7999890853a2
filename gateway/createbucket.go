package gateway

import (
	"encoding/xml"
	"io"
	"net/http"
	"strings"

	"github.com/ringside/ringside/catalog"
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
	if err := checkACLHeaders(r.Header); err != nil {
		return err
	}
	if strings.EqualFold(r.Header.Get("X-Amz-Bucket-Object-Lock-Enabled"), "true") {
		return s3err.New(s3err.NotImplemented, "Object lock is not supported.")
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
