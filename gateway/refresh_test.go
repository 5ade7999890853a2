package gateway

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// When the indexed latest version was removed out of band (and a newer one
// written), a GET or a copy through the gateway reads the key again from
// the backend instead of failing with NoSuchVersion.
func TestStaleLatestIsRefreshed(t *testing.T) {
	tests := []struct {
		name string
		read func(e *s3Env) (string, error)
	}{
		{"get", func(e *s3Env) (string, error) {
			out, err := e.s3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("k")})
			if err != nil {
				return "", err
			}
			defer out.Body.Close()
			b, err := io.ReadAll(out.Body)
			return string(b), err
		}},
		{"copy", func(e *s3Env) (string, error) {
			if _, err := e.s3.CopyObject(context.Background(), &s3.CopyObjectInput{
				Bucket: aws.String("data"), Key: aws.String("copy"), CopySource: aws.String("data/k"),
			}); err != nil {
				return "", err
			}
			_, body := e.get("data", "copy")
			return body, nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newS3Env(t)
			e.createBucket("data", "ring")
			old := aws.ToString(e.put("data", "k", "old").VersionId)
			ctx := context.Background()
			if _, err := e.direct.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("ring"), Key: aws.String("k"), Body: strings.NewReader("new")}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.direct.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("ring"), Key: aws.String("k"), VersionId: aws.String(old)}); err != nil {
				t.Fatal(err)
			}
			got, err := tt.read(e)
			if err != nil {
				t.Fatalf("read through the gateway: %v", err)
			}
			if got != "new" {
				t.Fatalf("read %q, want %q", got, "new")
			}
			vs, err := e.db.KeyVersions("data", "k")
			if err != nil || len(vs) != 1 || vs[0].VersionID == old {
				t.Fatalf("index versions = %+v, %v; want only the new version", vs, err)
			}
		})
	}
}
