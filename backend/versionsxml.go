package backend

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ringside/ringside/internal/s3time"
)

// A listing page is the ingester's largest cost per version, and
// encoding/xml, which builds a token for every element and reflects over
// entryXML for each entry, spent most of it. fastVersions reads the one
// shape S3 servers send (a declaration, a root, its children, the fields of
// each entry) straight from the page's bytes. It is strict in the other
// direction: anything it is not sure encoding/xml reads the same way
// (comments, CDATA, namespace prefixes, carriage returns, odd entities,
// elements inside a field, values that do not parse) makes it give up, and
// the page is read by decodeVersions, whose answer, or error, stands.

// xmlDecl is the declaration S3 servers put before the root.
const xmlDecl = `<?xml version="1.0" encoding="UTF-8"?>`

// xmlReader walks a listing document. Its methods return false for what
// it leaves to encoding/xml.
type xmlReader struct {
	b   []byte
	i   int
	buf []byte // a field's text while its entities are replaced
}

// fastVersions reads a listing page, or says it cannot.
func fastVersions(b []byte) (VersionPage, bool) {
	r := xmlReader{b: b}
	if bytes.HasPrefix(b, []byte(xmlDecl)) {
		r.i += len(xmlDecl)
	}
	if !r.skipText() || r.i >= len(r.b) || r.b[r.i] != '<' {
		return VersionPage{}, false
	}
	r.i++
	root, closed, ok := r.startTag()
	if !ok || closed {
		return VersionPage{}, false
	}
	var page VersionPage
	encoding := ""
	if !r.children(root, func(name []byte) bool { return r.rootChild(name, &page, &encoding) }) {
		return VersionPage{}, false
	}
	if r.space(); r.i != len(r.b) {
		return VersionPage{}, false
	}
	if encoding == "url" {
		p, err := page.urlDecoded()
		// The error is decodeVersions' to give.
		return p, err == nil
	}
	return page, true
}

// rootChild reads one child of the root, whose start tag was just read.
func (r *xmlReader) rootChild(name []byte, page *VersionPage, encoding *string) bool {
	switch string(name) {
	case "Version", "DeleteMarker":
		o, ok := r.entry(name)
		if ok {
			page.Versions = append(page.Versions, o)
		}
		return ok
	case "IsTruncated", "NextKeyMarker", "NextVersionIdMarker", "EncodingType":
		text, ok := r.field(name)
		if ok {
			page.setField(string(name), text, encoding)
		}
		return ok
	}
	return r.skip(name)
}

// entry reads a <Version> or <DeleteMarker> whose start tag was just read,
// as encoding/xml fills entryXML: the last of a repeated field wins, a
// field missing or empty is the zero value.
func (r *xmlReader) entry(name []byte) (Object, bool) {
	var e entryXML
	var latest, size string
	ok := r.children(name, func(field []byte) bool {
		var dst *string
		switch string(field) {
		case "Key":
			dst = &e.Key
		case "VersionId":
			dst = &e.VersionID
		case "IsLatest":
			dst = &latest
		case "LastModified":
			dst = &e.LastModified
		case "ETag":
			dst = &e.ETag
		case "Size":
			dst = &size
		default:
			return r.skip(field)
		}
		text, ok := r.field(field)
		*dst = text
		return ok
	})
	if !ok {
		return Object{}, false
	}
	var err1, err2 error
	if latest != "" {
		e.IsLatest, err1 = strconv.ParseBool(strings.TrimSpace(latest))
	}
	if size != "" {
		e.Size, err2 = strconv.ParseInt(strings.TrimSpace(size), 10, 64)
	}
	if err1 != nil || err2 != nil {
		return Object{}, false
	}
	o, err := e.object(string(name) == "DeleteMarker", listingTime)
	return o, err == nil
}

