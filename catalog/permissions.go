package catalog

import (
	"context"
	"errors"
	"net/http"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// permissionProbe is a backend call that reads and changes nothing, with
// the IAM action its refusal means the backend user lacks.
type permissionProbe struct {
	action string
	// noPrefixOnly probes read the whole bucket, which the policy of a
	// prefix location grants only under each gateway bucket's prefix,
	// unknown until its buckets are created.
	noPrefixOnly bool
	call         func(ctx context.Context, c *backend.Client) error
}

// permissionProbes are the reads every location needs beyond the
// versioning probe (s3:GetBucketVersioning): version listings for
// resyncs and mirror passes, upload listings for multipart uploads. The
// writes (s3:PutObject, s3:DeleteObject, ...) cannot be checked without
// a side effect; deploy/iam has the whole policy.
var permissionProbes = []permissionProbe{
	{"s3:ListBucketVersions", true, func(ctx context.Context, c *backend.Client) error {
		_, err := c.ListVersions(ctx, "", "", "", 1)
		return err
	}},
	{"s3:ListBucketMultipartUploads", false, func(ctx context.Context, c *backend.Client) error {
		_, err := c.ListMultipartUploads(ctx, backend.UploadListing{MaxUploads: 1})
		return err
	}},
}

// probeBackend reads a location's target bucket the way ringside will:
// its versioning state (which proves the endpoint answers and takes the
// keys), then each permission probe. A refusal names the missing action.
func probeBackend(ctx context.Context, client *backend.Client, l index.Location) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	state, err := client.Versioning(ctx)
	if err != nil {
		return "", probeError(l, err)
	}
	for _, p := range permissionProbes {
		if p.noPrefixOnly && !l.NoPrefix {
			continue
		}
		if err := p.call(ctx, client); err != nil {
			if denied(err) {
				return "", missingPermission(l, p.action)
			}
			return "", probeError(l, err)
		}
	}
	return state, nil
}

// denied reports a backend refusal of an action the keys are otherwise
// accepted for.
func denied(err error) bool {
	var be *backend.Error
	return errors.As(err, &be) && (be.Code == "AccessDenied" || be.Status == http.StatusForbidden)
}

func missingPermission(l index.Location, action string) error {
	return s3err.New(s3err.InvalidArgument,
		"The backend at %s accepts the keys of location %s but refuses %s on bucket %s: grant it to the backend user (deploy/iam has the policy ringside needs).",
		l.Endpoint, l.Name, action, l.TargetBucket)
}
