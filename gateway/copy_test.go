package gateway

import (
	"context"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestCopy(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "ring")
	e.createBucket("plain", "shared")
	v1 := aws.ToString(e.put("data", "src", "first", func(in *s3.PutObjectInput) {
		in.Metadata = map[string]string{"one": "1"}
		in.ContentType = aws.String("text/one")
	}).VersionId)
	e.put("data", "src", "second", func(in *s3.PutObjectInput) { in.Metadata = map[string]string{"two": "2"} })

	copyTo := func(bucket, key, source string, edit func(*s3.CopyObjectInput)) (*s3.CopyObjectOutput, error) {
		in := &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), CopySource: aws.String(source)}
		if edit != nil {
			edit(in)
		}
		return e.s3.CopyObject(ctx, in)
	}
	check := func(bucket, key, body string, meta map[string]string, contentType string) {
		t.Helper()
		out, got := e.get(bucket, key)
		if got != body || !reflect.DeepEqual(out.Metadata, meta) || aws.ToString(out.ContentType) != contentType {
			t.Errorf("%s/%s = %q %v %q; want %q %v %q", bucket, key, got, out.Metadata, aws.ToString(out.ContentType), body, meta, contentType)
		}
	}

	// A source version, with its metadata (the COPY directive).
	out, err := copyTo("data", "from-v1", "data/src?versionId="+v1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.CopySourceVersionId) != v1 || aws.ToString(out.VersionId) == "" ||
		out.CopyObjectResult == nil || aws.ToString(out.CopyObjectResult.ETag) != md5ETag("first") {
		t.Errorf("copy answered %+v %+v", out, out.CopyObjectResult)
	}
	check("data", "from-v1", "first", map[string]string{"one": "1"}, "text/one")
	if v, err := e.db.Latest("data", "from-v1"); err != nil || v.VersionID != aws.ToString(out.VersionId) || v.Size != 5 {
		t.Errorf("index record of the copy = %+v, %v", v, err)
	}

	// The REPLACE directive takes the request's metadata.
	if _, err := copyTo("data", "replaced", "data/src", func(in *s3.CopyObjectInput) {
		in.MetadataDirective = s3types.MetadataDirectiveReplace
		in.Metadata = map[string]string{"three": "3"}
		in.ContentType = aws.String("text/three")
	}); err != nil {
		t.Fatal(err)
	}
	check("data", "replaced", "second", map[string]string{"three": "3"}, "text/three")

	// Between locations the copy is streamed.
	if _, err := copyTo("plain", "copied", "data/src", nil); err != nil {
		t.Fatal(err)
	}
	check("plain", "copied", "second", map[string]string{"two": "2"}, sdkContentType)
	if keys := e.backendKeys("shared"); !reflect.DeepEqual(keys, []string{"plain/copied"}) {
		t.Errorf("shared backend keys = %v", keys)
	}

	// Refusals change nothing.
	_, err = copyTo("data", "src", "data/src", nil)
	wantS3Code(t, err, "InvalidRequest")
	_, err = copyTo("data", "dst", "data/src", func(in *s3.CopyObjectInput) { in.CopySourceIfMatch = aws.String(`"nomatch"`) })
	wantS3Code(t, err, "PreconditionFailed")
	_, err = copyTo("data", "dst", "data/missing", nil)
	wantS3Code(t, err, "NoSuchKey")
	_, err = copyTo("data", "dst", "nobucket/src", nil)
	wantS3Code(t, err, "NoSuchBucket")
	_, err = copyTo("data", "dst", "data/src", func(in *s3.CopyObjectInput) { in.MetadataDirective = "MERGE" })
	wantS3Code(t, err, "InvalidArgument")
	if _, err := e.db.Latest("data", "dst"); err == nil {
		t.Error("a refused copy was indexed")
	}
	if _, body := e.get("data", "src"); body != "second" {
		t.Errorf("source = %q after refused copies", body)
	}
}

func TestParseCopySource(t *testing.T) {
	tests := []struct {
		in   string
		want objectRef
		bad  bool
	}{
		{"data/key", objectRef{bucket: "data", key: "key"}, false},
		{"/data/dir/key", objectRef{bucket: "data", key: "dir/key"}, false},
		{"data/a%20b%3Fc", objectRef{bucket: "data", key: "a b?c"}, false},
		{"data/a+b", objectRef{bucket: "data", key: "a+b"}, false},
		{"data/k?versionId=AB+c/d==", objectRef{bucket: "data", key: "k", version: "AB+c/d=="}, false},
		{"data/k?versionId=AB%2Bc", objectRef{bucket: "data", key: "k", version: "AB+c"}, false},
		{"data/k?versionId=", objectRef{}, true},
		{"data", objectRef{}, true},
		{"data/", objectRef{}, true},
		{"/", objectRef{}, true},
		{"data/%zz", objectRef{}, true},
	}
	for _, tt := range tests {
		got, err := parseCopySource(tt.in)
		if (err != nil) != tt.bad || !tt.bad && got != tt.want {
			t.Errorf("parseCopySource(%q) = %+v, %v; want %+v, bad=%v", tt.in, got, err, tt.want, tt.bad)
		}
	}
}
