package gateway

import (
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rclone/gofakes3"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// trickyKeys need XML escaping, URL encoding, or both; some hold
// characters XML 1.0 cannot carry.
var trickyKeys = []string{
	"a&b<c>d", `q"uo'te`, "sp ace", "uni/ünï/日本/😀", "tab\tx", "nl\nx",
	"cr\rx", "ctl\x01x", "ctl\x1fx", "pct%2Fx", "plus+x", "bad\xffutf8",
	"tilde~x", "star*x", "nonchar\uFFFEx", "dir/a", "dir/b&c", "dir2/x",
	"gone",
}

// listingEnv is a gateway over an index holding trickyKeys in bucket
// data: two versions of each, and a delete marker on top of "gone".
func listingEnv(t *testing.T) *Gateway {
	t.Helper()
	db, err := index.OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.CreateBucket(index.Bucket{Name: "data", Location: "ring"}); err != nil {
		t.Fatal(err)
	}
	g, _ := newGatewayOver(t, db, nil)
	// Whole milliseconds with three digits, which gofakes3 wrote as S3
	// does; it dropped trailing zeros.
	at := time.Date(2026, 1, 2, 3, 4, 5, 123_000_000, time.UTC)
	for i, k := range trickyKeys {
		for _, id := range []string{"v1", "v2"} {
			v := index.Version{Key: k, VersionID: id, Size: int64(10 * i), ETag: `"etag-` + id + `"`,
				LastModified: at.Add(time.Duration(i) * time.Minute)}
			if err := db.RecordVersion("data", v); err != nil {
				t.Fatal(err)
			}
		}
	}
	dm := index.Version{Key: "gone", VersionID: "dm", IsDeleteMarker: true, LastModified: at}
	if err := db.RecordVersion("data", dm); err != nil {
		t.Fatal(err)
	}
	return g
}

// indentation is what gofakes3's indenting encoder adds between
// elements: character data never holds a raw newline (it is escaped).
var indentation = regexp.MustCompile(`\n *`)

// TestListingMatchesGofakes3 checks that serveList answers what gofakes3
// answered over the same index, except for its indentation. Where
// ringside answers as S3 does and gofakes3 did not (a negative max-keys,
// encoding-type=url on version listings), TestListingsEncodeKeysForURL
// and TestListingsRefuseNegativeLimits check ringside's answer instead.
func TestListingMatchesGofakes3(t *testing.T) {
	g := listingEnv(t)
	router := gofakes3.New(listingOracle{&s3Backend{g: g}}, gofakes3.WithTimeSkewLimit(0)).Server()
	token := base64.URLEncoding.EncodeToString([]byte("dir/a"))
	queries := []string{
		"", "prefix=dir/", "delimiter=/", "delimiter=/&max-keys=2", "marker=dir/a",
		"max-keys=3&delimiter=/&marker=b", "encoding-type=url",
		"encoding-type=url&delimiter=/&prefix=d", "encoding-type=url&delimiter=%26",
		"max-keys=0", "max-keys=5000", "max-keys=4&marker=uni/",
		"list-type=2", "list-type=2&fetch-owner=true", "list-type=2&start-after=c",
		"list-type=2&continuation-token=" + token, "list-type=2&continuation-token=",
		"list-type=2&encoding-type=url&start-after=sp%20ace&max-keys=3",
		"list-type=2&max-keys=2&delimiter=/", "list-type=2&prefix=nothing",
		"list-type=2&encoding-type=url&delimiter=/&prefix=uni/",
		"versions", "versions&max-keys=3", "versions&key-marker=dir/a&version-id-marker=v1",
		"versions&key-marker=dir/a&version-id-marker=v2", "versions&delimiter=/&prefix=dir",
		"versions&key-marker=gone&max-keys=2", "versions&delimiter=/&max-keys=2&key-marker=dir/",
		// Refusals.
		"max-keys=abc", "encoding-type=xml", "list-type=2&continuation-token=!!!",
		"versions&version-id-marker=", "versions&version-id-marker=v1", "versions&max-keys=x",
	}
	for _, q := range queries {
		t.Run(q, func(t *testing.T) {
			if rt := lookup(http.MethodGet, "data", "", q, false); rt.serve == nil {
				t.Fatalf("%q is not a listing serveList answers", q)
			}
			r := httptest.NewRequest(http.MethodGet, "/data?"+q, nil)
			want := httptest.NewRecorder()
			router.ServeHTTP(want, r)
			got := httptest.NewRecorder()
			if err := g.serveList(got, r, "data", ""); err != nil {
				s3err.Write(got, r, g.toS3(err))
			}
			if got.Code != want.Code {
				t.Fatalf("status %d, gofakes3 %d: %s", got.Code, want.Code, got.Body)
			}
			if want.Code != http.StatusOK {
				if c, wc := docErrorCode(t, got.Body.String()), docErrorCode(t, want.Body.String()); c != wc {
					t.Errorf("error %s, gofakes3 %s", c, wc)
				}
				return
			}
			if ct := got.Header().Get("Content-Type"); ct != "application/xml" {
				t.Errorf("Content-Type %q", ct)
			}
			// Both put a newline after the XML declaration.
			g, w := indentation.ReplaceAllString(got.Body.String(), ""), indentation.ReplaceAllString(want.Body.String(), "")
			if g != w {
				t.Errorf("body\n%s\ngofakes3\n%s", g, w)
			}
		})
	}
}

func docErrorCode(t *testing.T, body string) string {
	t.Helper()
	var e struct{ Code string }
	if err := xml.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("error document %q: %v", body, err)
	}
	return e.Code
}

