package gateway

import (
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3time"
)

// The listing documents are written by hand rather than with gofakes3's
// reflection-based encoder, which took half the CPU of a listing. They
// keep gofakes3's elements, order and escaping, which clients parse today,
// without its indentation.

// s3Namespace is the XML namespace of S3's documents.
const s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// The owner every V1 listing (and a V2 listing with fetch-owner) shows:
// gofakes3's, as before.
const (
	ownerID          = "fe7272ea58be830e56fe1663b10fafef"
	ownerDisplayName = "GoFakeS3"
)

// xmlEscapes holds the escape of each ASCII byte that needs one: the
// same as gofakes3's encoder (github.com/minio/xxml), which writes the
// control characters S3 keys may hold as character references, as S3
// does, except those it replaces with U+FFFD.
var xmlEscapes = func() [utf8.RuneSelf]string {
	var e [utf8.RuneSelf]string
	for c := range byte(0x20) {
		e[c] = "\uFFFD"
	}
	for c := range byte(8) {
		e[c] = "&#x" + strconv.FormatUint(uint64(c), 16) + ";"
	}
	e['\t'], e['\n'], e['\r'] = "&#x9;", "&#xA;", "&#xD;"
	e['"'], e['\''] = "&#34;", "&#39;"
	e['&'], e['<'], e['>'] = "&amp;", "&lt;", "&gt;"
	return e
}()

// appendText appends s escaped as XML character data.
func appendText[T string | []byte](b []byte, s T) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if esc := xmlEscapes[c]; esc != "" {
				b = append(append(b, s[last:i]...), esc...)
				last = i + 1
			}
			i++
			continue
		}
		r, width := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && width == 1 || !inXMLRange(r) {
			b = append(append(b, s[last:i]...), "\uFFFD"...)
			last = i + width
		}
		i += width
	}
	return append(b, s[last:]...)
}

// inXMLRange reports whether XML 1.0 allows r, for r beyond ASCII.
func inXMLRange(r rune) bool {
	return r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= utf8.MaxRune
}

// appendURLEncoded appends s encoded as S3 encodes a listing's keys for
// encoding-type=url (gofakes3.URLEncode's rule): every byte but letters,
// digits and -_./* as %XX. The result needs no XML escaping.
func appendURLEncoded[T string | []byte](b []byte, s T) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '/' || c == '*' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return b
}

func appendElem(b []byte, name, text string) []byte {
	b = append(append(append(b, '<'), name...), '>')
	b = appendText(b, text)
	return append(append(append(b, "</"...), name...), '>')
}

// appendElemIf appends the element only when text is not empty: S3 leaves
// out the optional markers and filters a request did not give.
func appendElemIf(b []byte, name, text string) []byte {
	if text == "" {
		return b
	}
	return appendElem(b, name, text)
}

func appendIntElem(b []byte, name string, n int64) []byte {
	b = append(append(append(b, '<'), name...), '>')
	b = strconv.AppendInt(b, n, 10)
	return append(append(append(b, "</"...), name...), '>')
}

func appendBoolElem(b []byte, name string, v bool) []byte {
	b = append(append(append(b, '<'), name...), '>')
	b = strconv.AppendBool(b, v)
	return append(append(append(b, "</"...), name...), '>')
}

// appendTimeElem writes t as S3 does, in UTC with milliseconds; a zero
// time is left out, as gofakes3 did.
func appendTimeElem(b []byte, name string, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	b = append(append(append(b, '<'), name...), '>')
	b = s3time.AppendISO(b, t)
	return append(append(append(b, "</"...), name...), '>')
}

// appendKey appends a key, prefix or marker as a listing shows it:
// URL-encoded when the request asked for it, XML-escaped otherwise.
func appendKey[T string | []byte](b []byte, s T, urlEncoding bool) []byte {
	if urlEncoding {
		return appendURLEncoded(b, s)
	}
	return appendText(b, s)
}

func appendKeyElem[T string | []byte](b []byte, name string, s T, urlEncoding bool) []byte {
	b = append(append(append(b, '<'), name...), '>')
	b = appendKey(b, s, urlEncoding)
	return append(append(append(b, "</"...), name...), '>')
}

// appendKeyElemIf is appendKeyElem of a non-empty s only.
func appendKeyElemIf(b []byte, name, s string, urlEncoding bool) []byte {
	if s == "" {
		return b
	}
	return appendKeyElem(b, name, s, urlEncoding)
}