// children reads the content of the element name, whose start tag was
// just read, through its end tag, calling child after each child's start
// tag; child reads the rest of that child.
func (r *xmlReader) children(name []byte, child func(name []byte) bool) bool {
	for {
		if !r.skipText() || r.i+1 >= len(r.b) {
			return false
		}
		r.i++ // '<'
		if r.b[r.i] == '/' {
			r.i++
			return r.endTag(name)
		}
		c, closed, ok := r.startTag()
		if !ok || closed {
			// An empty element is a zero field or entry to encoding/xml:
			// rare enough to leave to it.
			return false
		}
		if !child(c) {
			return false
		}
	}
}

// skip reads the rest of an element whose start tag was just read,
// checking that its tags nest.
func (r *xmlReader) skip(name []byte) bool {
	return r.children(name, r.skip)
}

// field reads the text of an element whose start tag was just read,
// through its end tag; an element inside it is left to encoding/xml.
func (r *xmlReader) field(name []byte) (string, bool) {
	start := r.i
	entities := false
	for r.i < len(r.b) && r.b[r.i] != '<' {
		c := r.b[r.i]
		switch {
		case c == '&':
			entities = true
			r.i++
		case c >= 0x20 && c < 0x7f && c != ']' || c == '\t' || c == '\n':
			r.i++
		default:
			if !r.oddChar() {
				return "", false
			}
		}
	}
	end := r.i
	if r.i+1 >= len(r.b) || r.b[r.i+1] != '/' {
		return "", false
	}
	r.i += 2
	if !r.endTag(name) {
		return "", false
	}
	if !entities {
		return string(r.b[start:end]), true
	}
	return r.unescape(r.b[start:end])
}

// skipText passes the text before the next tag, which must be text
// encoding/xml accepts; entities are left to it.
func (r *xmlReader) skipText() bool {
	for r.i < len(r.b) && r.b[r.i] != '<' {
		c := r.b[r.i]
		switch {
		case c >= 0x20 && c < 0x7f && c != ']' && c != '&' || c == '\t' || c == '\n':
			r.i++
		case c == '&':
			return false
		default:
			if !r.oddChar() {
				return false
			}
		}
	}
	return true
}

// oddChar passes one character of text that is not plain printable ASCII:
// a ']' not ending a CDATA section, or a valid UTF-8 character XML allows.
// A carriage return, which encoding/xml turns into a line feed, is left to
// it.
func (r *xmlReader) oddChar() bool {
	c := r.b[r.i]
	if c == ']' {
		if bytes.HasPrefix(r.b[r.i:], []byte("]]>")) {
			return false
		}
		r.i++
		return true
	}
	if c < utf8.RuneSelf {
		return false // control characters, '\r' and DEL's neighbours below
	}
	ch, n := utf8.DecodeRune(r.b[r.i:])
	if ch == utf8.RuneError && n == 1 || !xmlChar(ch) {
		return false
	}
	r.i += n
	return true
}

// xmlChar is encoding/xml's range of characters a document may hold.
func xmlChar(c rune) bool {
	return c == 0x09 || c == 0x0A || c == 0x0D ||
		c >= 0x20 && c <= 0xD7FF || c >= 0xE000 && c <= 0xFFFD || c >= 0x10000 && c <= 0x10FFFF
}

// unescape replaces the entities of a field's text: the five XML names
// and character references.
func (r *xmlReader) unescape(text []byte) (string, bool) {
	out := r.buf[:0]
	for {
		amp := bytes.IndexByte(text, '&')
		if amp < 0 {
			break
		}
		out = append(out, text[:amp]...)
		semi := bytes.IndexByte(text[amp:], ';')
		if semi < 0 {
			return "", false
		}
		ref := text[amp+1 : amp+semi]
		text = text[amp+semi+1:]
		switch string(ref) {
		case "lt":
			out = append(out, '<')
		case "gt":
			out = append(out, '>')
		case "amp":
			out = append(out, '&')
		case "apos":
			out = append(out, '\'')
		case "quot":
			out = append(out, '"')
		default:
			c, ok := charRef(ref)
			if !ok {
				return "", false
			}
			out = utf8.AppendRune(out, c)
		}
	}
	out = append(out, text...)
	r.buf = out
	return string(out), true
}

