package embedded

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"hash/crc32"
	"io"
	"net/http"

	"github.com/rclone/gofakes3"
)

// deleteRequestXML is the body of DeleteObjects.
type deleteRequestXML struct {
	Objects []struct {
		Key       string
		VersionID string `xml:"VersionId"`
	} `xml:"Object"`
	Quiet bool
}

type deleteResultXML struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ DeleteResult"`
	Deleted []deletedXML
}

type deletedXML struct {
	Key                   string
	VersionID             string `xml:"VersionId,omitempty"`
	DeleteMarker          bool   `xml:",omitempty"`
	DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId,omitempty"`
}

// maxDeleteBody bounds a DeleteObjects body: 1000 keys of up to 1024
// bytes, with their versions and markup.
const maxDeleteBody = 2 << 20

// deleteObjects answers POST /bucket?delete. gofakes3 drops the VersionIds
// of the objects named, and would make delete markers where versions were
// to be removed.
func (f *front) deleteObjects(w http.ResponseWriter, r *http.Request, bucket string) {
	body, err := readChecked(r, maxDeleteBody)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in deleteRequestXML
	if err := xml.Unmarshal(body, &in); err != nil || len(in.Objects) == 0 {
		writeError(w, r, gofakes3.ErrorMessage(gofakes3.ErrMalformedXML, gofakes3.ErrMalformedXML.Message()))
		return
	}
	if len(in.Objects) > gofakes3.MaxDeleteObjects {
		writeError(w, r, gofakes3.ErrorMessagef(gofakes3.ErrMalformedXML, "a maximum of %d keys can be deleted in one request", gofakes3.MaxDeleteObjects))
		return
	}
	var out deleteResultXML
	for _, o := range in.Objects {
		d := deletedXML{Key: o.Key, VersionID: o.VersionID}
		var res gofakes3.ObjectDeleteResult
		if o.VersionID != "" {
			id := o.VersionID
			if id == nullVersion {
				id = nullAlias
			}
			res, err = f.store.DeleteObjectVersion(bucket, o.Key, gofakes3.VersionID(id))
		} else {
			res, err = f.store.DeleteObject(r.Context(), bucket, o.Key)
		}
		if err != nil {
			// Only a missing bucket fails a delete, and it fails them all.
			writeError(w, r, err)
			return
		}
		if res.IsDeleteMarker {
			d.DeleteMarker, d.DeleteMarkerVersionID = true, string(res.VersionID)
		}
		out.Deleted = append(out.Deleted, d)
	}
	if in.Quiet {
		out.Deleted = nil
	}
	writeXML(w, out)
}

// readChecked reads a small request body, up to limit bytes, and checks
// it against the Content-MD5 and x-amz-checksum-crc32 the SDKs send.
func readChecked(r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, gofakes3.ErrMaxMessageLengthExceeded
	}
	if want := r.Header.Get("Content-MD5"); want != "" {
		sum := md5.Sum(body)
		if got, err := base64.StdEncoding.DecodeString(want); err != nil || !bytes.Equal(got, sum[:]) {
			return nil, gofakes3.ErrorMessage(gofakes3.ErrBadDigest, "The Content-MD5 you specified did not match what we received.")
		}
	}
	if want := r.Header.Get("X-Amz-Checksum-Crc32"); want != "" {
		sum := binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(body))
		if base64.StdEncoding.EncodeToString(sum) != want {
			return nil, gofakes3.ErrorMessage(gofakes3.ErrBadDigest, "The CRC32 you specified did not match the calculated checksum.")
		}
	}
	return body, nil
}