// appendETag appends an ETag element, the ETag quoted (see quoteETag).
func appendETag(b []byte, etag []byte) []byte {
	b = append(b, "<ETag>"...)
	if len(etag) > 0 && etag[0] == '"' {
		b = appendText(b, etag)
	} else {
		b = append(appendText(append(b, xmlEscapes['"']...), etag), xmlEscapes['"']...)
	}
	return append(b, "</ETag>"...)
}

func appendCommonPrefix(b []byte, cp string, urlEncoding bool) []byte {
	b = append(b, "<CommonPrefixes>"...)
	b = appendKeyElem(b, "Prefix", cp, urlEncoding)
	return append(b, "</CommonPrefixes>"...)
}

// listDoc is a listing document as it is written: its common prefixes and
// entries while the index visits the page, then the parts around them,
// which depend on how the page ended. The parts are sent in field order.
type listDoc struct {
	head, prefixes, mid, entries, tail []byte
	// keys counts the entries and common prefixes.
	keys int
}

// listDocs recycles the documents' buffers: a page of 1,000 keys is a few
// hundred KiB.
var listDocs = sync.Pool{New: func() any { return new(listDoc) }}

// maxPooledDoc keeps an unusually large document's buffers from being
// held on to.
const maxPooledDoc = 4 << 20

func newListDoc() *listDoc {
	d := listDocs.Get().(*listDoc)
	d.head, d.prefixes, d.mid, d.entries, d.tail = d.head[:0], d.prefixes[:0], d.mid[:0], d.entries[:0], d.tail[:0]
	d.keys = 0
	return d
}

func (d *listDoc) parts() [5][]byte {
	return [5][]byte{d.head, d.prefixes, d.mid, d.entries, d.tail}
}

// bytes returns the whole document.
func (d *listDoc) bytes() []byte {
	var b []byte
	for _, p := range d.parts() {
		b = append(b, p...)
	}
	return b
}

// send answers the request with the document.
func (d *listDoc) send(w http.ResponseWriter) {
	n := 0
	for _, p := range d.parts() {
		n += len(p)
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(n))
	w.WriteHeader(http.StatusOK)
	for _, p := range d.parts() {
		if _, err := w.Write(p); err != nil {
			// The status is sent: the client went away.
			return
		}
	}
}

// release returns d to the pool; d is not used after.
func (d *listDoc) release() {
	n := 0
	for _, p := range d.parts() {
		n += cap(p)
	}
	if n <= maxPooledDoc {
		listDocs.Put(d)
	}
}

// objectListing is what a ListObjects answer echoes of its request.
type objectListing struct {
	bucket       string
	v2           bool
	prefix       string
	delimiter    string
	maxKeys      int64
	encodingType string
	urlEncoding  bool
	withOwner    bool
	// v1 only: where the page starts.
	marker string
	// v2 only: the continuation token, when the request had one, and
	// start-after.
	continuationToken *string
	startAfter        string
}

// visitor writes the page's common prefixes and objects into d.
func (l *objectListing) visitor(d *listDoc) index.ListVisitor {
	return index.ListVisitor{
		Entry: func(e *index.ListEntry) error {
			d.keys++
			d.entries = l.appendContents(d.entries, e)
			return nil
		},
		CommonPrefix: func(cp string) error {
			d.keys++
			d.prefixes = appendCommonPrefix(d.prefixes, cp, l.urlEncoding)
			return nil
		},
	}
}

func (l *objectListing) appendContents(b []byte, e *index.ListEntry) []byte {
	b = append(b, "<Contents>"...)
	b = appendKeyElem(b, "Key", e.Key, l.urlEncoding)
	b = appendTimeElem(b, "LastModified", e.LastModified)
	b = appendETag(b, e.ETag)
	b = appendIntElem(b, "Size", e.Size)
	b = append(b, "<StorageClass>STANDARD</StorageClass>"...)
	if l.withOwner {
		b = append(b, "<Owner><ID>"+ownerID+"</ID><DisplayName>"+ownerDisplayName+"</DisplayName></Owner>"...)
	}
	return append(b, "</Contents>"...)
}