// TestListingDepartsFromGofakes3 covers where serveList answers as S3
// does rather than as gofakes3 did.
func TestListingDepartsFromGofakes3(t *testing.T) {
	g := listingEnv(t)
	tests := []struct {
		query string
		want  []string // substrings of the document
		not   []string
	}{
		// gofakes3 listed 1,000 versions for max-keys=0.
		{"versions&max-keys=0", []string{"<MaxKeys>0</MaxKeys>", "<IsTruncated>false</IsTruncated>"}, []string{"<Version>"}},
		// gofakes3 dropped max-keys along with an empty key marker.
		{"versions&key-marker=&max-keys=1", []string{"<MaxKeys>1</MaxKeys>", "<Key>a&amp;b&lt;c&gt;d</Key>"}, []string{"<KeyMarker>"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := httptest.NewRecorder()
			if err := g.serveList(got, httptest.NewRequest(http.MethodGet, "/data?"+tt.query, nil), "data", ""); err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.want {
				if !strings.Contains(got.Body.String(), s) {
					t.Errorf("no %s in\n%s", s, got.Body)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(got.Body.String(), s) {
					t.Errorf("%s in\n%s", s, got.Body)
				}
			}
		})
	}
}

// xmlSafe is what a key reads as from a document without URL encoding:
// the characters XML cannot carry become U+FFFD, as gofakes3 wrote them.
func xmlSafe(k string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r > 0x07 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE {
			return '\uFFFD'
		}
		return r
	}, k)
}

// xmlRefused reports whether k holds a character gofakes3 (and S3) write
// as a character reference that XML 1.0, and so encoding/xml, refuses:
// such keys read back only from a document with URL encoding.
func xmlRefused(k string) bool {
	return strings.ContainsFunc(k, func(r rune) bool { return r <= 0x07 })
}

