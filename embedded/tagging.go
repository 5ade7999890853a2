package embedded

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"unicode/utf8"

	"github.com/rclone/gofakes3"
)

// taggingXML is the body of PutObjectTagging and of the answer to
// GetObjectTagging.
type taggingXML struct {
	XMLName xml.Name `xml:"Tagging"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	TagSet  []tagXML `xml:"TagSet>Tag"`
}

type tagXML struct {
	Key   string
	Value string
}

// maxTaggingBody bounds the PutObjectTagging body read: ten tags fit in
// far less.
const maxTaggingBody = 64 << 10

// tagging answers GET, PUT and DELETE of ?tagging on an object version.
func (f *front) tagging(w http.ResponseWriter, r *http.Request, bucket, key, versionID string) {
	var (
		v   *version
		err error
	)
	switch r.Method {
	case http.MethodGet:
		v, err = f.store.lookup(bucket, key, versionID)
	case http.MethodPut:
		var tags string
		if tags, err = readTagging(r); err == nil {
			v, err = f.store.setTagging(bucket, key, versionID, tags)
		}
	case http.MethodDelete:
		v, err = f.store.setTagging(bucket, key, versionID, "")
	default:
		err = gofakes3.ErrMethodNotAllowed
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	if v.deleteMarker {
		writeDeleteMarker(w, r, v, versionID != "")
		return
	}
	if v.id != nullVersion {
		w.Header().Set("x-amz-version-id", v.id)
	}
	switch r.Method {
	case http.MethodGet:
		writeXML(w, taggingXML{Xmlns: "http://s3.amazonaws.com/doc/2006-03-01/", TagSet: decodeTags(v.meta[gofakes3.TaggingMetadataKey])})
	case http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	}
}

// readTagging reads a PutObjectTagging body into the URL-encoded form tags are kept in.
func readTagging(r *http.Request) (string, error) {
	body, err := readChecked(r, maxTaggingBody)
	if err != nil {
		return "", err
	}
	var in taggingXML
	if err := xml.Unmarshal(body, &in); err != nil {
		return "", gofakes3.ErrorMessage(gofakes3.ErrMalformedXML, gofakes3.ErrMalformedXML.Message())
	}
	return encodeTags(in.TagSet)
}

// encodeTags checks tags against S3's limits and encodes them as
// x-amz-tagging does, keys sorted.
func encodeTags(tags []tagXML) (string, error) {
	if len(tags) > 10 {
		return "", gofakes3.ErrorMessage(gofakes3.ErrInvalidTag, "Object tags cannot be greater than 10")
	}
	values := url.Values{}
	for _, t := range tags {
		switch {
		case t.Key == "" || utf8.RuneCountInString(t.Key) > 128:
			return "", gofakes3.ErrorMessage(gofakes3.ErrInvalidTag, "The TagKey you have provided is invalid")
		case utf8.RuneCountInString(t.Value) > 256:
			return "", gofakes3.ErrorMessage(gofakes3.ErrInvalidTag, "The TagValue you have provided is invalid")
		case values.Has(t.Key):
			return "", gofakes3.ErrorMessage(gofakes3.ErrInvalidTag, "Cannot provide multiple Tags with the same key")
		}
		values.Set(t.Key, t.Value)
	}
	return values.Encode(), nil
}

// parseTaggingHeader checks an x-amz-tagging header value and returns it
// in the form tags are kept in.
func parseTaggingHeader(h string) (string, error) {
	values, err := url.ParseQuery(h)
	if err != nil {
		return "", gofakes3.ErrorMessage(gofakes3.ErrInvalidArgument, "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")
	}
	tags := make([]tagXML, 0, len(values))
	for k, vs := range values {
		if len(vs) > 1 {
			return "", gofakes3.ErrorMessage(gofakes3.ErrInvalidTag, "Cannot provide multiple Tags with the same key")
		}
		tags = append(tags, tagXML{Key: k, Value: vs[0]})
	}
	return encodeTags(tags)
}

// decodeTags returns the tags kept as tagging, sorted by key.
func decodeTags(tagging string) []tagXML {
	values, _ := url.ParseQuery(tagging)
	tags := make([]tagXML, 0, len(values))
	for k, vs := range values {
		tags = append(tags, tagXML{Key: k, Value: vs[0]})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return tags
}
