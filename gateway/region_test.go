package gateway

import (
	"context"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ringside/ringside/catalog"
)

// TestCreateBucketRegionConstraint checks that the region an SDK sends
// as the location constraint binds the bucket to the default location,
// and that GetBucketLocation then answers the client's region.
func TestCreateBucketRegionConstraint(t *testing.T) {
	e := newS3EnvWith(t, "", func(c *Config) {
		cat, err := catalog.New(catalog.Config{DB: c.DB, DefaultLocation: "shared"})
		if err != nil {
			t.Fatal(err)
		}
		c.Catalog = cat
	})
	ctx := context.Background()
	inRegion := func(region string) *s3.Client {
		return s3.New(e.s3.Options(), func(o *s3.Options) { o.Region = region })
	}
	create := func(c *s3.Client, bucket, constraint string) error {
		in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
		if constraint != "" {
			in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(constraint)}
		}
		_, err := c.CreateBucket(ctx, in)
		return err
	}
	tests := []struct {
		name, region, bucket, constraint string
		wantLocation, wantCode           string
	}{
		{"the client's region", "eu-west-1", "eu-bucket", "eu-west-1", "shared", ""},
		{"aws-global", "us-east-1", "global-bucket", "aws-global", "shared", ""},
		{"no constraint", "us-east-1", "plain-bucket", "", "shared", ""},
		{"a location", "eu-west-1", "ring-bucket", "ring", "ring", ""},
		{"another region", "eu-west-1", "other-bucket", "us-west-2", "", "InvalidLocationConstraint"},
		{"a region in mirror mode", "eu-west-1", "mirror-bucket", "eu-west-1:ingest", "", "InvalidLocationConstraint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.bucketNames()
			err := create(inRegion(tt.region), tt.bucket, tt.constraint)
			if tt.wantCode != "" {
				wantS3Code(t, err, tt.wantCode)
				if after := e.bucketNames(); !reflect.DeepEqual(before, after) {
					t.Errorf("buckets changed: %v -> %v", before, after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b, err := e.db.GetBucket(tt.bucket); err != nil || b.Location != tt.wantLocation {
				t.Fatalf("bucket %s = %+v, %v, want location %s", tt.bucket, b, err, tt.wantLocation)
			}
		})
	}

	for region, want := range map[string]s3types.BucketLocationConstraint{"eu-west-1": "eu-west-1", "ap-south-2": "ap-south-2", "us-east-1": ""} {
		out, err := inRegion(region).GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("eu-bucket")})
		if err != nil || out.LocationConstraint != want {
			t.Errorf("GetBucketLocation signed for %s = %+v, %v, want %q", region, out, err, want)
		}
	}
	_, err := e.s3.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("nosuch")})
	wantS3Code(t, err, "NoSuchBucket")
}
