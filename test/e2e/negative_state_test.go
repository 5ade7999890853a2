package e2e

// What a refused request must leave as it was: the backend bucket (every
// version's bytes, metadata and tags, the uploads in progress and their
// parts, its versioning), the gateway's buckets and its listing. (Not the
// backend's list of buckets: other tests share the backend and add theirs.)

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// stateWatch names what a snapshot looks at beyond the bucket's versions.
type stateWatch struct {
	gw       *Gateway
	be       *Backend
	gwBucket string
	beBucket string
	// uploads are multipart uploads in progress, upload ID by key.
	uploads map[string]string
	// uploadKeys are keys under which a new upload must not appear.
	uploadKeys []string
}

// snapshot describes the watched state, one fact per line, read straight
// from the backend, and from the gateway with valid credentials.
func (w stateWatch) snapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }

	v, err := w.be.S3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(w.beBucket)})
	if err != nil {
		t.Fatalf("snapshot: versioning of %s: %v", w.beBucket, err)
	}
	add("backend versioning %s", v.Status)
	l, err := listVersions(ctx, w.be.S3, w.beBucket, "", "", 1000)
	if err != nil {
		t.Fatalf("snapshot: backend: %v", err)
	}
	for _, ver := range l.All() {
		add("backend %s", ver)
		if !ver.DeleteMarker {
			add("backend %s@%s %s", ver.Key, ver.VersionID, w.versionDetail(t, ver.Key, ver.VersionID))
		}
	}
	for _, key := range w.uploadKeys {
		out, err := w.be.S3.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(w.beBucket), Prefix: aws.String(key)})
		if err != nil {
			t.Fatalf("snapshot: uploads under %s: %v", key, err)
		}
		for _, u := range out.Uploads {
			if aws.ToString(u.Key) == key {
				add("backend upload %s %s", key, aws.ToString(u.UploadId))
			}
		}
	}
	for _, key := range sortedKeys(w.uploads) {
		add("backend upload %s %s parts %s", key, w.uploads[key], w.parts(t, key, w.uploads[key]))
	}
	gwBuckets, err := w.gw.S3.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatalf("snapshot: gateway buckets: %v", err)
	}
	for _, b := range gwBuckets.Buckets {
		add("gateway bucket %s", aws.ToString(b.Name))
	}
	gl, err := listVersions(ctx, w.gw.S3, w.gwBucket, "", "", 1000)
	if err != nil {
		t.Fatalf("snapshot: gateway: %v", err)
	}
	for _, ver := range gl.All() {
		add("gateway %s", ver)
	}
	return strings.Join(lines, "\n")
}

// versionDetail is one version's bytes, headers and tags on the backend.
func (w stateWatch) versionDetail(t *testing.T, key, version string) string {
	t.Helper()
	ctx := context.Background()
	out, err := w.be.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(w.beBucket), Key: aws.String(key), VersionId: aws.String(version)})
	if err != nil {
		t.Fatalf("snapshot: GET %s@%s: %v", key, version, err)
	}
	data, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil {
		t.Fatalf("snapshot: read %s@%s: %v", key, version, err)
	}
	var meta []string
	for k, v := range out.Metadata {
		meta = append(meta, strings.ToLower(k)+"="+v)
	}
	slices.Sort(meta)
	tags, err := w.be.S3.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(w.beBucket), Key: aws.String(key), VersionId: aws.String(version)})
	if err != nil {
		t.Fatalf("snapshot: tags of %s@%s: %v", key, version, err)
	}
	var tagList []string
	for _, tg := range tags.TagSet {
		tagList = append(tagList, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
	}
	slices.Sort(tagList)
	return fmt.Sprintf("bytes=%d sha256=%s type=%q meta=%v tags=%v", len(data), sum(data), aws.ToString(out.ContentType), meta, tagList)
}

// parts lists an upload's parts on the backend.
func (w stateWatch) parts(t *testing.T, key, id string) string {
	t.Helper()
	out, err := w.be.S3.ListParts(context.Background(), &s3.ListPartsInput{Bucket: aws.String(w.beBucket), Key: aws.String(key), UploadId: aws.String(id)})
	if err != nil {
		return "error " + errCode(err)
	}
	var ps []string
	for _, p := range out.Parts {
		ps = append(ps, fmt.Sprintf("%d:%s:%d", aws.ToInt32(p.PartNumber), aws.ToString(p.ETag), aws.ToInt64(p.Size)))
	}
	return fmt.Sprint(ps)
}

// diffLines describes how after differs from before, line by line.
func diffLines(before, after string) string {
	b, a := strings.Split(before, "\n"), strings.Split(after, "\n")
	var out []string
	for _, l := range b {
		if !slices.Contains(a, l) {
			out = append(out, "- "+l)
		}
	}
	for _, l := range a {
		if !slices.Contains(b, l) {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
