package gateway

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rclone/gofakes3"

	"github.com/ringside/ringside/internal/s3err"
)

// deleteConcurrency bounds the backend deletes of one DeleteObjects.
const deleteConcurrency = 8

// deleteRequest is the body of DeleteObjects.
type deleteRequest struct {
	XMLName xml.Name       `xml:"Delete"`
	Quiet   bool           `xml:"Quiet"`
	Objects []deleteObject `xml:"Object"`
}

type deleteObject struct {
	Key              string `xml:"Key"`
	VersionID        string `xml:"VersionId"`
	ETag             string `xml:"ETag"`
	LastModifiedTime string `xml:"LastModifiedTime"`
	Size             *int64 `xml:"Size"`
}

// deleteResult is the answer to DeleteObjects.
type deleteResult struct {
	XMLName xml.Name        `xml:"DeleteResult"`
	Xmlns   string          `xml:"xmlns,attr"`
	Deleted []deletedObject `xml:"Deleted"`
	Errors  []deleteError   `xml:"Error"`
}

type deletedObject struct {
	Key                   string `xml:"Key"`
	VersionID             string `xml:"VersionId,omitempty"`
	DeleteMarker          bool   `xml:"DeleteMarker,omitempty"`
	DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId,omitempty"`
}

type deleteError struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
}

// serveDeleteObjects answers DeleteObjects (gofakes3 drops the version
// IDs, which would turn a version delete into a new delete marker).
func (g *Gateway) serveDeleteObjects(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	if err := g.refuseWhenIndexFull(); err != nil {
		return err
	}
	t, err := g.target(bucket)
	if err != nil {
		return err
	}
	in, err := readDeleteRequest(r)
	if err != nil {
		return err
	}
	outcomes := make([]any, len(in.Objects))
	sem := make(chan struct{}, deleteConcurrency)
	var wg sync.WaitGroup
	for i, o := range in.Objects {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			outcomes[i] = g.deleteOne(r.Context(), t, o)
		})
	}
	wg.Wait()
	out := deleteResult{Xmlns: "http://s3.amazonaws.com/doc/2006-03-01/"}
	for _, o := range outcomes {
		switch o := o.(type) {
		case deleteError:
			out.Errors = append(out.Errors, o)
		case deletedObject:
			if !in.Quiet {
				out.Deleted = append(out.Deleted, o)
			}
		}
	}
	writeXML(w, http.StatusOK, out)
	return nil
}

// deleteOne deletes one entry of a DeleteObjects: a deletedObject or a
// deleteError.
func (g *Gateway) deleteOne(ctx context.Context, t target, o deleteObject) any {
	fail := func(err error) any {
		e := g.toS3(err)
		return deleteError{Key: o.Key, VersionID: o.VersionID, Code: e.Code, Message: e.Message}
	}
	if err := g.checkDeleteConditions(ctx, t, o); err != nil {
		return fail(err)
	}
	res, err := g.deleteObject(ctx, t, o.Key, o.VersionID, o.VersionID != "")
	if err != nil {
		return fail(err)
	}
	d := deletedObject{Key: o.Key, VersionID: o.VersionID}
	if res.IsDeleteMarker {
		d.DeleteMarker, d.DeleteMarkerVersionID = true, res.VersionID
	}
	return d
}

// checkDeleteConditions checks the ETag, LastModifiedTime and Size
// conditions of one entry against the current object; deleting what is not
// there meets them all.
func (g *Gateway) checkDeleteConditions(ctx context.Context, t target, o deleteObject) error {
	if o.ETag == "" && o.LastModifiedTime == "" && o.Size == nil {
		return nil
	}
	v, err := g.find(ctx, t, o.Key, o.VersionID, o.VersionID != "")
	if isNoSuch(err) || err == nil && v.IsDeleteMarker {
		return nil
	}
	if err != nil {
		return err
	}
	if o.ETag != "" && !etagMatches(o.ETag, v.ETag) {
		return errPrecondition
	}
	if o.Size != nil && *o.Size != v.Size {
		return errPrecondition
	}
	if o.LastModifiedTime != "" {
		at, err := time.Parse(time.RFC3339Nano, o.LastModifiedTime)
		if err != nil {
			if at, err = http.ParseTime(o.LastModifiedTime); err != nil {
				return s3err.New(s3err.InvalidArgument, "Invalid LastModifiedTime %q.", o.LastModifiedTime)
			}
		}
		if !v.LastModified.Truncate(time.Second).Equal(at.Truncate(time.Second)) {
			return errPrecondition
		}
	}
	return nil
}

// readDeleteRequest reads and checks a DeleteObjects body.
func readDeleteRequest(r *http.Request) (deleteRequest, error) {
	var in deleteRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, gofakes3.MaxXMLBodySize+1))
	if err != nil {
		return in, err
	}
	if len(body) > gofakes3.MaxXMLBodySize {
		return in, errRequestTooBig
	}
	if err := checkBodyDigests(r.Header, body); err != nil {
		return in, err
	}
	malformed := errMalformedXML
	if err := xml.Unmarshal(body, &in); err != nil {
		return in, malformed
	}
	if len(in.Objects) == 0 || len(in.Objects) > gofakes3.MaxDeleteObjects {
		return in, malformed
	}
	for _, o := range in.Objects {
		if o.Key == "" {
			return in, malformed
		}
	}
	return in, nil
}

// bodyChecksums are the x-amz-checksum-* algorithms a DeleteObjects body
// is checked with (the SDKs send one of them instead of Content-MD5).
var bodyChecksums = map[string]func() hash.Hash{
	"X-Amz-Checksum-Crc32":  func() hash.Hash { return crc32.NewIEEE() },
	"X-Amz-Checksum-Crc32c": func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) },
	"X-Amz-Checksum-Sha1":   sha1.New,
	"X-Amz-Checksum-Sha256": sha256.New,
}

// checkBodyDigests checks a body against its Content-MD5 and checksum
// headers.
func checkBodyDigests(h http.Header, body []byte) error {
	bad := s3err.New(s3err.BadDigest, "The digest you specified did not match what we received.")
	if want := h.Get("Content-Md5"); want != "" {
		sum := md5.Sum(body)
		if want != base64.StdEncoding.EncodeToString(sum[:]) {
			return bad
		}
	}
	for name, newHash := range bodyChecksums {
		want := h.Get(name)
		if want == "" {
			continue
		}
		hh := newHash()
		hh.Write(body)
		got, err := base64.StdEncoding.DecodeString(want)
		if err != nil || !bytes.Equal(got, hh.Sum(nil)) {
			return s3err.New(s3err.BadDigest, "The %s you specified did not match the calculated checksum.",
				strings.ToUpper(strings.TrimPrefix(name, "X-Amz-Checksum-")))
		}
	}
	return nil
}
