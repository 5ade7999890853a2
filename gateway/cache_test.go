package gateway

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ringside/ringside/objcache"
)

// newCachedEnv is an s3Env whose gateway has an object cache.
func newCachedEnv(t *testing.T) (*s3Env, *objcache.Cache) {
	t.Helper()
	c, err := objcache.New(objcache.Config{MaxBytes: 1 << 20, MaxObject: 64 << 10, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	e := newS3EnvWith(t, "", func(cfg *Config) { cfg.Cache = c })
	return e, c
}

// answer is what a raw request got back.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// signedGet sends a GET signed with the client's key to base+path.
func signedGet(t *testing.T, base, path string, h http.Header) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	creds := aws.Credentials{AccessKeyID: clientAccess, SecretAccessKey: clientSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	// What names one answer, and no other, is left out.
	resp.Header.Del("Date")
	resp.Header.Del("X-Amz-Request-Id")
	resp.Header.Del("X-Amz-Id-2")
	b = requestIDs.ReplaceAll(b, nil)
	return answer{resp.StatusCode, resp.Header, b}
}

// requestIDs are the elements of an error document that name its request.
var requestIDs = regexp.MustCompile(`<(RequestId|HostId)>[^<]*</(RequestId|HostId)>`)

// cacheHits is how many reads the cache answered.
func cacheHits(t *testing.T, c *objcache.Cache) uint64 {
	t.Helper()
	return c.Stats().Hits
}

// TestCachedReadsMatchBackendReads answers the same reads of a version
// held in the cache through a gateway with the cache and through one
// without it, over the same index and backend: status, headers and body
// are the same, and the cache answered those it should. It does so for
// each tier: the memory tier holds the versions from the write and the
// first read, the disk tier once each was read twice and filled.
func TestCachedReadsMatchBackendReads(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		e, c := newCachedEnv(t)
		checkCachedReads(t, e, func() uint64 { return cacheHits(t, c) }, func([]string) { c.Wait() })
	})
	t.Run("disk", func(t *testing.T) {
		e, d := newDiskCachedEnv(t)
		checkCachedReads(t, e, func() uint64 { return d.Stats().Hits }, func(keys []string) {
			for _, k := range keys {
				e.get("hot", k)
			}
			waitFills(t, d, 2)
		})
	})
}

// checkCachedReads is TestCachedReadsMatchBackendReads over the gateway
// of e, whose cache answered hits reads; warm has the cache take the
// versions of keys, each read once.
func checkCachedReads(t *testing.T, e *s3Env, hits func() uint64, warm func(keys []string)) {
	ctx := context.Background()
	e.createBucket("hot", "shared")
	body := strings.Repeat("0123456789abcdefghij", 50) // 1000 bytes
	put := e.put("hot", "through", body, func(in *s3.PutObjectInput) {
		in.ContentType = aws.String("text/plain")
		in.Metadata = map[string]string{"color": "blue"}
		in.Tagging = aws.String("a=1&b=2")
		in.ChecksumAlgorithm = s3types.ChecksumAlgorithmCrc32
	})
	// One written on the backend and read once through the gateway,
	// which fills the memory tier as it streams it.
	if _, err := e.direct.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("hot/direct"),
		Body: strings.NewReader(body), Tagging: aws.String("x=y")}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"through", "direct"} {
		if _, got := e.get("hot", k); got != body {
			t.Fatalf("first read of %s: %d bytes", k, len(got))
		}
	}
	warm([]string{"through", "direct"})

	plain, _ := newGatewayOver(t, e.db, nil)
	uncached := httptest.NewServer(plain.Handler())
	t.Cleanup(uncached.Close)

	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	future := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	etag := aws.ToString(put.ETag)
	tests := []struct {
		name      string
		key       string
		query     string
		header    map[string]string
		fromCache bool
	}{
		{name: "whole", key: "through", fromCache: true},
		{name: "whole, filled on read", key: "direct", fromCache: true},
		{name: "named version", key: "through", query: "?versionId=" + url.QueryEscape(aws.ToString(put.VersionId)), fromCache: true},
		{name: "range", key: "through", header: map[string]string{"Range": "bytes=10-19"}, fromCache: true},
		{name: "open range", key: "through", header: map[string]string{"Range": "bytes=990-"}, fromCache: true},
		{name: "range past the end", key: "through", header: map[string]string{"Range": "bytes=995-5000"}, fromCache: true},
		{name: "suffix range", key: "direct", header: map[string]string{"Range": "bytes=-7"}, fromCache: true},
		{name: "suffix longer than the object", key: "through", header: map[string]string{"Range": "bytes=-5000"}, fromCache: true},
		{name: "invalid range ignored", key: "through", header: map[string]string{"Range": "bytes=z-3"}, fromCache: true},
		{name: "several ranges ignored", key: "through", header: map[string]string{"Range": "bytes=0-1,5-6"}, fromCache: true},
		{name: "unsatisfiable range", key: "through", header: map[string]string{"Range": "bytes=1000-"}},
		{name: "if-match", key: "through", header: map[string]string{"If-Match": etag}, fromCache: true},
		{name: "if-match fails", key: "through", header: map[string]string{"If-Match": `"nope"`}},
		{name: "if-none-match", key: "through", header: map[string]string{"If-None-Match": etag}},
		{name: "if-none-match other", key: "through", header: map[string]string{"If-None-Match": `"nope"`, "Range": "bytes=0-3"}, fromCache: true},
		{name: "if-modified-since", key: "through", header: map[string]string{"If-Modified-Since": future}},
		{name: "if-modified-since past", key: "through", header: map[string]string{"If-Modified-Since": past}, fromCache: true},
		{name: "if-unmodified-since", key: "through", header: map[string]string{"If-Unmodified-Since": past}},
		{name: "checksum mode", key: "through", header: map[string]string{"X-Amz-Checksum-Mode": "ENABLED"}, fromCache: true},
		{name: "checksum mode, range", key: "through", header: map[string]string{"X-Amz-Checksum-Mode": "ENABLED", "Range": "bytes=1-2"}, fromCache: true},
		{name: "response overrides", key: "direct", query: "?response-content-type=x%2Fy&response-cache-control=no-store", fromCache: true},
		{name: "part number", key: "through", query: "?partNumber=1"},
		{name: "part number 2", key: "through", query: "?partNumber=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			path := "/hot/" + tt.key + tt.query
			want := signedGet(t, uncached.URL, path, h)
			before := hits()
			got := signedGet(t, e.url, path, h)
			if hit := hits() > before; hit != tt.fromCache {
				t.Errorf("answered from the cache: %v, want %v", hit, tt.fromCache)
			}
			if got.status != want.status || !bytes.Equal(got.body, want.body) {
				t.Errorf("status %d, %d bytes %.40q; want %d, %d bytes %.40q", got.status, len(got.body), got.body, want.status, len(want.body), want.body)
			}
			for _, name := range headerNames(got.header, want.header) {
				if g, w := got.header.Values(name), want.header.Values(name); strings.Join(g, "\n") != strings.Join(w, "\n") {
					t.Errorf("header %s = %q, want %q", name, g, w)
				}
			}
		})
	}
}

