package gateway

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/rclone/gofakes3"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/gateway/s3auth"
	"github.com/ringside/ringside/internal/s3err"
)

// servePostObject answers a browser upload (POST Object), whose form the
// authenticator verified against its policy.
//
// The file part of a form has no length of its own, and the backend's
// PUT needs one: the file is spooled to a temporary file in the spool
// directory (Config.SpoolDir), at most s3auth.MaxPostSize or the policy's
// content-length-range, then streamed to the backend like any PUT. A
// backend multipart upload would avoid the copy but give the object a
// multipart ETag, which a browser upload's object does not have on S3;
// memory holds no more than a copy buffer.
func (g *Gateway) servePostObject(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	u := s3auth.PostUploadOf(r.Context())
	if u == nil {
		return s3err.New(s3err.AccessDenied, "Access Denied. Requests must be signed with AWS Signature Version 4.")
	}
	key := u.Key
	switch {
	case len(key) > gofakes3.KeySizeLimit:
		return errKeyTooLong
	case !utf8.ValidString(key):
		return errKeyNotUTF8
	}
	meta, err := postMetadata(u.Fields)
	if err != nil {
		return err
	}
	if err := g.refuseWhenIndexFull(); err != nil {
		return err
	}
	if _, err := g.target(bucket); err != nil {
		return err
	}
	if err := g.roomToSpool(r.ContentLength); err != nil {
		return err
	}
	spool, size, err := g.spool(u.File)
	if err != nil {
		return err
	}
	defer func() {
		spool.Close()
		os.Remove(spool.Name())
	}()
	t, v, err := g.putObject(r.Context(), bucket, key, meta, spool, size)
	if err != nil {
		return err
	}
	if t.versioned() {
		w.Header().Set("x-amz-version-id", v.VersionID)
	}
	postRespond(w, r, u.Fields, bucket, key, quoteETag(v.ETag))
	return nil
}

// postMetadata is the object metadata of a form's fields: the same
// headers a PUT may send, the tag set, and the checksum the file was
// verified against.
func postMetadata(fields map[string]string) (map[string]string, error) {
	h := http.Header{}
	for name, value := range fields {
		h.Set(textproto.CanonicalMIMEHeaderKey(name), value)
	}
	if err := checkACLHeaders(http.Header{"X-Amz-Acl": {fields["acl"]}}); err != nil {
		return nil, err
	}
	if err := checkEncryption(h); err != nil {
		return nil, err
	}
	meta, err := headerMetadata(h)
	if err != nil {
		return nil, err
	}
	if doc := fields["tagging"]; doc != "" {
		var tags tagging
		if xml.Unmarshal([]byte(doc), &tags) != nil {
			return nil, errMalformedXML
		}
		values := url.Values{}
		for _, tag := range tags.Tags {
			values.Add(tag.Key, tag.Value)
		}
		encoded, err := taggingHeader(values.Encode())
		if err != nil {
			return nil, err
		}
		meta[gofakes3.TaggingMetadataKey] = encoded
	}
	for k, v := range h {
		isChecksum := strings.HasPrefix(k, checksumPrefix) && s3auth.IsChecksumAlgorithm(strings.ToLower(k[len(checksumPrefix):]))
		if isChecksum || backend.IsLockHeader(k) {
			meta[k] = v[0]
		}
	}
	return meta, nil
}

// roomToSpool refuses a form the spool directory has no room for: its
// length bounds the file's. A form without a length (S3 requires one) is
// refused, so that what is spooled is always bounded before it starts.
func (g *Gateway) roomToSpool(formLength int64) error {
	if formLength < 0 {
		return errMissingContentLength
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(g.spoolDir, &st); err != nil {
		g.log.Warn("measure the spool directory's free space", "dir", g.spoolDir, "err", err)
		return nil
	}
	if free := int64(st.Bavail) * int64(st.Bsize); free < formLength {
		g.log.Warn("no room in the spool directory for a browser upload", "dir", g.spoolDir, "free", free, "length", formLength)
		return s3err.Unavailable(retryAfter, "The gateway has no room to take the upload in now. Please try again later.")
	}
	return nil
}

// spool copies a file to a temporary file of the spool directory and
// returns it rewound, with its size. The file's own refusals (its size
// bounds, its checksum) are returned as they are.
func (g *Gateway) spool(file io.Reader) (*os.File, int64, error) {
	f, err := os.CreateTemp(g.spoolDir, "ringside-post-*")
	if err != nil {
		g.log.Error("create a spool file for a browser upload", "dir", g.spoolDir, "err", err)
		return nil, 0, s3err.Unavailable(retryAfter, "The gateway cannot take the upload in now. Please try again.")
	}
	size, err := io.Copy(f, file)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		var e *s3err.Error
		if errors.As(err, &e) {
			return nil, 0, e
		}
		g.log.Warn("spool a browser upload", "dir", g.spoolDir, "err", err)
		return nil, 0, s3err.Unavailable(retryAfter, "The gateway cannot take the upload in now. Please try again.")
	}
	return f, size, nil
}

// postResponse is the document of a browser upload answered 201.
type postResponse struct {
	XMLName  xml.Name `xml:"PostResponse"`
	Xmlns    string   `xml:"xmlns,attr"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
}

// postRespond answers a stored upload as the form asks: a 303 to its
// success_action_redirect, or the success_action_status (204 by default;
// 201 with a PostResponse document).
func postRespond(w http.ResponseWriter, r *http.Request, fields map[string]string, bucket, key, etag string) {
	location := (&url.URL{Scheme: "http", Host: r.Host, Path: "/" + bucket + "/" + key}).String()
	if r.TLS != nil {
		location = "https" + strings.TrimPrefix(location, "http")
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Location", location)
	redirect := fields["success_action_redirect"]
	if redirect == "" {
		redirect = fields["redirect"]
	}
	if to, err := url.Parse(redirect); redirect != "" && err == nil && to.IsAbs() {
		q := to.Query()
		q.Set("bucket", bucket)
		q.Set("key", key)
		q.Set("etag", etag)
		to.RawQuery = q.Encode()
		w.Header().Set("Location", to.String())
		w.WriteHeader(http.StatusSeeOther)
		return
	}
	switch fields["success_action_status"] {
	case "200":
		w.WriteHeader(http.StatusOK)
	case "201":
		writeXML(w, http.StatusCreated, postResponse{Xmlns: s3Namespace, Location: location, Bucket: bucket, Key: key, ETag: etag})
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
