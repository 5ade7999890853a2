package catalog

import (
	"testing"

	"github.com/ringside/ringside/internal/s3err"
)

func TestIsRegionName(t *testing.T) {
	for s, want := range map[string]bool{
		"us-east-1": true, "eu-west-3": true, "us-gov-west-1": true, "ap-southeast-4": true, "cn-northwest-1": true,
		"il-central-1": true, "aws-global": true,
		"ring1": false, "shared": false, "us-east": false, "east-1": false, "US-EAST-1": false, "us-east-1:ingest": false, "": false,
	} {
		if got := IsRegionName(s); got != want {
			t.Errorf("IsRegionName(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestConstraintLocation(t *testing.T) {
	withDefault := newCatEnv(t, "shared")
	withDefault.addLocation("eu-central-1", "ring", false)
	noDefault := newCatEnv(t, "")
	tests := []struct {
		name               string
		env                *catEnv
		constraint, region string
		want               string
		code               s3err.Code
	}{
		{"none", withDefault, "", "eu-west-1", "", ""},
		{"a location", withDefault, "ring", "eu-west-1", "ring", ""},
		{"an unknown name, for CreateBucket to refuse", withDefault, "mars", "eu-west-1", "mars", ""},
		{"the signing region", withDefault, "eu-west-1", "eu-west-1", "", ""},
		{"aws-global", withDefault, "aws-global", "us-east-1", "", ""},
		{"us-east-1 signed for us-east-1", withDefault, "us-east-1", "us-east-1", "", ""},
		{"a location named like a region", withDefault, "eu-central-1", "us-east-1", "eu-central-1", ""},
		{"another region", withDefault, "us-west-1", "us-east-1", "", s3err.InvalidLocationConstraint},
		{"us-east-1 signed for another", withDefault, "us-east-1", "eu-west-1", "", s3err.InvalidLocationConstraint},
		{"the signing region without a default", noDefault, "eu-west-1", "eu-west-1", "", s3err.InvalidLocationConstraint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.env.cat.ConstraintLocation(tt.constraint, tt.region)
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ConstraintLocation(%q, %q) = %q, %v, want %q", tt.constraint, tt.region, got, err, tt.want)
			}
		})
	}
}
