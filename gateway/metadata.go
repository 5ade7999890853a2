package gateway

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/rclone/gofakes3"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/gateway/s3auth"
	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/internal/s3time"
)

// userMetadataLimit is S3's limit on the size of user metadata (names and
// values of the X-Amz-Meta-* headers).
const userMetadataLimit = 2048

// keptMetadata returns the object metadata in meta, with canonical names,
// and the object lock headers, which the index keeps with the version for
// HEAD and GET to answer.
func keptMetadata(meta map[string]string) map[string]string {
	out := make(map[string]string, len(meta))
	for k, v := range meta {
		k = textproto.CanonicalMIMEHeaderKey(k)
		if backend.IsMetadata(k) || backend.IsLockHeader(k) {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// defaultContentType is what S3 gives an object uploaded without a
// Content-Type. ringside sends it to the backend explicitly, so that the
// backend (MinIO says application/octet-stream) and the index agree.
const defaultContentType = "binary/octet-stream"

// uploadMetadata is the metadata a new object is written with: the kept
// headers, with the default Content-Type when the client gave none.
func uploadMetadata(meta map[string]string) map[string]string {
	kept := keptMetadata(meta)
	if kept["Content-Type"] == "" {
		if kept == nil {
			kept = map[string]string{}
		}
		kept["Content-Type"] = defaultContentType
	}
	return kept
}

// checksumPrefix starts the names of the x-amz-checksum-* headers.
const checksumPrefix = "X-Amz-Checksum-"

// withChecksum adds to kept the object checksum the upload was verified
// against, from a request header (which gofakes3 puts in meta) or from an
// aws-chunked trailer, so that reads with x-amz-checksum-mode return it.
// The index alone keeps it: the backend never saw the trailer.
func withChecksum(ctx context.Context, kept, meta map[string]string) map[string]string {
	name, value := s3auth.BodyChecksum(ctx)
	if name == "" {
		for k, v := range meta {
			if ck := textproto.CanonicalMIMEHeaderKey(k); strings.HasPrefix(ck, checksumPrefix) && ck != "X-Amz-Checksum-Type" && ck != "X-Amz-Checksum-Mode" && ck != "X-Amz-Checksum-Algorithm" {
				name, value = ck, v
			}
		}
	}
	if name == "" {
		return kept
	}
	out := make(map[string]string, len(kept)+1)
	for k, v := range kept {
		out[k] = v
	}
	out[textproto.CanonicalMIMEHeaderKey(name)] = value
	return out
}

// withStoredChecksum is meta with the object checksum sum.
func withStoredChecksum(meta map[string]string, sum backend.Checksum) map[string]string {
	out := make(map[string]string, len(meta)+1)
	for k, v := range meta {
		out[k] = v
	}
	out[textproto.CanonicalMIMEHeaderKey(checksumPrefix+sum.Algorithm)] = sum.Value
	return out
}

// writeChecksum sets the stored checksum headers of a whole-object read
// that asked for them.
func writeChecksum(h http.Header, r *http.Request, meta map[string]string) {
	if !strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") ||
		r.Header.Get("Range") != "" || r.URL.Query().Get("partNumber") != "" {
		return
	}
	for k, v := range meta {
		if strings.HasPrefix(k, checksumPrefix) {
			h.Set(k, v)
		}
	}
}

// headerMetadata returns the object metadata of a request's headers.
func headerMetadata(h http.Header) (map[string]string, error) {
	meta := map[string]string{}
	for k, vs := range h {
		k = textproto.CanonicalMIMEHeaderKey(k)
		if len(vs) == 0 || !backend.IsMetadata(k) {
			continue
		}
		v := vs[0]
		if strings.HasPrefix(k, "X-Amz-Meta-") {
			// S3 keeps one value of a name given more than once: the
			// values joined with commas, in the order sent.
			v = backend.DecodeMetaValue(strings.Join(vs, ","))
		}
		if k == "Content-Encoding" {
			// aws-chunked describes how the request body was sent.
			if v = withoutToken(v, "aws-chunked"); v == "" {
				continue
			}
		}
		meta[k] = v
	}
	if userMetadataSize(meta) > userMetadataLimit {
		return nil, s3err.New(s3err.MetadataTooLarge,
			"Your metadata headers exceed the maximum allowed metadata size of %d bytes.", userMetadataLimit)
	}
	return meta, nil
}

// userMetadataSize is the size S3 counts against userMetadataLimit.
func userMetadataSize(meta map[string]string) int {
	n := 0
	for k, v := range meta {
		if name, ok := strings.CutPrefix(k, "X-Amz-Meta-"); ok {
			n += len(name) + len(v)
		}
	}
	return n
}

// withoutToken removes token from a comma-separated header value.
func withoutToken(v, token string) string {
	var out []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t != "" && !strings.EqualFold(t, token) {
			out = append(out, t)
		}
	}
	return strings.Join(out, ", ")
}

// writeMetadata sets the object metadata headers of a response. User
// metadata names go out in lower case, as S3 sends them, since clients take
// their case from the response.
func writeMetadata(h http.Header, meta map[string]string) {
	for k, v := range meta {
		k = textproto.CanonicalMIMEHeaderKey(k)
		switch {
		case strings.HasPrefix(k, "X-Amz-Meta-"):
			h[strings.ToLower(k)] = []string{backend.EncodeMetaValue(v)}
		case backend.IsMetadata(k), backend.IsLockHeader(k):
			h.Set(k, v)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", defaultContentType)
	}
}

// gofakes3Metadata is the metadata of an object as gofakes3 reads it: the
// object's headers and Last-Modified in HTTP format.
func gofakes3Metadata(meta map[string]string, lastModified time.Time) map[string]string {
	out := make(map[string]string, len(meta)+1)
	for k, v := range meta {
		out[k] = v
	}
	out["Last-Modified"] = s3time.HTTPDate(lastModified)
	return out
}

// etagHash is an ETag as the bytes gofakes3 renders in hex. A multipart
// ETag ("<hex>-<parts>") has no such form: gofakes3 gets its hex part, and
// the front handlers answer every request that shows or compares an ETag
// of an existing object.
func etagHash(etag string) []byte {
	s := strings.Trim(etag, `"`)
	s, _, _ = strings.Cut(s, "-")
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil
	}
	return b
}

// etagMatches reports whether an If-Match or If-None-Match list ("*" or
// comma-separated entity tags) matches etag.
func etagMatches(list, etag string) bool {
	etag = strings.Trim(etag, `"`)
	for _, tag := range strings.Split(list, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || strings.Trim(tag, `"`) == etag {
			return true
		}
	}
	return false
}

// quoteETag returns etag in quotes, as S3 sends it.
func quoteETag(etag string) string {
	if strings.HasPrefix(etag, `"`) {
		return etag
	}
	return `"` + etag + `"`
}

// putOptionsTagging returns the tag set a write asks for, in the
// x-amz-tagging form gofakes3 leaves in the metadata.
func putOptionsTagging(meta map[string]string) string {
	return meta[gofakes3.TaggingMetadataKey]
}
