package backend

import (
	"mime"
	"strings"
	"unicode/utf8"
)

// StoredHeaders are the standard headers S3 stores with an object and
// returns when it is read; with the X-Amz-Meta-* user metadata they are an
// object's metadata, the one list of it ringside has. Transport headers
// (X-Amz-Date, X-Amz-Content-Sha256, checksums, ...) describe a request,
// not the object, and are never stored.
var StoredHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Type", "Expires"}

// IsMetadata reports whether the canonical header name k is object
// metadata.
func IsMetadata(k string) bool {
	if strings.HasPrefix(k, userMetaPrefix) {
		return true
	}
	for _, h := range StoredHeaders {
		if k == h {
			return true
		}
	}
	return false
}

// S3 keeps user metadata values that are not US-ASCII as UTF-8 and sends
// them RFC 2047 encoded ("=?UTF-8?B?...?="), so that headers stay
// mail-safe; a value given encoded is decoded before it is stored. The
// index keeps the decoded value, and the backend is sent the encoded
// one, as any S3 client would send it.

// EncodeMetaValue is a user metadata value as S3 sends it in a header.
func EncodeMetaValue(v string) string {
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			return mime.BEncoding.Encode("UTF-8", v)
		}
	}
	return v
}

// DecodeMetaValue is the stored value of a user metadata header: RFC 2047
// encoded words decoded, anything else as given.
func DecodeMetaValue(v string) string {
	if !strings.Contains(v, "=?") {
		return v
	}
	d, err := metaDecoder.DecodeHeader(v)
	if err != nil {
		return v
	}
	return d
}

// metaDecoder decodes the charsets Go knows (UTF-8, ISO-8859-1,
// US-ASCII); a value in another is kept encoded.
var metaDecoder = &mime.WordDecoder{}
