package embedded

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rclone/gofakes3"
)

// Multipart uploads are the store's, as gofakes3's MultipartBackend:
// gofakes3 still routes their requests and decodes their bodies, but its
// own list of uploads answers NoSuchUpload for a bucket without any and
// pages by other rules than S3's, so the front end lists uploads and parts
// from the store instead.

var _ gofakes3.MultipartBackend = (*store)(nil)

// upload is a multipart upload in progress. Its key, ID and time never
// change; its parts are read and written under the store's lock.
type upload struct {
	key, id   string
	meta      map[string]string
	initiated time.Time
	parts     map[int]*part
}

// part is one stored part of an upload; a part uploaded again is replaced
// whole.
type part struct {
	number   int
	body     []byte
	etag     string
	modified time.Time
}

// errNoSuchUpload is S3's answer for an upload ID it does not know.
var errNoSuchUpload = gofakes3.ErrorMessage(gofakes3.ErrNoSuchUpload,
	"The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")

// newUploadID makes an upload ID that cannot be guessed and that sorts in
// creation order, the order S3 lists the uploads of one key in.
func newUploadID(seq uint64) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%016x", seq) + base64.RawURLEncoding.EncodeToString(b[:])
}

// upload finds an upload of key; the caller holds the lock. An upload ID
// named with another key is unknown, as on S3.
func (s *store) upload(bucketName, key, id string) (*bucket, *upload, error) {
	b, err := s.bucket(bucketName)
	if err != nil {
		return nil, nil, err
	}
	u := b.uploads[id]
	if u == nil || u.key != key {
		return nil, nil, errNoSuchUpload
	}
	return b, u, nil
}

func (s *store) CreateMultipartUpload(ctx context.Context, bucketName, key string, meta map[string]string) (gofakes3.UploadID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return "", err
	}
	s.seq++
	u := &upload{key: key, id: newUploadID(s.seq), meta: meta, initiated: s.now(), parts: map[int]*part{}}
	b.uploads[u.id] = u
	return gofakes3.UploadID(u.id), nil
}