// TestListingXMLRoundTrip decodes the documents with encoding/xml into
// gofakes3's structures (and, for the versions, S3's shape) and checks
// that every key and value reads back.
func TestListingXMLRoundTrip(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tt := range []struct {
		name     string
		v2, url  bool
		wantKeys func(string) string
	}{
		{"v1", false, false, xmlSafe},
		{"v2", true, false, xmlSafe},
		{"v1 url", false, true, func(k string) string { return k }},
		{"v2 url", true, true, func(k string) string { return k }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var objects []index.Version
			cps := []string{"a&b/", "ctl\x01/", "dir/"}
			for i, k := range trickyKeys {
				if tt.url || !xmlRefused(k) {
					objects = append(objects, index.Version{Key: k, ETag: `"e&<>'"`, Size: int64(i), LastModified: at.Add(time.Duration(i) * time.Second)})
				}
			}
			if !tt.url {
				cps = slices.DeleteFunc(cps, xmlRefused)
			}
			l := objectListing{bucket: "data", v2: tt.v2, prefix: "p&< ", delimiter: "/", maxKeys: 1000,
				urlEncoding: tt.url, withOwner: true, marker: "m< ", startAfter: "s&"}
			page := index.ListResult{Objects: objects, CommonPrefixes: cps, IsTruncated: true, NextMarker: "next&"}
			if tt.url {
				l.encodingType = "url"
			}
			decodeKey := func(s string) string {
				if !tt.url {
					return s
				}
				d, err := url.PathUnescape(s)
				if err != nil {
					t.Fatalf("%q is not URL-encoded: %v", s, err)
				}
				return d
			}
			doc := objectsDoc(&l, page)
			var base gofakes3.ListBucketResultBase
			if tt.v2 {
				var res gofakes3.ListBucketResultV2
				decodeDoc(t, doc, &res)
				base = res.ListBucketResultBase
				if res.KeyCount != int64(len(objects)+len(cps)) || decodeKey(res.StartAfter) != "s&" ||
					res.NextContinuationToken != continuationToken("next&") {
					t.Errorf("V2 fields: %+v", res)
				}
				if got := decodeKey(base.Prefix); got != "p&< " {
					t.Errorf("Prefix %q", got)
				}
			} else {
				var res gofakes3.ListBucketResult
				decodeDoc(t, doc, &res)
				base = res.ListBucketResultBase
				if decodeKey(res.Marker) != "m< " || decodeKey(res.NextMarker) != "next&" {
					t.Errorf("V1 markers %q, %q", res.Marker, res.NextMarker)
				}
				// V1 leaves its Prefix unencoded.
				if base.Prefix != "p&< " {
					t.Errorf("Prefix %q", base.Prefix)
				}
			}
			if base.Name != "data" || !base.IsTruncated || base.MaxKeys != 1000 || decodeKey(base.Delimiter) != "/" || base.EncodingType != l.encodingType {
				t.Errorf("listing fields: %+v", base)
			}
			if len(base.CommonPrefixes) != len(cps) {
				t.Fatalf("%d common prefixes, want %d", len(base.CommonPrefixes), len(cps))
			}
			for i, cp := range base.CommonPrefixes {
				if got := decodeKey(cp.Prefix); got != tt.wantKeys(cps[i]) {
					t.Errorf("common prefix %q, want %q", got, tt.wantKeys(cps[i]))
				}
			}
			if len(base.Contents) != len(objects) {
				t.Fatalf("%d objects, want %d", len(base.Contents), len(objects))
			}
			for i, c := range base.Contents {
				o := objects[i]
				if got := decodeKey(c.Key); got != tt.wantKeys(o.Key) {
					t.Errorf("key %q, want %q", got, tt.wantKeys(o.Key))
				}
				if c.ETag != o.ETag || c.Size != o.Size || !c.LastModified.Equal(o.LastModified) ||
					c.StorageClass != gofakes3.StorageStandard || c.Owner == nil || c.Owner.ID != ownerID {
					t.Errorf("object %d: %+v, want %+v", i, c, o)
				}
			}
		})
	}

	t.Run("versions", func(t *testing.T) {
		var vs []index.Version
		for i, k := range slices.DeleteFunc(slices.Clone(trickyKeys), xmlRefused) {
			vs = append(vs, index.Version{Key: k, VersionID: "id<" + k, Size: int64(i), ETag: `"x"`,
				LastModified: at, IsLatest: i%2 == 0, IsDeleteMarker: i%3 == 0})
		}
		cps := []string{"a&b/", "dir/"}
		l := versionListing{bucket: "data", prefix: "p", delimiter: "/", maxKeys: 7, keyMarker: "k&", versionIDMarker: "v'"}
		page := index.VersionListResult{Versions: vs, CommonPrefixes: cps, IsTruncated: true, NextKeyMarker: "nk<", NextVersionIDMarker: "nv>"}
		var res struct {
			Name, Prefix, Delimiter, KeyMarker, VersionIdMarker, NextKeyMarker, NextVersionIdMarker string
			IsTruncated                                                                             bool
			MaxKeys                                                                                 int
			CommonPrefixes                                                                          []gofakes3.CommonPrefix
			Entries                                                                                 []struct {
				XMLName      xml.Name
				Key          string
				VersionId    string
				IsLatest     bool
				LastModified time.Time
				Size         int64
				ETag         string
				StorageClass string
			} `xml:",any"`
		}
		decodeDoc(t, versionsDoc(&l, page), &res)
		if res.Name != "data" || res.Prefix != "p" || res.Delimiter != "/" || res.KeyMarker != "k&" || res.VersionIdMarker != "v'" ||
			res.NextKeyMarker != "nk<" || res.NextVersionIdMarker != "nv>" || !res.IsTruncated || res.MaxKeys != 7 ||
			len(res.CommonPrefixes) != len(cps) || res.CommonPrefixes[0].Prefix != cps[0] {
			t.Errorf("listing fields: %+v", res)
		}
		if len(res.Entries) != len(vs) {
			t.Fatalf("%d entries, want %d", len(res.Entries), len(vs))
		}
		for i, e := range res.Entries {
			v := vs[i]
			name := "Version"
			if v.IsDeleteMarker {
				name = "DeleteMarker"
			}
			if e.XMLName.Local != name || e.Key != xmlSafe(v.Key) || e.VersionId != xmlSafe(v.VersionID) ||
				e.IsLatest != v.IsLatest || !e.LastModified.Equal(at) {
				t.Errorf("entry %d: %+v, want %+v", i, e, v)
			}
			if !v.IsDeleteMarker && (e.Size != v.Size || e.ETag != v.ETag || e.StorageClass != "STANDARD") {
				t.Errorf("version %d: %+v, want %+v", i, e, v)
			}
		}
	})
}

