package embedded

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"

	"github.com/rclone/gofakes3"
)

// uploadsResult is a ListMultipartUploads response.
type uploadsResult struct {
	XMLName            xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListMultipartUploadsResult"`
	Bucket             string
	KeyMarker          string
	UploadIDMarker     string `xml:"UploadIdMarker"`
	NextKeyMarker      string
	NextUploadIDMarker string `xml:"NextUploadIdMarker"`
	Delimiter          string `xml:",omitempty"`
	Prefix             string
	MaxUploads         int
	IsTruncated        bool
	EncodingType       string            `xml:",omitempty"`
	Uploads            []uploadXML       `xml:"Upload"`
	CommonPrefixes     []commonPrefixXML `xml:"CommonPrefixes,omitempty"`
}

type uploadXML struct {
	Key          string
	UploadID     string `xml:"UploadId"`
	Initiator    ownerXML
	Owner        ownerXML
	StorageClass string
	Initiated    string
}

// partsResult is a ListParts response.
type partsResult struct {
	XMLName              xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListPartsResult"`
	Bucket               string
	Key                  string
	UploadID             string `xml:"UploadId"`
	Initiator            ownerXML
	Owner                ownerXML
	StorageClass         string
	PartNumberMarker     int
	NextPartNumberMarker int
	MaxParts             int
	IsTruncated          bool
	Parts                []partXML `xml:"Part"`
}

type partXML struct {
	PartNumber   int
	LastModified string
	ETag         string
	Size         int64
}

// listUploads answers GET /bucket?uploads from the store.
func (f *front) listUploads(w http.ResponseWriter, r *http.Request, bucket string, q url.Values) {
	query, encoding, err := parseUploadQuery(q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	enc := encoder(encoding)
	l, err := f.store.listUploads(bucket, query)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res := uploadsResult{Bucket: bucket, KeyMarker: enc(query.keyMarker), UploadIDMarker: query.uploadIDMarker,
		NextKeyMarker: enc(l.nextKeyMarker), NextUploadIDMarker: l.nextUploadIDMarker,
		Delimiter: enc(query.delimiter), Prefix: enc(query.prefix), MaxUploads: query.maxUploads,
		IsTruncated: l.truncated, EncodingType: encoding}
	for _, u := range l.uploads {
		res.Uploads = append(res.Uploads, uploadXML{Key: enc(u.key), UploadID: u.id, Initiator: owner, Owner: owner,
			StorageClass: "STANDARD", Initiated: isoTime(u.initiated)})
	}
	for _, cp := range l.prefixes {
		res.CommonPrefixes = append(res.CommonPrefixes, commonPrefixXML{enc(cp)})
	}
	writeXML(w, res)
}

// parseUploadQuery reads and checks the parameters of an upload listing.
func parseUploadQuery(q url.Values) (uploadQuery, string, error) {
	uq := uploadQuery{prefix: q.Get("prefix"), delimiter: q.Get("delimiter"),
		keyMarker: q.Get("key-marker"), uploadIDMarker: q.Get("upload-id-marker")}
	var err error
	if uq.maxUploads, err = intParam(q, "max-uploads", gofakes3.DefaultMaxUploads, gofakes3.MaxUploadsLimit); err != nil {
		return uq, "", err
	}
	if uq.keyMarker == "" {
		// S3 ignores an upload ID marker without a key marker.
		uq.uploadIDMarker = ""
	}
	encoding := q.Get("encoding-type")
	if encoding != "" && encoding != "url" {
		return uq, "", gofakes3.ErrorInvalidArgument("encoding-type", encoding, "Invalid Encoding Method specified in Request")
	}
	return uq, encoding, nil
}

// listParts answers GET /bucket/key?uploadId from the store.
func (f *front) listParts(w http.ResponseWriter, r *http.Request, bucket, key string, q url.Values) {
	marker, err := intParam(q, "part-number-marker", 0, 0)
	if err != nil {
		writeError(w, r, err)
		return
	}
	maxParts, err := intParam(q, "max-parts", gofakes3.DefaultMaxUploadParts, gofakes3.MaxUploadPartsLimit)
	if err != nil {
		writeError(w, r, err)
		return
	}
	id := q.Get("uploadId")
	l, err := f.store.listParts(bucket, key, id, marker, maxParts)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res := partsResult{Bucket: bucket, Key: key, UploadID: id, Initiator: owner, Owner: owner, StorageClass: "STANDARD",
		PartNumberMarker: marker, NextPartNumberMarker: l.next, MaxParts: maxParts, IsTruncated: l.truncated}
	for _, p := range l.parts {
		res.Parts = append(res.Parts, partXML{PartNumber: p.number, LastModified: isoTime(p.modified), ETag: p.etag, Size: int64(len(p.body))})
	}
	writeXML(w, res)
}

// intParam reads a non-negative integer parameter, def when absent, capped
// at limit unless limit is 0.
func intParam(q url.Values, name string, def, limit int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, gofakes3.ErrorInvalidArgument(name, s, "Provided "+name+" not an integer or within integer range")
	}
	if limit > 0 {
		n = min(n, limit)
	}
	return n, nil
}
