package gateway

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"unicode/utf8"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/internal/s3err"
)

// tagging is the document of GetObjectTagging.
type tagging struct {
	XMLName xml.Name `xml:"Tagging"`
	Xmlns   string   `xml:"xmlns,attr"`
	Tags    []tagXML `xml:"TagSet>Tag"`
}

type tagXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// serveGetTagging answers GetObjectTagging from the backend's tags of the
// version named (gofakes3 would read them from the object's metadata).
func (g *Gateway) serveGetTagging(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	ctx := r.Context()
	req := requestOf(ctx)
	t, err := g.target(bucket)
	if err != nil {
		return err
	}
	v, err := g.find(ctx, t, key, req.version, req.hasVersion)
	if err != nil {
		return err
	}
	if v.IsDeleteMarker {
		return deleteMarker(w, v, req.hasVersion)
	}
	tags, err := t.client.GetTagging(ctx, t.key(key), t.pin(v))
	if err != nil {
		return fmt.Errorf("read the tags of %s/%s: %w", bucket, key, err)
	}
	if t.versioned() {
		w.Header().Set("x-amz-version-id", v.VersionID)
	}
	doc := tagging{Xmlns: "http://s3.amazonaws.com/doc/2006-03-01/", Tags: []tagXML{}}
	for _, tag := range tags {
		doc.Tags = append(doc.Tags, tagXML(tag))
	}
	writeXML(w, http.StatusOK, doc)
	return nil
}

// SetObjectTagging replaces the backend's tags of the version named (or
// the latest); gofakes3 has checked the tag set and that the object exists.
func (b *s3Backend) SetObjectTagging(ctx context.Context, bucket, key, encoded string) error {
	t, v, err := b.g.findObject(ctx, bucket, key)
	if err != nil {
		return b.g.forRouter(ctx, err)
	}
	tags, err := parseTags(encoded)
	if err != nil {
		return b.g.forRouter(ctx, err)
	}
	if len(tags) == 0 {
		err = t.client.DeleteTagging(ctx, t.key(key), t.pin(v))
	} else {
		err = t.client.PutTagging(ctx, t.key(key), t.pin(v), tags)
	}
	if err != nil {
		return b.g.forRouter(ctx, fmt.Errorf("tag %s/%s: %w", bucket, key, err))
	}
	// A cached copy holds the tag count it was read with.
	b.g.cache.Forget(cached(t, v))
	b.g.disk.Drop(cached(t, v))
	return nil
}

// parseTags reads a URL-encoded tag set (x-amz-tagging), sorted by key.
func parseTags(encoded string) ([]backend.Tag, error) {
	values, err := url.ParseQuery(encoded)
	if err != nil {
		return nil, s3err.New(s3err.InvalidArgument,
			"The tag set must be URL-encoded query parameters: key1=value1&key2=value2.")
	}
	tags := make([]backend.Tag, 0, len(values))
	for k, vs := range values {
		if len(vs) > 1 {
			return nil, s3err.New(s3err.InvalidTag, "Cannot provide multiple Tags with the same key.")
		}
		tags = append(tags, backend.Tag{Key: k, Value: vs[0]})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return tags, nil
}

// Limits on an object's tags, as S3 sets them.
const (
	maxTags           = 10
	maxTagKeyLength   = 128
	maxTagValueLength = 256
)

// taggingHeader checks the tag set of an x-amz-tagging header as S3 does
// and returns it URL-encoded in canonical order, "" for none.
func taggingHeader(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	tags, err := parseTags(v)
	if err != nil {
		return "", err
	}
	if len(tags) > maxTags {
		return "", s3err.New(s3err.InvalidTag, "Object tags cannot be greater than %d.", maxTags)
	}
	for _, tag := range tags {
		if tag.Key == "" || utf8.RuneCountInString(tag.Key) > maxTagKeyLength {
			return "", s3err.New(s3err.InvalidTag, "The TagKey you have provided is invalid.")
		}
		if utf8.RuneCountInString(tag.Value) > maxTagValueLength {
			return "", s3err.New(s3err.InvalidTag, "The TagValue you have provided is invalid.")
		}
	}
	return encodeTags(tags), nil
}

// encodeTags is the URL-encoded form of a tag set.
func encodeTags(tags []backend.Tag) string {
	values := url.Values{}
	for _, t := range tags {
		values.Set(t.Key, t.Value)
	}
	return values.Encode()
}
