package gateway

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// The parts of SigV4's canonical request that are built from what the
// request carries: path, query and signed headers.

// canonicalPath is S3's canonical URI: the decoded path the router acts
// on, percent-encoded once, slashes kept.
func canonicalPath(path string) string {
	if path == "" {
		return "/"
	}
	return uriEncode(path, false)
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
	type param struct{ name, value string }
	var params []param
	for _, piece := range strings.Split(rawQuery, "&") {
		if piece == "" {
			continue
		}
		name, value, _ := strings.Cut(piece, "=")
		name, value = queryUnescape(name), queryUnescape(value)
		if skip != "" && name == skip {
			continue
		}
		params = append(params, param{uriEncode(name, true), uriEncode(value, true)})
	}
	sort.Slice(params, func(i, j int) bool {
		if params[i].name != params[j].name {
			return params[i].name < params[j].name
		}
		return params[i].value < params[j].value
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

// uriEncode percent-encodes every byte of s but the unreserved characters
// (and '/' unless encodeSlash), with upper-case hex, as SigV4 requires.
func uriEncode(s string, encodeSlash bool) string {
	const upperHex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}

// canonicalHeaders builds the canonical headers block of the signed
// headers. The host must be signed, and so must every x-amz-* header
// present: an unsigned one could change what a signed request does (an
// x-amz-copy-source added to a presigned PUT, say).
func canonicalHeaders(r *http.Request, signed []string) (string, *Error) {
	signedSet := make(map[string]bool, len(signed))
	for _, h := range signed {
		signedSet[h] = true
	}
	if !signedSet["host"] {
		return "", accessDenied("The host header must be signed.")
	}
	for name := range r.Header {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-amz-") && !signedSet[lower] {
			return "", accessDenied("There were headers present in the request which were not signed: " + lower + ".")
		}
	}
	var b strings.Builder
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(headerValue(r, name))
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// headerValue is the canonical value of one signed header: its values
// trimmed, inner runs of spaces folded, and joined with commas. Go's server
// moves some headers out of Request.Header; they are read back from where
// it put them.
func headerValue(r *http.Request, name string) string {
	switch name {
	case "host":
		return r.Host
	case "transfer-encoding":
		if len(r.TransferEncoding) > 0 {
			return strings.Join(r.TransferEncoding, ",")
		}
	case "content-length":
		if _, ok := r.Header["Content-Length"]; !ok && r.ContentLength >= 0 {
			return strconv.FormatInt(r.ContentLength, 10)
		}
	case "expect":
		if _, ok := r.Header["Expect"]; !ok {
			return "100-continue"
		}
	}
	values := r.Header.Values(name)
	folded := make([]string, len(values))
	for i, v := range values {
		folded[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(folded, ",")
}
