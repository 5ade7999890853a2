package fault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// payload is size bytes determined by seed.
func payload(seed uint64, size int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func put(ctx context.Context, c *s3.Client, bucket, key string, data []byte) (*s3.PutObjectOutput, error) {
	return c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key),
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))),
	})
}

// answerOf is the HTTP status and Retry-After of a failed call; status 0
// when no answer came (the client's own timeout, a refused connection).
func answerOf(err error) (status int, retryAfter string) {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.HTTPStatusCode(), re.Response.Header.Get("Retry-After")
	}
	return 0, ""
}

// ver is one entry of a version listing.
type ver struct {
	Key, VersionID, ETag string
	Size                 int64
	Latest, Marker       bool
}

func (v ver) String() string {
	return fmt.Sprintf("%s@%s latest=%v marker=%v size=%d etag=%s", v.Key, v.VersionID, v.Latest, v.Marker, v.Size, v.ETag)
}

// listVersions lists every version and delete marker of bucket, sorted.
func listVersions(ctx context.Context, c *s3.Client, bucket string) ([]ver, error) {
	var all []ver
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), MaxKeys: aws.Int32(1000)}
	for pages := 0; pages < 100000; pages++ {
		out, err := c.ListObjectVersions(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list versions of %s: %w", bucket, err)
		}
		for _, v := range out.Versions {
			all = append(all, ver{Key: aws.ToString(v.Key), VersionID: aws.ToString(v.VersionId),
				ETag: aws.ToString(v.ETag), Size: aws.ToInt64(v.Size), Latest: aws.ToBool(v.IsLatest)})
		}
		for _, d := range out.DeleteMarkers {
			all = append(all, ver{Key: aws.ToString(d.Key), VersionID: aws.ToString(d.VersionId),
				Latest: aws.ToBool(d.IsLatest), Marker: true})
		}
		if !aws.ToBool(out.IsTruncated) {
			sort.Slice(all, func(i, j int) bool {
				if all[i].Key != all[j].Key {
					return all[i].Key < all[j].Key
				}
				return all[i].VersionID < all[j].VersionID
			})
			return all, nil
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
	return nil, fmt.Errorf("list versions of %s: the listing does not end", bucket)
}

// diff describes how got differs from want, at most a few lines, or "".
func diff(got, want []ver) string {
	g, w := map[string]ver{}, map[string]ver{}
	for _, v := range got {
		g[v.Key+"@"+v.VersionID] = v
	}
	for _, v := range want {
		w[v.Key+"@"+v.VersionID] = v
	}
	var lines []string
	for id, v := range w {
		if gv, ok := g[id]; !ok {
			lines = append(lines, "missing from the gateway: "+v.String())
		} else if gv != v {
			lines = append(lines, fmt.Sprintf("differs: gateway %s, backend %s", gv, v))
		}
	}
	for id, v := range g {
		if _, ok := w[id]; !ok {
			lines = append(lines, "only in the gateway: "+v.String())
		}
	}
	sort.Strings(lines)
	if len(lines) > 20 {
		lines = append(lines[:20], fmt.Sprintf("... and %d more", len(lines)-20))
	}
	return strings.Join(lines, "\n")
}

// statusText names an answer for the figures.
func statusText(status int) string {
	if status == 0 {
		return "no answer"
	}
	return fmt.Sprintf("%d %s", status, http.StatusText(status))
}
