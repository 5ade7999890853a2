package gateway

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/internal/s3time"
)

// objectAttributes is the answer to GetObjectAttributes.
type objectAttributes struct {
	XMLName      xml.Name     `xml:"GetObjectAttributesResponse"`
	Xmlns        string       `xml:"xmlns,attr"`
	ETag         string       `xml:"ETag,omitempty"`
	ObjectParts  *objectParts `xml:"ObjectParts,omitempty"`
	StorageClass string       `xml:"StorageClass,omitempty"`
	ObjectSize   *int64       `xml:"ObjectSize,omitempty"`
}

// objectParts is a page of the parts of a multipart object.
type objectParts struct {
	IsTruncated          bool       `xml:"IsTruncated"`
	MaxParts             int        `xml:"MaxParts"`
	NextPartNumberMarker int        `xml:"NextPartNumberMarker,omitempty"`
	PartNumberMarker     int        `xml:"PartNumberMarker"`
	Parts                []partSize `xml:"Part"`
	PartsCount           int        `xml:"PartsCount"`
}

type partSize struct {
	PartNumber int   `xml:"PartNumber"`
	Size       int64 `xml:"Size"`
}

// defaultMaxParts is S3's page size of parts.
const defaultMaxParts = 1000

// partsPage is the page of parts after marker, at most max of them.
func partsPage(parts []int64, marker, max int) *objectParts {
	out := &objectParts{MaxParts: max, PartNumberMarker: marker, PartsCount: len(parts)}
	for n := marker + 1; n <= len(parts); n++ {
		if len(out.Parts) == max {
			out.IsTruncated = true
			break
		}
		out.Parts = append(out.Parts, partSize{PartNumber: n, Size: parts[n-1]})
	}
	if out.IsTruncated && len(out.Parts) > 0 {
		out.NextPartNumberMarker = out.Parts[len(out.Parts)-1].PartNumber
	}
	return out
}

// partsQuery reads the x-amz-max-parts and x-amz-part-number-marker of a
// GetObjectAttributes.
func partsQuery(h http.Header) (max, marker int, err error) {
	max, marker = defaultMaxParts, 0
	if v := h.Get("X-Amz-Max-Parts"); v != "" {
		if max, err = strconv.Atoi(v); err != nil || max < 0 {
			return 0, 0, s3err.New(s3err.InvalidArgument, "x-amz-max-parts must be a non-negative integer.")
		}
		max = min(max, defaultMaxParts)
	}
	if v := h.Get("X-Amz-Part-Number-Marker"); v != "" {
		if marker, err = strconv.Atoi(v); err != nil || marker < 0 {
			return 0, 0, s3err.New(s3err.InvalidArgument, "x-amz-part-number-marker must be a non-negative integer.")
		}
	}
	return max, marker, nil
}

// serveAttributes answers GetObjectAttributes from the index (gofakes3
// would render a multipart ETag as hex), part sizes included (parts.go).
func (g *Gateway) serveAttributes(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	ctx := r.Context()
	req := requestOf(ctx)
	var want []string
	for _, v := range r.Header.Values("X-Amz-Object-Attributes") {
		for _, a := range strings.Split(v, ",") {
			want = append(want, strings.TrimSpace(a))
		}
	}
	if err := checkAttributeNames(want); err != nil {
		return err
	}
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
	out := objectAttributes{Xmlns: "http://s3.amazonaws.com/doc/2006-03-01/"}
	for _, a := range want {
		switch a {
		case "ETag":
			out.ETag = strings.Trim(v.ETag, `"`)
		case "StorageClass":
			out.StorageClass = "STANDARD"
		case "ObjectSize":
			out.ObjectSize = &v.Size
		case "ObjectParts":
			if out.ObjectParts, err = g.attributeParts(r, t, v); err != nil {
				return err
			}
		case "Checksum":
			// ringside stores no checksums.
		default:
			return errInvalidAttribute
		}
	}
	w.Header().Set("Last-Modified", s3time.HTTPDate(v.LastModified))
	if t.versioned() {
		w.Header().Set("x-amz-version-id", v.VersionID)
	}
	writeXML(w, http.StatusOK, out)
	return nil
}

// attributeParts is the ObjectParts of v: a page of its parts, none for a
// single-part object, as S3 answers.
func (g *Gateway) attributeParts(r *http.Request, t target, v index.Version) (*objectParts, error) {
	max, marker, err := partsQuery(r.Header)
	if err != nil {
		return nil, err
	}
	parts, stale, err := g.partsOf(r.Context(), t, v)
	if err != nil {
		return nil, err
	}
	if stale {
		return nil, noSuchKey()
	}
	if parts == nil {
		return nil, nil
	}
	return partsPage(parts, marker, max), nil
}

// objectAttributeNames are the attributes GetObjectAttributes knows.
var objectAttributeNames = map[string]bool{"ETag": true, "StorageClass": true, "ObjectSize": true, "ObjectParts": true, "Checksum": true}

var errInvalidAttribute = s3err.New(s3err.InvalidArgument, "Invalid attribute name specified.")

// checkAttributeNames refuses what S3 refuses before it looks for the
// object: no attribute asked for, or one it does not know.
func checkAttributeNames(want []string) error {
	if len(want) == 0 || len(want) == 1 && want[0] == "" {
		return s3err.New(s3err.InvalidRequest, "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty")
	}
	for _, a := range want {
		if !objectAttributeNames[a] {
			return errInvalidAttribute
		}
	}
	return nil
}
