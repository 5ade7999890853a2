package s3auth

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/internal/sigv4"
)

// The parts of SigV4's canonical request that are built from what the
// request carries: path, query and signed headers.

// canonicalPath is S3's canonical URI: the decoded path the router acts
// on, percent-encoded once, slashes kept.
func canonicalPath(path string) string {
	if path == "" {
		return "/"
	}
	return sigv4.URIEncode(path, false)
}

// wirePath is the path exactly as the client sent it.
func wirePath(r *http.Request) string {
	uri := r.RequestURI
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		uri = uri[:i]
	}
	if strings.HasPrefix(uri, "/") {
		return uri
	}
	return r.URL.EscapedPath()
}

// canonicalQuery is the canonical query string: every parameter but skip,
// decoded as the router decodes it and encoded again, sorted by name and
// then value.
func canonicalQuery(rawQuery, skip string) string {
	if rawQuery == "" {
		return ""
	}
	type param struct{ name, value string }
	params := make([]param, 0, strings.Count(rawQuery, "&")+1)
	for rest := rawQuery; rest != ""; {
		var piece string
		piece, rest, _ = strings.Cut(rest, "&")
		if piece == "" {
			continue
		}
		name, value, _ := strings.Cut(piece, "=")
		name, value = queryUnescape(name), queryUnescape(value)
		if skip != "" && name == skip {
			continue
		}
		params = append(params, param{sigv4.URIEncode(name, true), sigv4.URIEncode(value, true)})
	}
	slices.SortFunc(params, func(a, b param) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// queryUnescape decodes a query component as net/url does ('+' is a
// space); the verifier has already refused queries that do not parse.
func queryUnescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1:i+3], 2):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// checkSignedHeaders checks that the host is signed, and so is every
// x-amz-* header present: an unsigned one could change what a signed
// request does (an x-amz-copy-source added to a presigned PUT, say).
func checkSignedHeaders(r *http.Request, signed []string) *s3err.Error {
	if !slices.Contains(signed, "host") {
		return accessDenied("The host header must be signed.")
	}
	for name := range r.Header {
		if len(name) >= len("x-amz-") && asciiEqualFold(name[:len("x-amz-")], "x-amz-") && !isSigned(signed, name) {
			return accessDenied("There were headers present in the request which were not signed: " + strings.ToLower(name) + ".")
		}
	}
	return nil
}

// isSigned reports whether the header name is among the signed ones,
// which are lower case.
func isSigned(signed []string, name string) bool {
	for _, s := range signed {
		if asciiEqualFold(s, name) {
			return true
		}
	}
	return false
}

// asciiEqualFold is strings.EqualFold for ASCII only. Unicode folding
// would let a signed name such as "x-amz-ſecurity" (long s) stand for
// the unsigned header X-Amz-Security.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// appendCanonicalHeaders appends the canonical headers block of the
// signed headers to b.
func appendCanonicalHeaders(b []byte, r *http.Request, signed []string) []byte {
	for _, name := range signed {
		b = append(b, name...)
		b = append(b, ':')
		b = appendHeaderValue(b, r, name)
		b = append(b, '\n')
	}
	return b
}

// appendHeaderValue appends the canonical value of one signed header: its
// values trimmed, inner runs of spaces folded, and joined with commas. Go's
// server moves some headers out of Request.Header; they are read back from
// where it put them.
func appendHeaderValue(b []byte, r *http.Request, name string) []byte {
	switch name {
	case "host":
		return append(b, r.Host...)
	case "transfer-encoding":
		if len(r.TransferEncoding) > 0 {
			return append(b, strings.Join(r.TransferEncoding, ",")...)
		}
	case "content-length":
		if _, ok := r.Header["Content-Length"]; !ok && r.ContentLength >= 0 {
			return strconv.AppendInt(b, r.ContentLength, 10)
		}
	case "expect":
		if _, ok := r.Header["Expect"]; !ok {
			return append(b, "100-continue"...)
		}
	}
	for i, v := range headerValues(r.Header, name) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFolded(b, v)
	}
	return b
}

// headerValues is h.Values(name) without canonicalising name, which
// allocates for the lower-case names SigV4 signs: the keys are tried as
// the usual canonical form first.
func headerValues(h http.Header, name string) []string {
	if k, ok := canonicalSigned[name]; ok {
		return h[k]
	}
	return h.Values(name)
}

// canonicalSigned maps the lower-case headers clients sign on every
// request to their canonical form.
var canonicalSigned = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"X-Amz-Date", "X-Amz-Content-Sha256", "X-Amz-Security-Token", "X-Amz-User-Agent",
		"X-Amz-Decoded-Content-Length", "X-Amz-Trailer", "X-Amz-Copy-Source",
		"Amz-Sdk-Invocation-Id", "Amz-Sdk-Request", "Content-Type", "Content-Md5",
		"Content-Encoding", "Range", "User-Agent", "Date",
	} {
		m[strings.ToLower(k)] = http.CanonicalHeaderKey(k)
	}
	return m
}()

// appendFolded appends v trimmed, with each inner run of white space made
// one space, as strings.Fields and a join would.
func appendFolded(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			// Unicode has white space of its own; Fields knows it.
			return append(b, strings.Join(strings.Fields(v), " ")...)
		}
	}
	space := false
	started := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if isFoldSpace(c) {
			space = started
			continue
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = append(b, c)
		started = true
	}
	return b
}

// isFoldSpace reports whether c is white space as strings.Fields sees it
// among ASCII bytes.
func isFoldSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
