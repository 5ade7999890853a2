package catalog

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// Region names in CreateBucket's location constraint.
//
// SDKs and aws-cli send the region they are configured with as the
// location constraint of every CreateBucket outside us-east-1 (aws-cli v2
// without a region sends aws-global). ringside has no region of its own:
// it verifies signatures for any. So a constraint that is the region the
// request is signed for, or aws-global, asks for no location in
// particular, and binds the bucket to the default location. Any other
// region name is refused, as S3 refuses a constraint for another region
// than its endpoint's. A location's own name always wins over these
// rules, so a location named like a region stays reachable.

// regionPattern matches AWS region names: us-east-1, eu-central-2,
// us-gov-west-1, ap-southeast-4, cn-northwest-1.
var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)

// globalRegion is what aws-cli v2 sends when it has no region.
const globalRegion = "aws-global"

// IsRegionName reports whether a location constraint is an AWS region
// name rather than one of ringside's locations.
func IsRegionName(s string) bool {
	return s == globalRegion || regionPattern.MatchString(s)
}

// ConstraintLocation resolves a CreateBucket location constraint (without
// ":ingest") sent with a request signed for signingRegion to the location
// to bind the bucket to: "" for the default location. A name that is
// neither a region nor a location is returned as it is, for CreateBucket
// to refuse with the locations that exist.
func (c *Catalog) ConstraintLocation(constraint, signingRegion string) (string, error) {
	if constraint == "" || !IsRegionName(constraint) {
		return constraint, nil
	}
	if _, err := c.db.GetLocation(constraint); err == nil {
		return constraint, nil
	} else if !errors.Is(err, index.ErrNotFound) {
		return "", fmt.Errorf("read location %s: %w", constraint, err)
	}
	if constraint != signingRegion && constraint != globalRegion {
		return "", s3err.New(s3err.InvalidLocationConstraint, "The specified location-constraint is not valid")
	}
	if c.defaultLocation == "" {
		return "", s3err.New(s3err.InvalidLocationConstraint,
			"The location constraint %s is the client's region, which binds a bucket to the default location, and none is set: start ringside with --default-location, or create the bucket with LocationConstraint=LOCATION%s.",
			constraint, c.knownLocations())
	}
	return "", nil
}
