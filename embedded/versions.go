package embedded

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"

	"github.com/rclone/gofakes3"
)

// versionsResult is a ListObjectVersions response.
type versionsResult struct {
	XMLName             xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListVersionsResult"`
	Name                string
	Prefix              string
	KeyMarker           string
	VersionIDMarker     string `xml:"VersionIdMarker"`
	NextKeyMarker       string `xml:",omitempty"`
	NextVersionIDMarker string `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int
	Delimiter           string `xml:",omitempty"`
	EncodingType        string `xml:",omitempty"`
	IsTruncated         bool
	Entries             []any
	CommonPrefixes      []commonPrefixXML `xml:"CommonPrefixes,omitempty"`
}

// versionXML and deleteMarkerXML are the entries of a listing, kept in
// one slice to keep their order.
type versionXML struct {
	XMLName      xml.Name `xml:"Version"`
	Key          string
	VersionID    string `xml:"VersionId"`
	IsLatest     bool
	LastModified string
	ETag         string
	Size         int64
	StorageClass string
	Owner        ownerXML
}

type deleteMarkerXML struct {
	XMLName      xml.Name `xml:"DeleteMarker"`
	Key          string
	VersionID    string `xml:"VersionId"`
	IsLatest     bool
	LastModified string
	Owner        ownerXML
}

type ownerXML struct {
	ID          string
	DisplayName string
}

type commonPrefixXML struct{ Prefix string }

// owner is the one owner of everything in the server.
var owner = ownerXML{ID: "fe7272ea58be830e56fe1663b10fafef", DisplayName: "ringside"}

// listVersions answers GET /bucket?versions.
func (f *front) listVersions(w http.ResponseWriter, r *http.Request, bucket string, q url.Values) {
	query, encoding, err := parseVersionQuery(q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	enc := encoder(encoding)
	res := versionsResult{Name: bucket, Prefix: enc(query.prefix), KeyMarker: enc(query.keyMarker),
		VersionIDMarker: query.versionIDMarker, MaxKeys: query.maxKeys, Delimiter: enc(query.delimiter), EncodingType: encoding}
	if query.maxKeys == 0 {
		// Asking for no keys gets none; the store reads 0 as the default.
		if ok, _ := f.store.BucketExists(r.Context(), bucket); !ok {
			writeError(w, r, gofakes3.BucketNotFound(bucket))
			return
		}
		writeXML(w, res)
		return
	}
	l, err := f.store.listVersions(bucket, query)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res.IsTruncated, res.NextKeyMarker, res.NextVersionIDMarker = l.truncated, enc(l.nextKeyMarker), l.nextVersionIDMarker
	for _, cp := range l.prefixes {
		res.CommonPrefixes = append(res.CommonPrefixes, commonPrefixXML{enc(cp)})
	}
	for _, e := range l.entries {
		res.Entries = append(res.Entries, entryXML(e, enc(e.key)))
	}
	writeXML(w, res)
}

// entryXML is the listing entry of e, under key as encoded.
func entryXML(e versionEntry, key string) any {
	modified := isoTime(e.modified)
	if e.deleteMarker {
		return deleteMarkerXML{Key: key, VersionID: e.id, IsLatest: e.latest, LastModified: modified, Owner: owner}
	}
	return versionXML{Key: key, VersionID: e.id, IsLatest: e.latest, LastModified: modified,
		ETag: e.etag(), Size: int64(len(e.body)), StorageClass: "STANDARD", Owner: owner}
}

// parseVersionQuery reads and checks the parameters of a version listing.
func parseVersionQuery(q url.Values) (versionQuery, string, error) {
	vq := versionQuery{prefix: q.Get("prefix"), delimiter: q.Get("delimiter"),
		keyMarker: q.Get("key-marker"), versionIDMarker: q.Get("version-id-marker"),
		maxKeys: gofakes3.DefaultMaxBucketVersionKeys}
	if s := q.Get("max-keys"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return vq, "", gofakes3.ErrorInvalidArgument("max-keys", s, "Provided max-keys not an integer or within integer range")
		}
		vq.maxKeys = min(n, gofakes3.DefaultMaxBucketVersionKeys)
	}
	if vq.versionIDMarker != "" && vq.keyMarker == "" {
		return vq, "", gofakes3.ErrorInvalidArgument("version-id-marker", vq.versionIDMarker, "A version-id marker cannot be specified without a key marker.")
	}
	if m := vq.versionIDMarker; m != "" && m != nullVersion {
		if _, ok := versionSeq(m); !ok {
			return vq, "", gofakes3.ErrorInvalidArgument("version-id-marker", m, "Invalid version id specified")
		}
	}
	encoding := q.Get("encoding-type")
	if encoding != "" && encoding != "url" {
		return vq, "", gofakes3.ErrorInvalidArgument("encoding-type", encoding, "Invalid Encoding Method specified in Request")
	}
	return vq, encoding, nil
}

// encoder is what encoding-type makes of the keys, prefixes, markers and
// delimiter of a listing; it never applies to version or upload IDs.
func encoder(encoding string) func(string) string {
	if encoding == "url" {
		return gofakes3.URLEncode
	}
	return func(s string) string { return s }
}
