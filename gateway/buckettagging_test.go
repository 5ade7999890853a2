package gateway

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func tags(kv ...string) []s3types.Tag {
	out := make([]s3types.Tag, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, s3types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

func tagPairs(ts []s3types.Tag) []string {
	var out []string
	for _, t := range ts {
		out = append(out, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
	}
	return out
}

// TestBucketTagging checks that each gateway bucket has its own tag set,
// on a prefix location where buckets share a backend bucket as on a
// no-prefix one, and that the backend bucket's tags are left alone.
func TestBucketTagging(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("one", "shared")
	e.createBucket("two", "shared")
	e.createBucket("solo", "ring")

	for _, b := range []string{"one", "two", "solo"} {
		_, err := e.s3.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(b)})
		wantS3Code(t, err, "NoSuchTagSet")
		if msg := apiMessage(err); msg != "The TagSet does not exist." {
			t.Errorf("NoSuchTagSet message = %q", msg)
		}
	}
	for _, b := range []string{"one", "solo"} {
		out, err := e.s3.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(b),
			Tagging: &s3types.Tagging{TagSet: tags("team", b, "cost center", "a+b=c._:/@", "empty", "")}})
		if err != nil {
			t.Fatalf("put tags of %s: %v", b, err)
		}
		if got := statusOf(out.ResultMetadata); got != 204 {
			t.Errorf("PutBucketTagging status = %d, want 204", got)
		}
	}
	for b, want := range map[string][]string{
		"one":  {"team=one", "cost center=a+b=c._:/@", "empty="},
		"solo": {"team=solo", "cost center=a+b=c._:/@", "empty="},
	} {
		out, err := e.s3.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(b)})
		if err != nil || !reflect.DeepEqual(tagPairs(out.TagSet), want) {
			t.Fatalf("tags of %s = %v, %v, want %v", b, tagPairs(out.TagSet), err, want)
		}
	}
	// The neighbour on the same backend bucket has none.
	_, err := e.s3.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("two")})
	wantS3Code(t, err, "NoSuchTagSet")
	// The backend buckets' own tags are untouched.
	for _, b := range []string{"shared", "ring"} {
		_, err := e.direct.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(b)})
		if err == nil {
			t.Errorf("backend bucket %s has tags", b)
		}
	}

	out, err := e.s3.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String("one")})
	if err != nil || statusOf(out.ResultMetadata) != 204 {
		t.Fatalf("delete tags: %v", err)
	}
	_, err = e.s3.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("one")})
	wantS3Code(t, err, "NoSuchTagSet")

	for name, call := range map[string]func() error{
		"get": func() error {
			_, err := e.s3.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("nosuch")})
			return err
		},
		"put": func() error {
			_, err := e.s3.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("nosuch"), Tagging: &s3types.Tagging{TagSet: tags("a", "b")}})
			return err
		},
		"delete": func() error {
			_, err := e.s3.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String("nosuch")})
			return err
		},
	} {
		if err := call(); apiErrorCode(err) != "NoSuchBucket" {
			t.Errorf("%s of a missing bucket: %v", name, err)
		}
	}

	// A deleted bucket's tags do not pass to a new bucket of its name.
	if _, err := e.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("solo")}); err != nil {
		t.Fatal(err)
	}
	e.createBucket("solo", "ring")
	_, err = e.s3.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("solo")})
	wantS3Code(t, err, "NoSuchTagSet")
}

func TestBucketTaggingRefusals(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("tagged", "shared")
	if _, err := e.s3.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("tagged"), Tagging: &s3types.Tagging{TagSet: tags("keep", "me")}}); err != nil {
		t.Fatal(err)
	}
	many := make([]string, 0, 102)
	for i := range 51 {
		many = append(many, fmt.Sprintf("k%d", i), "v")
	}
	fifty := many[:100]
	tests := []struct {
		name      string
		set       []s3types.Tag
		code, msg string
	}{
		{"key too long", tags(strings.Repeat("k", 129), "v"), "InvalidTag", "The TagKey you have provided is invalid"},
		{"empty key", tags("", "v"), "InvalidTag", "The TagKey you have provided is invalid"},
		{"key with !", tags("user!name", "v"), "InvalidTag", "The TagKey you have provided is invalid"},
		{"key with %", tags("ok", "v", "data%20", "v"), "InvalidTag", "The TagKey you have provided is invalid"},
		{"value too long", tags("k", strings.Repeat("v", 257)), "InvalidTag", "The TagValue you have provided is invalid"},
		{"value with ?", tags("k", "name?test"), "InvalidTag", "The TagValue you have provided is invalid"},
		{"value with a comma", tags("k", "a,b"), "InvalidTag", "The TagValue you have provided is invalid"},
		{"aws: key", tags("aws:owner", "v"), "InvalidTag", "Your TagKey cannot be prefixed with aws:"},
		{"duplicate keys", tags("key", "value", "key", "value-1", "key-1", "v"), "InvalidTag", "Cannot provide multiple Tags with the same key"},
		{"51 tags", tags(many...), "BadRequest", "Bucket tag count cannot be greater than 50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.s3.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("tagged"), Tagging: &s3types.Tagging{TagSet: tt.set}})
			wantS3Code(t, err, tt.code)
			if httpStatusOf(err) != 400 || apiMessage(err) != tt.msg {
				t.Errorf("got %d %q, want 400 %q", httpStatusOf(err), apiMessage(err), tt.msg)
			}
			out, err := e.s3.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("tagged")})
			if err != nil || !reflect.DeepEqual(tagPairs(out.TagSet), []string{"keep=me"}) {
				t.Errorf("tags after a refusal = %v, %v", tagPairs(out.TagSet), err)
			}
		})
	}
	// Fifty tags, with the longest key and value, are accepted.
	fifty[0], fifty[1] = strings.Repeat("k", 128), strings.Repeat("v", 256)
	if _, err := e.s3.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("tagged"), Tagging: &s3types.Tagging{TagSet: tags(fifty...)}}); err != nil {
		t.Fatalf("fifty tags: %v", err)
	}
	// Malformed documents.
	for name, body := range map[string]string{
		"not XML":   "<Tagging><TagSet>",
		"no TagSet": "<Tagging></Tagging>",
		"no Value":  "<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>",
	} {
		resp, text := e.rawSigned("PUT", "/tagged?tagging", body, nil)
		if resp.StatusCode != 400 || !strings.Contains(text, "<Code>MalformedXML</Code>") {
			t.Errorf("%s: %d %s", name, resp.StatusCode, text)
		}
	}
}

// statusOf is the HTTP status of an SDK call that succeeded.
func statusOf(md middleware.Metadata) int {
	if resp, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok {
		return resp.StatusCode
	}
	return 0
}