// charRef reads a character reference's "#65" or "#x41".
func charRef(ref []byte) (rune, bool) {
	if len(ref) < 2 || len(ref) > 8 || ref[0] != '#' {
		return 0, false
	}
	base, digits := 10, ref[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	if len(digits) == 0 {
		return 0, false
	}
	var n rune
	for _, d := range digits {
		var v rune
		switch {
		case d >= '0' && d <= '9':
			v = rune(d - '0')
		case base == 16 && d >= 'a' && d <= 'f':
			v = rune(d-'a') + 10
		case base == 16 && d >= 'A' && d <= 'F':
			v = rune(d-'A') + 10
		default:
			return 0, false
		}
		n = n*rune(base) + v
	}
	return n, xmlChar(n)
}

// startTag reads a start tag after its '<': its name, whether it closes
// itself, and whether it is one the reader takes. Attributes are passed
// over (only the root's xmlns is expected); their values must be plain.
func (r *xmlReader) startTag() (name []byte, closed, ok bool) {
	name = r.name()
	if name == nil {
		return nil, false, false
	}
	for {
		spaced := r.space()
		if r.i >= len(r.b) {
			return nil, false, false
		}
		switch r.b[r.i] {
		case '>':
			r.i++
			return name, false, true
		case '/':
			if r.i+1 < len(r.b) && r.b[r.i+1] == '>' {
				r.i += 2
				return name, true, true
			}
			return nil, false, false
		}
		if !spaced || !r.attr() {
			return nil, false, false
		}
	}
}

// attr passes one name="value" attribute.
func (r *xmlReader) attr() bool {
	if r.name() == nil {
		return false
	}
	r.space()
	if r.i >= len(r.b) || r.b[r.i] != '=' {
		return false
	}
	r.i++
	r.space()
	if r.i >= len(r.b) || r.b[r.i] != '"' && r.b[r.i] != '\'' {
		return false
	}
	quote := r.b[r.i]
	r.i++
	for r.i < len(r.b) && r.b[r.i] != quote {
		c := r.b[r.i]
		switch {
		case c == '<' || c == '&':
			return false
		case c >= 0x20 && c < 0x7f && c != ']' || c == '\t' || c == '\n':
			r.i++
		default:
			if !r.oddChar() {
				return false
			}
		}
	}
	if r.i >= len(r.b) {
		return false
	}
	r.i++
	return true
}

// endTag reads an end tag after its "</", which must close name.
func (r *xmlReader) endTag(name []byte) bool {
	got := r.name()
	if got == nil || !bytes.Equal(got, name) {
		return false
	}
	r.space()
	if r.i >= len(r.b) || r.b[r.i] != '>' {
		return false
	}
	r.i++
	return true
}

// name reads an element or attribute name of ASCII letters, digits, '_',
// '-' and '.': a namespace prefix, or any other character, is left to
// encoding/xml.
func (r *xmlReader) name() []byte {
	start := r.i
	for r.i < len(r.b) {
		c := r.b[r.i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' ||
			r.i > start && (c >= '0' && c <= '9' || c == '-' || c == '.') {
			r.i++
			continue
		}
		if c == ':' || c >= utf8.RuneSelf {
			return nil
		}
		break
	}
	if r.i == start {
		return nil
	}
	return r.b[start:r.i]
}

// space passes spaces, tabs and line feeds, and says whether there were
// any.
func (r *xmlReader) space() bool {
	start := r.i
	for r.i < len(r.b) && (r.b[r.i] == ' ' || r.b[r.i] == '\t' || r.b[r.i] == '\n') {
		r.i++
	}
	return r.i > start
}

// listingTime is parseRFC3339, fast for the form S3 servers send.
func listingTime(s string) (time.Time, error) {
	if t, ok := s3time.ParseISO(s); ok {
		return t, nil
	}
	return parseRFC3339(s)
}