// finish writes the ListBucketResult (V1 or V2) around the page, which
// ended with end.
func (l *objectListing) finish(d *listDoc, end index.ListResult) {
	// S3 encodes the Prefix of V2 listings only.
	urlPrefix := l.urlEncoding && l.v2
	b := append(d.head, xmlHeader...)
	b = append(b, `<ListBucketResult xmlns="`+s3Namespace+`">`...)
	b = appendElem(b, "Name", l.bucket)
	b = appendBoolElem(b, "IsTruncated", end.IsTruncated)
	if l.delimiter != "" {
		b = appendKeyElem(b, "Delimiter", l.delimiter, l.urlEncoding)
	}
	b = appendKeyElem(b, "Prefix", l.prefix, urlPrefix)
	if l.maxKeys != 0 {
		b = appendIntElem(b, "MaxKeys", l.maxKeys)
	}
	d.head = b

	b = d.tail
	b = appendElemIf(b, "EncodingType", l.encodingType)
	if !l.v2 {
		b = appendKeyElem(b, "Marker", l.marker, l.urlEncoding)
		// S3 returns NextMarker only to a listing with a delimiter.
		if l.delimiter != "" && end.NextMarker != "" {
			b = appendKeyElem(b, "NextMarker", end.NextMarker, l.urlEncoding)
		}
	} else {
		if l.continuationToken != nil {
			b = appendElem(b, "ContinuationToken", *l.continuationToken)
		}
		if d.keys != 0 {
			b = appendIntElem(b, "KeyCount", int64(d.keys))
		}
		if end.NextMarker != "" {
			b = appendElem(b, "NextContinuationToken", continuationToken(end.NextMarker))
		}
		if l.startAfter != "" {
			b = appendKeyElem(b, "StartAfter", l.startAfter, l.urlEncoding)
		}
	}
	d.tail = append(b, "</ListBucketResult>"...)
}

// versionListing is what a ListObjectVersions answer echoes of its
// request.
type versionListing struct {
	bucket          string
	prefix          string
	delimiter       string
	maxKeys         int64
	keyMarker       string
	versionIDMarker string
	encodingType    string
	// urlEncoding is encoding-type=url: keys, prefixes, markers and the
	// delimiter are sent URL-encoded, so that a key with characters XML
	// 1.0 cannot carry still lists.
	urlEncoding bool
}

// visitor writes the page's common prefixes, versions and delete markers
// into d.
func (l *versionListing) visitor(d *listDoc) index.ListVisitor {
	return index.ListVisitor{
		Entry: func(e *index.ListEntry) error {
			d.keys++
			d.entries = appendVersion(d.entries, e, l.urlEncoding)
			return nil
		},
		CommonPrefix: func(cp string) error {
			d.keys++
			d.prefixes = appendCommonPrefix(d.prefixes, cp, l.urlEncoding)
			return nil
		},
	}
}

// appendVersion writes a Version or DeleteMarker element.
func appendVersion(b []byte, e *index.ListEntry, urlEncoding bool) []byte {
	if e.IsDeleteMarker {
		b = append(b, "<DeleteMarker>"...)
	} else {
		b = append(b, "<Version>"...)
	}
	b = appendKeyElem(b, "Key", e.Key, urlEncoding)
	if len(e.VersionID) == 0 {
		b = appendElem(b, "VersionId", index.NullVersion)
	} else {
		b = appendKeyElem(b, "VersionId", e.VersionID, false)
	}
	b = appendBoolElem(b, "IsLatest", e.IsLatest)
	b = appendTimeElem(b, "LastModified", e.LastModified)
	if e.IsDeleteMarker {
		return append(b, "</DeleteMarker>"...)
	}
	b = appendIntElem(b, "Size", e.Size)
	b = append(b, "<StorageClass>STANDARD</StorageClass>"...)
	b = appendETag(b, e.ETag)
	return append(b, "</Version>"...)
}

// finish writes the ListBucketVersionsResult around the page, which
// ended with end.
func (l *versionListing) finish(d *listDoc, end index.VersionListResult) {
	b := append(d.head, xmlHeader...)
	b = append(b, `<ListBucketVersionsResult xmlns="`+s3Namespace+`">`...)
	b = appendElem(b, "Name", l.bucket)
	b = appendKeyElemIf(b, "Delimiter", l.delimiter, l.urlEncoding)
	b = appendKeyElemIf(b, "Prefix", l.prefix, l.urlEncoding)
	d.head = b

	b = appendBoolElem(d.mid, "IsTruncated", end.IsTruncated)
	b = appendIntElem(b, "MaxKeys", l.maxKeys)
	b = appendElemIf(b, "EncodingType", l.encodingType)
	b = appendKeyElemIf(b, "KeyMarker", l.keyMarker, l.urlEncoding)
	b = appendKeyElemIf(b, "NextKeyMarker", end.NextKeyMarker, l.urlEncoding)
	b = appendElemIf(b, "VersionIdMarker", l.versionIDMarker)
	b = appendElemIf(b, "NextVersionIdMarker", end.NextVersionIDMarker)
	d.mid = b

	d.tail = append(d.tail, "</ListBucketVersionsResult>"...)
}
