package backend

import "strings"

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