func (s *store) UploadPart(ctx context.Context, bucketName, key string, id gofakes3.UploadID, number int, size int64, body io.Reader) (string, error) {
	// gofakes3 leaves it to the backend to refuse a short body.
	data, err := gofakes3.ReadAll(body, size)
	if err != nil {
		return "", err
	}
	sum := md5.Sum(data)
	p := &part{number: number, body: data, etag: `"` + hex.EncodeToString(sum[:]) + `"`, modified: s.now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, u, err := s.upload(bucketName, key, string(id))
	if err != nil {
		return "", err
	}
	u.parts[number] = p
	return p.etag, nil
}

func (s *store) CompleteMultipartUpload(ctx context.Context, bucketName, key string, id gofakes3.UploadID, in *gofakes3.CompleteMultipartUploadRequest) (gofakes3.VersionID, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, u, err := s.upload(bucketName, key, string(id))
	if err != nil {
		return "", "", err
	}
	body, err := u.assemble(in.Parts)
	if err != nil {
		return "", "", err
	}
	sum := md5.Sum(body)
	v := &version{key: key, body: body, md5: sum[:], meta: storedMeta(u.meta)}
	etags := make([]string, len(in.Parts))
	for i, cp := range in.Parts {
		p := u.parts[cp.PartNumber]
		v.parts = append(v.parts, int64(len(p.body)))
		etags[i] = p.etag
	}
	v.mpETag = multipartETag(etags)
	if err := s.addChecked(ctx, b, v); err != nil {
		return "", "", err
	}
	delete(b.uploads, u.id)
	return b.reportedID(v), v.etag(), nil
}

// assemble checks the parts a completion lists, as S3 does, and joins
// them; the caller holds the lock.
func (u *upload) assemble(parts []gofakes3.CompletedPart) ([]byte, error) {
	if len(parts) == 0 {
		return nil, gofakes3.ErrorMessage(gofakes3.ErrMalformedXML, gofakes3.ErrMalformedXML.Message())
	}
	size := 0
	for i, cp := range parts {
		if i > 0 && cp.PartNumber <= parts[i-1].PartNumber {
			return nil, gofakes3.ErrorMessage(gofakes3.ErrInvalidPartOrder,
				"The list of parts was not in ascending order. Parts must be ordered by part number.")
		}
		p := u.parts[cp.PartNumber]
		if p == nil || strings.Trim(cp.ETag, `"`) != strings.Trim(p.etag, `"`) {
			return nil, gofakes3.ErrorMessage(gofakes3.ErrInvalidPart,
				"One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")
		}
		size += len(p.body)
	}
	body := make([]byte, 0, size)
	for _, cp := range parts {
		body = append(body, u.parts[cp.PartNumber].body...)
	}
	return body, nil
}

func (s *store) AbortMultipartUpload(ctx context.Context, bucketName, key string, id gofakes3.UploadID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, u, err := s.upload(bucketName, key, string(id))
	if err != nil {
		return err
	}
	delete(b.uploads, u.id)
	return nil
}

// uploadQuery is one ListMultipartUploads request.
type uploadQuery struct {
	prefix, delimiter         string
	keyMarker, uploadIDMarker string
	maxUploads                int
}

// uploadListing is one page of uploads, in S3's order: keys ascending and,
// within a key, oldest first.
type uploadListing struct {
	uploads                           []*upload
	prefixes                          []string
	truncated                         bool
	nextKeyMarker, nextUploadIDMarker string
}

// listUploads lists one page of a bucket's uploads in progress. Common
// prefixes count against maxUploads, as keys do.
func (s *store) listUploads(bucketName string, q uploadQuery) (uploadListing, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return uploadListing{}, err
	}
	var out uploadListing
	if q.maxUploads == 0 {
		// Asking for no uploads gets none.
		return out, nil
	}
	all := slices.SortedFunc(maps.Values(b.uploads), func(x, y *upload) int {
		if c := strings.Compare(x.key, y.key); c != 0 {
			return c
		}
		return strings.Compare(x.id, y.id)
	})
	// A key marker that is itself a common prefix ends a page that ended
	// on that prefix: nothing under it is listed again.
	skipUnder := ""
	if q.keyMarker != "" && strings.HasPrefix(q.keyMarker, q.prefix) && rollUp(q.keyMarker, q.prefix, q.delimiter) == q.keyMarker {
		skipUnder = q.keyMarker
	}
	full := func() bool {
		if len(out.uploads)+len(out.prefixes) < q.maxUploads {
			return false
		}
		out.truncated = true
		return true
	}
	for _, u := range all {
		if !strings.HasPrefix(u.key, q.prefix) || !q.after(u) || (skipUnder != "" && strings.HasPrefix(u.key, skipUnder)) {
			continue
		}
		if cp := rollUp(u.key, q.prefix, q.delimiter); cp != "" {
			if n := len(out.prefixes); n > 0 && out.prefixes[n-1] == cp {
				continue
			}
			if full() {
				break
			}
			out.prefixes = append(out.prefixes, cp)
			out.nextKeyMarker, out.nextUploadIDMarker = cp, ""
			continue
		}
		if full() {
			break
		}
		out.uploads = append(out.uploads, u)
		out.nextKeyMarker, out.nextUploadIDMarker = u.key, u.id
	}
	if !out.truncated {
		out.nextKeyMarker, out.nextUploadIDMarker = "", ""
	}
	return out, nil
}

// after reports whether u comes after the query's markers: a key after the
// key marker or, with an upload ID marker, a later upload of that key.
func (q uploadQuery) after(u *upload) bool {
	switch {
	case q.keyMarker == "" || u.key > q.keyMarker:
		return true
	case u.key == q.keyMarker && q.uploadIDMarker != "":
		return u.id > q.uploadIDMarker
	}
	return false
}

// partListing is one page of an upload's parts, by part number.
type partListing struct {
	parts     []*part
	truncated bool
	next      int // the last part number listed
}

// listParts lists the parts of an upload numbered above marker, at most
// maxParts of them.
func (s *store) listParts(bucketName, key, id string, marker, maxParts int) (partListing, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, u, err := s.upload(bucketName, key, id)
	if err != nil {
		return partListing{}, err
	}
	var out partListing
	for _, n := range slices.Sorted(maps.Keys(u.parts)) {
		if n <= marker {
			continue
		}
		if len(out.parts) == maxParts {
			out.truncated = true
			break
		}
		out.parts = append(out.parts, u.parts[n])
		out.next = n
	}
	return out, nil
}
