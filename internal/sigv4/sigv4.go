package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"

	"github.com/ringside/ringside/internal/s3time"
)

const (
	// Algorithm is the SigV4 algorithm name, as Authorization headers and
	// strings to sign carry it.
	Algorithm = "AWS4-HMAC-SHA256"
	// AmzDateFormat is X-Amz-Date's time layout.
	AmzDateFormat = s3time.AmzDateLayout
	// ScopeDateFormat is the layout of a credential scope's day.
	ScopeDateFormat = s3time.ScopeDayLayout
	// Service is the service of every scope ringside signs or verifies.
	Service = "s3"
	// Terminator ends every credential scope.
	Terminator = "aws4_request"

	// EmptyPayloadHash is the SHA-256 of an empty body.
	EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	// UnsignedPayload is the payload hash of a body whose bytes the
	// signature does not cover.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
)

// Scope is the credential scope of a day (yyyymmdd) and region.
func Scope(date, region string) string {
	return date + "/" + region + "/" + Service + "/" + Terminator
}

// SigningKey derives the signing key of a secret for a day (yyyymmdd) and
// region.
func SigningKey(secret, date, region string) []byte {
	k := HMAC([]byte("AWS4"+secret), date)
	k = HMAC(k, region)
	k = HMAC(k, Service)
	return HMAC(k, Terminator)
}

// HMAC is HMAC-SHA256 of data under key.
func HMAC(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// Signature is the signature of a canonical request whose SHA-256 is
// canonicalHash (in lower-case hex): the HMAC-SHA256 of the string to sign
// under the signing key. It is written out over sha256.Sum256 so that it
// costs no allocation (crypto/hmac costs several per use, and one is made
// per request). key must be a signing key (32 bytes).
func Signature(key []byte, amzDate, scope string, canonicalHash [2 * sha256.Size]byte) [sha256.Size]byte {
	const blockSize = 64 // SHA-256's, which keys of up to its length pad to
	var buf [512]byte
	b := buf[:blockSize]
	for i := range b {
		b[i] = 0x36
	}
	for i, k := range key {
		b[i] ^= k
	}
	b = append(b, Algorithm+"\n"...)
	b = append(b, amzDate...)
	b = append(b, '\n')
	b = append(b, scope...)
	b = append(b, '\n')
	b = append(b, canonicalHash[:]...)
	inner := sha256.Sum256(b)
	var outer [blockSize + sha256.Size]byte
	for i := range blockSize {
		outer[i] = 0x5c
	}
	for i, k := range key {
		outer[i] ^= k
	}
	copy(outer[blockSize:], inner[:])
	return sha256.Sum256(outer[:])
}

// URIEncode percent-encodes every byte of s but the unreserved characters
// (and '/' unless encodeSlash), with upper-case hex, as SigV4 requires of
// canonical paths and query strings (a space is %20, never +).
func URIEncode(s string, encodeSlash bool) string {
	const upperHex = "0123456789ABCDEF"
	first := 0
	for first < len(s) && unreserved(s[first], encodeSlash) {
		first++
	}
	if first == len(s) {
		// Most keys need no encoding, and then s is its own encoding.
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:first])
	for i := first; i < len(s); i++ {
		c := s[i]
		if unreserved(c, encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}

// unreserved reports whether SigV4 leaves c as it is in a URI.
func unreserved(c byte, encodeSlash bool) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encodeSlash)
}
