package gateway

import (
	"encoding/xml"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/internal/s3time"
)

// The documents of the multipart upload operations, as S3 writes them.
// Keys are always the gateway's: never the backend's, which carry the
// "<bucket>/" prefix on a location without --no-prefix.

// initiateResult is the answer to CreateMultipartUpload.
type initiateResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	Xmlns    string   `xml:"xmlns,attr"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

// completeRequest is the body of CompleteMultipartUpload; the parts'
// checksums are passed on to the backend, which checks them against the
// parts it stored.
type completeRequest struct {
	XMLName xml.Name       `xml:"CompleteMultipartUpload"`
	Parts   []completePart `xml:"Part"`
}

type completePart struct {
	PartNumber int    `xml:"PartNumber"`
	ETag       string `xml:"ETag"`
	checksumXML
}

// checksumXML holds the checksum elements of an S3 document; at most one
// is set.
type checksumXML struct {
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
}

// checksum is the one checksum c holds, if any.
func (c checksumXML) checksum() backend.Checksum {
	for _, s := range []backend.Checksum{{Algorithm: "crc32", Value: c.ChecksumCRC32}, {Algorithm: "crc32c", Value: c.ChecksumCRC32C},
		{Algorithm: "crc64nvme", Value: c.ChecksumCRC64NVME}, {Algorithm: "sha1", Value: c.ChecksumSHA1}, {Algorithm: "sha256", Value: c.ChecksumSHA256}} {
		if s.Value != "" {
			return s
		}
	}
	return backend.Checksum{}
}

// checksumElements is sum as the elements of a document.
func checksumElements(sum backend.Checksum) checksumXML {
	var c checksumXML
	switch sum.Algorithm {
	case "crc32":
		c.ChecksumCRC32 = sum.Value
	case "crc32c":
		c.ChecksumCRC32C = sum.Value
	case "crc64nvme":
		c.ChecksumCRC64NVME = sum.Value
	case "sha1":
		c.ChecksumSHA1 = sum.Value
	case "sha256":
		c.ChecksumSHA256 = sum.Value
	}
	return c
}

// completeResult is the answer to CompleteMultipartUpload.
type completeResult struct {
	XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
	Xmlns    string   `xml:"xmlns,attr"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
	checksumXML
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

// copyPartResult is the answer to UploadPartCopy.
type copyPartResult struct {
	XMLName      xml.Name `xml:"CopyPartResult"`
	Xmlns        string   `xml:"xmlns,attr"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
}

// listPartsResult is the answer to ListParts.
type listPartsResult struct {
	XMLName              xml.Name  `xml:"ListPartsResult"`
	Xmlns                string    `xml:"xmlns,attr"`
	Bucket               string    `xml:"Bucket"`
	Key                  string    `xml:"Key"`
	UploadID             string    `xml:"UploadId"`
	StorageClass         string    `xml:"StorageClass,omitempty"`
	PartNumberMarker     int       `xml:"PartNumberMarker"`
	NextPartNumberMarker int       `xml:"NextPartNumberMarker"`
	MaxParts             int       `xml:"MaxParts"`
	IsTruncated          bool      `xml:"IsTruncated"`
	Parts                []partXML `xml:"Part"`
}

type partXML struct {
	PartNumber   int    `xml:"PartNumber"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
}

// listUploadsResult is the answer to ListMultipartUploads.
type listUploadsResult struct {
	XMLName            xml.Name          `xml:"ListMultipartUploadsResult"`
	Xmlns              string            `xml:"xmlns,attr"`
	Bucket             string            `xml:"Bucket"`
	KeyMarker          string            `xml:"KeyMarker"`
	UploadIDMarker     string            `xml:"UploadIdMarker"`
	NextKeyMarker      string            `xml:"NextKeyMarker"`
	NextUploadIDMarker string            `xml:"NextUploadIdMarker"`
	Delimiter          string            `xml:"Delimiter,omitempty"`
	Prefix             string            `xml:"Prefix"`
	MaxUploads         int               `xml:"MaxUploads"`
	IsTruncated        bool              `xml:"IsTruncated"`
	EncodingType       string            `xml:"EncodingType,omitempty"`
	Uploads            []uploadXML       `xml:"Upload"`
	CommonPrefixes     []commonPrefixXML `xml:"CommonPrefixes"`
}

type uploadXML struct {
	Key          string `xml:"Key"`
	UploadID     string `xml:"UploadId"`
	StorageClass string `xml:"StorageClass,omitempty"`
	Initiated    string `xml:"Initiated"`
}

type commonPrefixXML struct {
	Prefix string `xml:"Prefix"`
}

// isoTime is t as S3's documents write times.
func isoTime(t time.Time) string { return s3time.ISO(t) }
