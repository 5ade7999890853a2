package e2e

// S3 helpers over aws-sdk-go-v2: payloads, reading objects, and the
// listings the tests compare between the gateway and the backend.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// payload is size pseudo-random bytes determined by seed.
func payload(seed uint64, size int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, size)
	for i := 0; i+8 <= size; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := size - size%8; i < size; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

// writeFile writes data to name in dir and returns the path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sum(b)
}

func put(ctx context.Context, c *s3.Client, bucket, key string, data []byte, contentType string, meta map[string]string) (*s3.PutObjectOutput, error) {
	in := &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key),
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))),
		Metadata: meta,
	}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	return c.PutObject(ctx, in)
}

// errCode is the S3 error code of err, or "".
func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isNotFound reports whether err is S3's answer for a missing key (HEAD
// gives a bare 404 "NotFound").
func isNotFound(err error) bool {
	switch errCode(err) {
	case "NoSuchKey", "NotFound", "MethodNotAllowed":
		return true
	}
	return false
}

// ver is one entry of a version listing, as the tests compare them.
type ver struct {
	Key          string
	VersionID    string
	Latest       bool
	DeleteMarker bool
	Size         int64
	ETag         string
}

func (v ver) String() string {
	kind := "v"
	if v.DeleteMarker {
		kind = "dm"
	}
	latest := ""
	if v.Latest {
		latest = " latest"
	}
	return fmt.Sprintf("%s %s@%s%s size=%d etag=%s", kind, v.Key, v.VersionID, latest, v.Size, v.ETag)
}

// versionListing is a bucket's whole version listing. aws-sdk-go-v2 splits
// each page into versions and delete markers, so the two keep their own
// order (keys ascending, newest first within a key).
type versionListing struct {
	Versions      []ver
	DeleteMarkers []ver
}

// All is every entry, sorted by key then version ID (for reports).
func (l versionListing) All() []ver {
	all := append(append([]ver{}, l.Versions...), l.DeleteMarkers...)
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].Key != all[j].Key {
			return all[i].Key < all[j].Key
		}
		return all[i].VersionID < all[j].VersionID
	})
	return all
}