// headerNames is every header name of a and b.
func headerNames(a, b http.Header) []string {
	var names []string
	for k := range a {
		names = append(names, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			names = append(names, k)
		}
	}
	return names
}

// TestCacheFollowsTheIndex caches a version of a mirror bucket's key, then
// changes the key on the backend: once the index has moved to a new
// version, a delete marker, or back to the cached version, a GET answers
// what the index says and never the cached bytes of another version.
func TestCacheFollowsTheIndex(t *testing.T) {
	e, c := newCachedEnv(t)
	ctx := context.Background()
	if err := e.mirror.Start(ctx); err != nil {
		t.Fatal(err)
	}
	e.createBucket("mirrored", "ring:ingest")
	first := e.put("mirrored", "k", "first")
	c.Wait()
	before := cacheHits(t, c)
	if _, got := e.get("mirrored", "k"); got != "first" || cacheHits(t, c) != before+1 {
		t.Fatalf("read %q; cache hits %v, want %v", got, cacheHits(t, c), before+1)
	}

	second, err := e.direct.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("ring"), Key: aws.String("k"), Body: strings.NewReader("second")})
	if err != nil {
		t.Fatal(err)
	}
	e.waitLatest("mirrored", "k", aws.ToString(second.VersionId))
	if _, got := e.get("mirrored", "k"); got != "second" {
		t.Fatalf("after an overwrite on the backend: %q, want second", got)
	}

	marker, err := e.direct.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("ring"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	e.waitLatest("mirrored", "k", aws.ToString(marker.VersionId))
	_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mirrored"), Key: aws.String("k")})
	wantS3Code(t, err, "NoSuchKey")

	for _, id := range []*string{marker.VersionId, second.VersionId} {
		if _, err := e.direct.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("ring"), Key: aws.String("k"), VersionId: id}); err != nil {
			t.Fatal(err)
		}
	}
	e.waitLatest("mirrored", "k", aws.ToString(first.VersionId))
	// The listing gave the first version its exact Last-Modified (the
	// PutObject recorded the time of the backend's answer): the entry the
	// PutObject left is another version's to the cache, and this read
	// fills the cache anew.
	if _, got := e.get("mirrored", "k"); got != "first" {
		t.Fatalf("with the first version current again: %q, want first", got)
	}
	c.Wait()
	before = cacheHits(t, c)
	if _, got := e.get("mirrored", "k"); got != "first" || cacheHits(t, c) != before+1 {
		t.Fatalf("with the first version current again: %q, cache hits %v, want first from the cache", got, cacheHits(t, c)-before)
	}
}

// waitLatest polls until the index's latest version of key is versionID.
func (e *s3Env) waitLatest(bucket, key, versionID string) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, err := e.db.Latest(bucket, key)
		if err == nil && v.VersionID == versionID {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("latest version of %s/%s: %s (%v), want %s", bucket, key, v.VersionID, err, versionID)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCachedTagCountFollowsTagging changes the tags of a cached version
// through the gateway: the next GET says the new count.
func TestCachedTagCountFollowsTagging(t *testing.T) {
	e, c := newCachedEnv(t)
	ctx := context.Background()
	e.createBucket("hot", "shared")
	e.put("hot", "k", "body", func(in *s3.PutObjectInput) { in.Tagging = aws.String("a=1") })
	c.Wait()
	if out, _ := e.get("hot", "k"); aws.ToInt32(out.TagCount) != 1 {
		t.Fatalf("tag count %d, want 1", aws.ToInt32(out.TagCount))
	}
	if _, err := e.s3.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("hot"), Key: aws.String("k"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}}}); err != nil {
		t.Fatal(err)
	}
	if out, _ := e.get("hot", "k"); aws.ToInt32(out.TagCount) != 2 {
		t.Fatalf("tag count after retagging %d, want 2", aws.ToInt32(out.TagCount))
	}
}
