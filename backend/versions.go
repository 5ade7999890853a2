package backend

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// emptySHA256 is the SHA-256 of an empty payload, as SigV4 signs a GET.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// retryDelay is the first wait before the listing is tried again; it
// doubles each time.
const retryDelay = 100 * time.Millisecond

// ListVersions lists one page of versions and delete markers.
//
// The request is made and read here rather than by the SDK, whose output
// holds versions and delete markers in two slices and so loses the order
// the server sent them in. Empty markers and prefix are not sent: S3 reads
// them as absent, and some servers refuse an empty version-id-marker.
func (c *Client) ListVersions(ctx context.Context, prefix, keyMarker, versionIDMarker string, maxKeys int) (VersionPage, error) {
	q := url.Values{"versions": {""}, "encoding-type": {"url"}}
	for k, v := range map[string]string{"prefix": prefix, "key-marker": keyMarker, "version-id-marker": versionIDMarker} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if maxKeys > 0 {
		q.Set("max-keys", strconv.Itoa(maxKeys))
	}
	query := canonicalQuery(q)
	ctx = withOperation(ctx, "ListObjectVersions")
	for attempt := 1; ; attempt++ {
		page, err := c.listVersionsOnce(ctx, query)
		if err == nil {
			return page, nil
		}
		if attempt == maxAttempts || !retryable(ctx, err) {
			return VersionPage{}, err
		}
		select {
		case <-ctx.Done():
			return VersionPage{}, fmt.Errorf("list versions of %s: %w", c.describe(""), ctx.Err())
		case <-time.After(retryDelay << (2 * (attempt - 1))):
		}
	}
}

// listVersionsOnce makes one signed listing request.
func (c *Client) listVersionsOnce(ctx context.Context, query string) (VersionPage, error) {
	k := &objectCall{op: "ListObjectVersions", method: http.MethodGet, query: query}
	resp, err := c.attempt(ctx, k)
	if err != nil {
		return VersionPage{}, fmt.Errorf("list versions of %s: %w", c.describe(""), err)
	}
	if resp.StatusCode != http.StatusOK {
		return VersionPage{}, c.answerError(k.op, "", resp)
	}
	defer resp.Body.Close()
	page, err := readVersions(resp.Body)
	if err != nil {
		return VersionPage{}, fmt.Errorf("read the version listing of %s: %w", c.describe(""), err)
	}
	return page, nil
}

// canonicalQuery is q as SigV4 signs it, and as it is sent: sorted by
// name, each name and value escaped byte by byte (a space as %20, not +).
func canonicalQuery(q url.Values) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(q)) {
		for _, v := range slices.Sorted(slices.Values(q[name])) {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(escape(name, false))
			b.WriteByte('=')
			b.WriteString(escape(v, false))
		}
	}
	return b.String()
}

// errorBody builds the *Error of a failed answer from its S3 error body.
func (c *Client) errorBody(op, versionID string, resp *http.Response) *Error {
	var body struct {
		Code    string
		Message string
	}
	// An answer without a readable body still has its status.
	_ = xml.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body)
	return c.errorFor(op, resp.StatusCode, body.Code, body.Message, versionID)
}

// entryXML is a <Version> or <DeleteMarker> of a listing.
type entryXML struct {
	Key          string
	VersionID    string `xml:"VersionId"`
	IsLatest     bool
	LastModified string
	ETag         string
	Size         int64
}

// pageBuffers hold listing pages while they are read: a page of 1,000
// versions is a few hundred KiB.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledPage is the largest buffer kept for the next page.
const maxPooledPage = 8 << 20

// readVersions reads a listing page whole, with fastVersions if it can,
// else with decodeVersions.
func readVersions(body io.Reader) (VersionPage, error) {
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledPage {
			buf.Reset()
			pageBuffers.Put(buf)
		}
	}()
	if _, err := buf.ReadFrom(body); err != nil {
		return VersionPage{}, err
	}
	if page, ok := fastVersions(buf.Bytes()); ok {
		return page, nil
	}
	return decodeVersions(bytes.NewReader(buf.Bytes()))
}

// decodeVersions reads a ListVersionsResult element by element, so that
// versions and delete markers keep the order they came in.
func decodeVersions(r io.Reader) (VersionPage, error) {
	var page VersionPage
	encoding := ""
	dec := xml.NewDecoder(r)
	inRoot := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return VersionPage{}, err
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !inRoot {
			inRoot = true
			continue
		}
		// Each child is read whole, so every start seen here is a child of
		// the root.
		if err := page.read(dec, start, &encoding); err != nil {
			return VersionPage{}, fmt.Errorf("<%s>: %w", start.Name.Local, err)
		}
	}
	if encoding == "url" {
		return page.urlDecoded()
	}
	return page, nil
}

// read takes in one child element of the listing's root.
func (p *VersionPage) read(dec *xml.Decoder, start xml.StartElement, encoding *string) error {
	var text string
	switch start.Name.Local {
	case "Version", "DeleteMarker":
		var e entryXML
		if err := dec.DecodeElement(&e, &start); err != nil {
			return err
		}
		o, err := e.object(start.Name.Local == "DeleteMarker", parseRFC3339)
		if err != nil {
			return err
		}
		p.Versions = append(p.Versions, o)
		return nil
	case "IsTruncated", "NextKeyMarker", "NextVersionIdMarker", "EncodingType":
		if err := dec.DecodeElement(&text, &start); err != nil {
			return err
		}
	default:
		return dec.Skip()
	}
	p.setField(start.Name.Local, text, encoding)
	return nil
}

// setField takes in the text of one of the root's fields other than the
// entries.
func (p *VersionPage) setField(name, text string, encoding *string) {
	switch name {
	case "IsTruncated":
		p.IsTruncated = strings.TrimSpace(text) == "true"
	case "NextKeyMarker":
		p.NextKeyMarker = text
	case "NextVersionIdMarker":
		p.NextVersionIDMarker = text
	case "EncodingType":
		*encoding = text
	}
}

// object is the entry as Object, its LastModified read with parseTime.
func (e entryXML) object(deleteMarker bool, parseTime func(string) (time.Time, error)) (Object, error) {
	o := Object{Key: e.Key, VersionID: orNull(e.VersionID), IsDeleteMarker: deleteMarker, IsLatest: e.IsLatest}
	if e.LastModified != "" {
		t, err := parseTime(e.LastModified)
		if err != nil {
			return Object{}, fmt.Errorf("LastModified of %q: %w", e.Key, err)
		}
		o.LastModified = t
	}
	if !deleteMarker {
		o.Size, o.ETag = e.Size, quoted(e.ETag)
	}
	return o, nil
}

func parseRFC3339(s string) (time.Time, error) { return time.Parse(time.RFC3339, s) }

// quoted gives an ETag its quotes, which some servers leave out of
// listings.
func quoted(etag string) string {
	if etag == "" || strings.HasPrefix(etag, `"`) {
		return etag
	}
	return `"` + etag + `"`
}

// urlDecoded undoes encoding-type=url on the keys and the key marker.
func (p VersionPage) urlDecoded() (VersionPage, error) {
	var err error
	if p.NextKeyMarker, err = url.QueryUnescape(p.NextKeyMarker); err != nil {
		return VersionPage{}, fmt.Errorf("NextKeyMarker: %w", err)
	}
	for i := range p.Versions {
		if p.Versions[i].Key, err = url.QueryUnescape(p.Versions[i].Key); err != nil {
			return VersionPage{}, fmt.Errorf("key: %w", err)
		}
	}
	return p, nil
}