// objectsDoc writes the document of a page as the index visits it.
func objectsDoc(l *objectListing, page index.ListResult) []byte {
	d := &listDoc{}
	visit(l.visitor(d), page.Objects, page.CommonPrefixes)
	l.finish(d, page)
	return d.bytes()
}

func versionsDoc(l *versionListing, page index.VersionListResult) []byte {
	d := &listDoc{}
	visit(l.visitor(d), page.Versions, page.CommonPrefixes)
	l.finish(d, page)
	return d.bytes()
}

func visit(v index.ListVisitor, vs []index.Version, cps []string) {
	for _, cp := range cps {
		_ = v.CommonPrefix(cp)
	}
	for _, o := range vs {
		_ = v.Entry(&index.ListEntry{
			Key: []byte(o.Key), VersionID: []byte(o.VersionID), ETag: []byte(o.ETag),
			Size: o.Size, LastModified: o.LastModified, IsDeleteMarker: o.IsDeleteMarker, IsLatest: o.IsLatest,
		})
	}
}

func decodeDoc(t *testing.T, doc []byte, v any) {
	t.Helper()
	if !strings.HasPrefix(string(doc), xml.Header) {
		t.Errorf("no XML header: %.60q", doc)
	}
	if err := xml.Unmarshal(doc, v); err != nil {
		t.Fatalf("decode %s: %v", doc, err)
	}
}

func TestAppendText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain/key.txt", "plain/key.txt"},
		{`a&b<c>"d'`, "a&amp;b&lt;c&gt;&#34;d&#39;"},
		{"t\tn\nr\r", "t&#x9;n&#xA;r&#xD;"},
		{"\x00\x07\x08\x1f\x7f", "&#x0;&#x7;\uFFFD\uFFFD\x7f"},
		{"ünï日本😀", "ünï日本😀"},
		{"bad\xff\xc3", "bad\uFFFD\uFFFD"},
		{"\uFFFD\uFFFE\uFFFF", "\uFFFD\uFFFD\uFFFD"},
	}
	for _, tt := range tests {
		if got := string(appendText(nil, tt.in)); got != tt.want {
			t.Errorf("appendText(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := string(appendText(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("appendText([]byte(%q)) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAppendURLEncoded(t *testing.T) {
	for _, k := range append(trickyKeys, "", "AZaz09-_./*~!'()", "\x00\x7f\x80\xff") {
		want := gofakes3.URLEncode(k)
		if got := string(appendURLEncoded(nil, k)); got != want {
			t.Errorf("appendURLEncoded(%q) = %q, want %q", k, got, want)
		}
		if got := string(appendURLEncoded(nil, []byte(k))); got != want {
			t.Errorf("appendURLEncoded([]byte(%q)) = %q, want %q", k, got, want)
		}
	}
}
