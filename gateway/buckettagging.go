package gateway

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// Bucket tagging is kept by ringside, in the index beside the gateway
// bucket's record (index/buckettags.go), on every location alike: on a
// prefix location many gateway buckets share one backend bucket, whose
// tags would mix theirs, and ringside never changes a backend bucket's
// configuration.

// Limits on a bucket's tags, as S3 sets them.
const (
	maxBucketTags       = 50
	maxTaggingDocument  = 64 << 10
	tagCharsPunctuation = "+-=._:/@ "
)

// serveGetBucketTagging answers GetBucketTagging.
func (g *Gateway) serveGetBucketTagging(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	tags, err := g.bucketTags(bucket)
	if err != nil {
		return err
	}
	if len(tags) == 0 {
		return s3err.Get(s3err.NoSuchTagSet)
	}
	doc := tagging{Xmlns: "http://s3.amazonaws.com/doc/2006-03-01/", Tags: make([]tagXML, len(tags))}
	for i, t := range tags {
		doc.Tags[i] = tagXML(t)
	}
	writeXML(w, http.StatusOK, doc)
	return nil
}

// servePutBucketTagging answers PutBucketTagging: the tag set replaces
// the bucket's, after S3's checks.
func (g *Gateway) servePutBucketTagging(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	if _, err := g.target(bucket); err != nil {
		return err
	}
	tags, err := readBucketTagging(r.Body)
	if err != nil {
		return err
	}
	if err := g.setBucketTags(bucket, tags); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// serveDeleteBucketTagging answers DeleteBucketTagging.
func (g *Gateway) serveDeleteBucketTagging(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	if err := g.setBucketTags(bucket, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (g *Gateway) bucketTags(bucket string) ([]index.Tag, error) {
	tags, err := g.db.BucketTags(bucket)
	if errors.Is(err, index.ErrNotFound) {
		return nil, noSuchBucket(bucket)
	}
	return tags, err
}

func (g *Gateway) setBucketTags(bucket string, tags []index.Tag) error {
	err := g.db.SetBucketTags(bucket, tags)
	if errors.Is(err, index.ErrNotFound) {
		return noSuchBucket(bucket)
	}
	return err
}

// readBucketTagging reads and checks a PutBucketTagging document.
func readBucketTagging(body io.Reader) ([]index.Tag, error) {
	data, err := io.ReadAll(io.LimitReader(body, maxTaggingDocument+1))
	if err != nil {
		return nil, fmt.Errorf("read the tagging document: %w", err)
	}
	if len(data) > maxTaggingDocument {
		return nil, errRequestTooBig
	}
	var doc struct {
		XMLName xml.Name `xml:"Tagging"`
		TagSet  *struct {
			Tags []struct {
				Key   *string `xml:"Key"`
				Value *string `xml:"Value"`
			} `xml:"Tag"`
		} `xml:"TagSet"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil || doc.TagSet == nil {
		return nil, errMalformedXML
	}
	if len(doc.TagSet.Tags) > maxBucketTags {
		return nil, s3err.New(s3err.BadRequest, "Bucket tag count cannot be greater than %d", maxBucketTags)
	}
	tags := make([]index.Tag, 0, len(doc.TagSet.Tags))
	seen := make(map[string]bool, len(doc.TagSet.Tags))
	for _, t := range doc.TagSet.Tags {
		if t.Key == nil || t.Value == nil {
			return nil, errMalformedXML
		}
		tag := index.Tag{Key: *t.Key, Value: *t.Value}
		if err := checkBucketTag(tag); err != nil {
			return nil, err
		}
		if seen[tag.Key] {
			return nil, s3err.New(s3err.InvalidTag, "Cannot provide multiple Tags with the same key")
		}
		seen[tag.Key] = true
		tags = append(tags, tag)
	}
	return tags, nil
}

// checkBucketTag checks one tag as S3 does: a key of 1 to 128 characters
// and a value of up to 256, of letters, digits, spaces and + - = . _ : / @.
func checkBucketTag(t index.Tag) error {
	switch {
	case t.Key == "" || utf8.RuneCountInString(t.Key) > maxTagKeyLength || !tagChars(t.Key):
		return s3err.New(s3err.InvalidTag, "The TagKey you have provided is invalid")
	case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
		return s3err.New(s3err.InvalidTag, "Your TagKey cannot be prefixed with aws:")
	case utf8.RuneCountInString(t.Value) > maxTagValueLength || !tagChars(t.Value):
		return s3err.New(s3err.InvalidTag, "The TagValue you have provided is invalid")
	}
	return nil
}

func tagChars(s string) bool {
	for _, c := range s {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) && !strings.ContainsRune(tagCharsPunctuation, c) {
			return false
		}
	}
	return utf8.ValidString(s)
}
