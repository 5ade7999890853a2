package gateway

import (
	"context"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// tagsOf lists a tag set as "k=v".
func tagsOf(set []s3types.Tag) []string {
	out := []string{}
	for _, t := range set {
		out = append(out, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
	}
	return out
}

func TestTaggingPassThrough(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "ring")
	v1 := aws.ToString(e.put("data", "k", "body", func(in *s3.PutObjectInput) { in.Tagging = aws.String("a=1&b=2") }).VersionId)

	backendTags := func() []string {
		out, err := e.direct.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("ring"), Key: aws.String("k")})
		if err != nil {
			t.Fatal(err)
		}
		return tagsOf(out.TagSet)
	}
	gatewayTags := func(version string) []string {
		in := &s3.GetObjectTaggingInput{Bucket: aws.String("data"), Key: aws.String("k")}
		if version != "" {
			in.VersionId = aws.String(version)
		}
		out, err := e.s3.GetObjectTagging(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return tagsOf(out.TagSet)
	}
	if got := backendTags(); !reflect.DeepEqual(got, []string{"a=1", "b=2"}) {
		t.Errorf("backend tags after put = %v", got)
	}
	if got := gatewayTags(""); !reflect.DeepEqual(got, []string{"a=1", "b=2"}) {
		t.Errorf("gateway tags after put = %v", got)
	}

	v2 := aws.ToString(e.put("data", "k", "body2").VersionId)
	if _, err := e.s3.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{
		Bucket: aws.String("data"), Key: aws.String("k"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("c"), Value: aws.String("3")}}},
	}); err != nil {
		t.Fatal(err)
	}
	if got := backendTags(); !reflect.DeepEqual(got, []string{"c=3"}) {
		t.Errorf("backend tags of the latest = %v", got)
	}
	if got := gatewayTags(v1); !reflect.DeepEqual(got, []string{"a=1", "b=2"}) {
		t.Errorf("tags of the first version = %v", got)
	}
	if _, err := e.s3.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: aws.String("data"), Key: aws.String("k"), VersionId: aws.String(v2)}); err != nil {
		t.Fatal(err)
	}
	if got := backendTags(); len(got) != 0 {
		t.Errorf("backend tags after delete = %v", got)
	}
	// Tagging never touches the data.
	if _, body := e.get("data", "k"); body != "body2" {
		t.Errorf("body after tagging = %q", body)
	}
	if got := e.listVersions("data"); len(got) != 2 {
		t.Errorf("versions after tagging = %v", got)
	}
}