// listVersions pages through ListObjectVersions (pageSize per page), and
// strips strip from the front of every key (a prefix location's
// "<bucket>/").
func listVersions(ctx context.Context, c *s3.Client, bucket, prefix, strip string, pageSize int32) (versionListing, error) {
	var l versionListing
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), MaxKeys: aws.Int32(pageSize)}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	for pages := 0; ; pages++ {
		if pages > 100000 {
			return l, fmt.Errorf("list versions of %s: the listing does not end", bucket)
		}
		out, err := c.ListObjectVersions(ctx, in)
		if err != nil {
			return l, fmt.Errorf("list versions of %s: %w", bucket, err)
		}
		for _, v := range out.Versions {
			l.Versions = append(l.Versions, ver{
				Key: strings.TrimPrefix(aws.ToString(v.Key), strip), VersionID: aws.ToString(v.VersionId),
				Latest: aws.ToBool(v.IsLatest), Size: aws.ToInt64(v.Size), ETag: aws.ToString(v.ETag),
			})
		}
		for _, d := range out.DeleteMarkers {
			l.DeleteMarkers = append(l.DeleteMarkers, ver{
				Key: strings.TrimPrefix(aws.ToString(d.Key), strip), VersionID: aws.ToString(d.VersionId),
				Latest: aws.ToBool(d.IsLatest), DeleteMarker: true,
			})
		}
		if !aws.ToBool(out.IsTruncated) {
			return l, nil
		}
		if aws.ToString(out.NextKeyMarker) == "" {
			return l, fmt.Errorf("list versions of %s: truncated page without NextKeyMarker", bucket)
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
}

// diffListings describes how got differs from want, or returns "".
func diffListings(got, want versionListing) string {
	var b strings.Builder
	diffVers(&b, "versions", got.Versions, want.Versions)
	diffVers(&b, "delete markers", got.DeleteMarkers, want.DeleteMarkers)
	return b.String()
}

func diffVers(b *strings.Builder, what string, got, want []ver) {
	if len(got) == len(want) {
		same := true
		for i := range got {
			if got[i] != want[i] {
				same = false
				break
			}
		}
		if same {
			return
		}
	}
	fmt.Fprintf(b, "%s differ (gateway %d, backend %d):\n", what, len(got), len(want))
	n := max(len(got), len(want))
	shown := 0
	for i := 0; i < n && shown < 30; i++ {
		var g, w string
		if i < len(got) {
			g = got[i].String()
		}
		if i < len(want) {
			w = want[i].String()
		}
		if g != w {
			fmt.Fprintf(b, "  [%d] gateway: %s\n      backend: %s\n", i, g, w)
			shown++
		}
	}
}

// obj is one current object of a listing.
type obj struct {
	Key  string
	Size int64
	ETag string
}

// listObjects pages through ListObjectsV2 without a delimiter.
func listObjects(ctx context.Context, c *s3.Client, bucket, prefix, strip string) ([]obj, error) {
	var objs []obj
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(1000)}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	for {
		out, err := c.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list objects of %s: %w", bucket, err)
		}
		for _, o := range out.Contents {
			objs = append(objs, obj{Key: strings.TrimPrefix(aws.ToString(o.Key), strip), Size: aws.ToInt64(o.Size), ETag: aws.ToString(o.ETag)})
		}
		if !aws.ToBool(out.IsTruncated) {
			return objs, nil
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}

// mirrorPair is a gateway bucket and the backend bucket (and key prefix)
// that holds its objects.
type mirrorPair struct {
	gw       *Gateway
	be       *Backend
	gwBucket string
	beBucket string
	prefix   string // "" for no-prefix locations, "<bucket>/" otherwise
}

// compare returns nil when the gateway's version listing, current-object
// listing and current objects' metadata equal the backend's.
func (p mirrorPair) compare(ctx context.Context, withMeta bool) error {
	got, err := listVersions(ctx, p.gw.S3, p.gwBucket, "", "", 1000)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	want, err := listVersions(ctx, p.be.S3, p.beBucket, p.prefix, p.prefix, 1000)
	if err != nil {
		return fmt.Errorf("backend: %w", err)
	}
	if d := diffListings(got, want); d != "" {
		return errors.New(d)
	}
	gotObjs, err := listObjects(ctx, p.gw.S3, p.gwBucket, "", "")
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	wantObjs, err := listObjects(ctx, p.be.S3, p.beBucket, p.prefix, p.prefix)
	if err != nil {
		return fmt.Errorf("backend: %w", err)
	}
	if fmt.Sprint(gotObjs) != fmt.Sprint(wantObjs) {
		return fmt.Errorf("current objects differ:\n  gateway: %v\n  backend: %v", gotObjs, wantObjs)
	}
	if withMeta {
		for _, o := range wantObjs {
			if err := p.compareHead(ctx, o.Key); err != nil {
				return err
			}
		}
	}
	return nil
}

// compareHead checks that HEAD of key answers the same through the gateway
// and on the backend.
func (p mirrorPair) compareHead(ctx context.Context, key string) error {
	g, err := p.gw.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(p.gwBucket), Key: aws.String(key)})
	if err != nil {
		return fmt.Errorf("gateway HEAD %s: %w", key, err)
	}
	b, err := p.be.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(p.beBucket), Key: aws.String(p.prefix + key)})
	if err != nil {
		return fmt.Errorf("backend HEAD %s: %w", key, err)
	}
	gs := headSummary(g)
	bs := headSummary(b)
	if gs != bs {
		return fmt.Errorf("HEAD %s differs:\n  gateway: %s\n  backend: %s", key, gs, bs)
	}
	return nil
}

func headSummary(h *s3.HeadObjectOutput) string {
	keys := make([]string, 0, len(h.Metadata))
	for k := range h.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var meta []string
	for _, k := range keys {
		meta = append(meta, strings.ToLower(k)+"="+h.Metadata[k])
	}
	return fmt.Sprintf("version=%s size=%d etag=%s type=%q cache=%q meta=%v",
		aws.ToString(h.VersionId), aws.ToInt64(h.ContentLength), aws.ToString(h.ETag),
		aws.ToString(h.ContentType), aws.ToString(h.CacheControl), meta)
}
