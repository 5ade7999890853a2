package backend

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// awsListing is a listing as AWS sends it: indented, ETags quoted with
// &quot;, URL-encoded names, a common prefix, EncodingType last.
const awsListing = `<?xml version="1.0" encoding="UTF-8"?>
<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix></Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker>
  <NextKeyMarker>k%2B2</NextKeyMarker><NextVersionIdMarker>null</NextVersionIdMarker>
  <MaxKeys>3</MaxKeys><IsTruncated>true</IsTruncated>
  <Version><Key>a+b%20c</Key><VersionId>v/3+</VersionId><IsLatest>true</IsLatest>
    <LastModified>2026-01-02T03:04:05.678Z</LastModified><ETag>&quot;e1&quot;</ETag><Size>7</Size>
    <Owner><ID>x</ID></Owner><StorageClass>STANDARD</StorageClass></Version>
  <DeleteMarker><Key>a+b%20c</Key><VersionId>v2</VersionId><IsLatest>false</IsLatest>
    <LastModified>2026-01-02T03:04:04.000Z</LastModified><Owner><ID>x</ID></Owner></DeleteMarker>
  <Version><Key>k%2B2</Key><VersionId>null</VersionId><IsLatest>true</IsLatest>
    <LastModified>2026-01-02T03:04:03Z</LastModified><ETag>e3</ETag><Size>0</Size></Version>
  <CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes>
  <EncodingType>url</EncodingType>
</ListVersionsResult>`

// listingDocs are the documents both readers are checked on: real MinIO
// answers (testdata; URL-encoded and raw names with XML's special
// characters, UTF-8, a tab, delete markers, common prefixes, truncated
// pages) and AWS's shape.
func listingDocs(t testing.TB) map[string][]byte {
	docs := map[string][]byte{"aws": []byte(awsListing)}
	files, err := filepath.Glob("testdata/minio-versions-*.xml")
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata listings: %v, %d files", err, len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[filepath.Base(f)] = b
	}
	return docs
}

// The fast reader takes real listings whole, to the page encoding/xml
// reads from them.
func TestFastVersionsReadsServerListings(t *testing.T) {
	for name, doc := range listingDocs(t) {
		t.Run(name, func(t *testing.T) {
			want, err := decodeVersions(bytes.NewReader(doc))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := fastVersions(doc)
			if !ok {
				t.Fatal("the fast reader left a server's listing to encoding/xml")
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("fast reader:\n%+v\nencoding/xml:\n%+v", got, want)
			}
			if len(got.Versions) == 0 {
				t.Fatal("no versions read")
			}
		})
	}
}

func TestFastVersionsFields(t *testing.T) {
	doc, err := os.ReadFile("testdata/minio-versions-raw.xml")
	if err != nil {
		t.Fatal(err)
	}
	page, ok := fastVersions(doc)
	if !ok {
		t.Fatal("left to encoding/xml")
	}
	keys := map[string]Object{}
	for _, o := range page.Versions {
		if _, seen := keys[o.Key]; !seen {
			keys[o.Key] = o
		}
	}
	for _, k := range []string{`d&e<f>'"g`, "ünï/cødé", "tab\tx", "emoji😀", "pct%20x", "b b"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("key %q not read; keys: %v", k, keys)
		}
	}
	if o := keys["ünï/cødé"]; !o.IsDeleteMarker || !o.IsLatest || o.ETag != "" {
		t.Errorf("delete marker: %+v", o)
	}
	if o := keys["a"]; o.ETag != `"764efa883dda1e11db47671c4a3bbd9e"` || o.Size != 3 || o.LastModified.Nanosecond() != 876_000_000 {
		t.Errorf("version: %+v", o)
	}
}

// What the fast reader is not sure to read as encoding/xml does is left to
// it (takes false), and readVersions answers as decodeVersions does.
func TestFastVersionsLeavesIrregularDocuments(t *testing.T) {
	entry := func(inner string) string {
		return `<ListVersionsResult><IsTruncated>false</IsTruncated><Version>` + inner + `</Version></ListVersionsResult>`
	}
	const plain = `<Key>k</Key><VersionId>v</VersionId><LastModified>2026-01-02T03:04:05Z</LastModified><Size>1</Size>`
	tests := []struct {
		name, doc      string
		takes, wantErr bool
	}{
		{"comment", entry(plain + `<!-- x -->`), false, false},
		{"CDATA key", entry(`<Key><![CDATA[a<b]]></Key>`), false, false},
		{"namespace prefix", entry(`<s3:Key xmlns:s3="x">k</s3:Key>`), false, false},
		{"carriage return", entry("<Key>a\r\nb</Key>"), false, false},
		{"self-closing entry", `<R><Version/></R>`, false, false},
		{"self-closing field", entry(`<Key/>`), false, false},
		{"element inside a field", entry(`<Key>a<b/>c</Key>`), false, false},
		{"repeated field", entry(`<Key>a</Key><Key>b</Key>`), true, false},
		{"entity between elements", `<R>&amp;<IsTruncated>true</IsTruncated></R>`, false, false},
		{"other declaration", `<?xml version="1.0" encoding="utf-8"?><R><IsTruncated>true</IsTruncated></R>`, false, false},
		{"empty document", ``, false, false},
		{"text after the root", `<R></R>tail`, false, false},
		{"other time form", entry(`<Key>k</Key><LastModified>2026-01-02T03:04:05+01:00</LastModified>`), true, false},
		{"attributes and spaces in tags", `<R a="1" b='2' ><IsTruncated >true</IsTruncated ><Version x="y"><Key>k</Key></Version></R >`, true, false},
		{"entity in an attribute", `<R><Version x="&lt;"><Key>k</Key></Version></R>`, false, false},
		{"bad size", entry(`<Key>k</Key><Size>x</Size>`), false, true},
		{"bad IsLatest", entry(`<Key>k</Key><IsLatest>yes</IsLatest>`), false, true},
		{"bad time", entry(`<Key>k</Key><LastModified>2026-13-02T03:04:05Z</LastModified>`), false, true},
		{"unknown entity", entry(`<Key>&nbsp;</Key>`), false, true},
		{"control character", entry("<Key>a\x01</Key>"), false, true},
		{"invalid UTF-8", entry("<Key>a\xff</Key>"), false, true},
		{"mismatched tags", entry(`<Key>k</Etag>`), false, true},
		{"truncated", `<ListVersionsResult><Version><Key>`, false, true},
		{"bad URL encoding", `<R><EncodingType>url</EncodingType><Version><Key>%zz</Key></Version></R>`, false, true},
		{"CDATA end in text", entry(`<Key>a]]>b</Key>`), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fast, ok := fastVersions([]byte(tt.doc))
			if ok != tt.takes {
				t.Fatalf("the fast reader took the document: %t, want %t", ok, tt.takes)
			}
			want, wantErr := decodeVersions(strings.NewReader(tt.doc))
			if ok && !reflect.DeepEqual(fast, want) {
				t.Fatalf("fast reader %+v, decodeVersions %+v", fast, want)
			}
			got, err := readVersions(strings.NewReader(tt.doc))
			if (err != nil) != tt.wantErr || (wantErr != nil) != tt.wantErr {
				t.Fatalf("readVersions err %v, decodeVersions err %v, want an error: %t", err, wantErr, tt.wantErr)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("readVersions %+v, decodeVersions %+v", got, want)
			}
		})
	}
}

// FuzzReadVersions checks that readVersions reads any document as
// decodeVersions (encoding/xml) does: the same page, or an error for both,
// and that whatever the fast reader takes, encoding/xml takes the same way.
func FuzzReadVersions(f *testing.F) {
	for _, doc := range listingDocs(f) {
		f.Add(doc)
	}
	f.Add([]byte(`<R><Version><Key>a&#x41;&#66;&lt;</Key><Size> 5 </Size><IsLatest>1</IsLatest></Version></R>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		want, wantErr := decodeVersions(bytes.NewReader(doc))
		if fast, ok := fastVersions(doc); ok && (wantErr != nil || !reflect.DeepEqual(fast, want)) {
			t.Fatalf("fast reader %+v; encoding/xml %+v, %v", fast, want, wantErr)
		}
		got, err := readVersions(bytes.NewReader(doc))
		if (err != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("readVersions %+v, %v; decodeVersions %+v, %v", got, err, want, wantErr)
		}
	})
}

// FuzzListingValues puts arbitrary keys, version IDs, ETags and times,
// escaped as servers escape them, in a MinIO-shaped listing: the fast
// reader and encoding/xml must agree on it.
func FuzzListingValues(f *testing.F) {
	f.Add("a b+c%2F", "v1", `"e"`, "2026-01-02T03:04:05.678Z", true)
	f.Add(`d&e<f>'"g`, "null", "", "2026-01-02T03:04:05Z", false)
	f.Add("ünï/cødé\t😀", "", `"x"`, "bad", true)
	f.Fuzz(func(t *testing.T, key, version, etag, modified string, url bool) {
		esc := func(s string) string {
			var b bytes.Buffer
			_ = xml.EscapeText(&b, []byte(s))
			return b.String()
		}
		enc := ""
		if url {
			enc = "<EncodingType>url</EncodingType>"
		}
		doc := []byte(fmt.Sprintf(`%s
<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><NextKeyMarker>%s</NextKeyMarker><IsTruncated>true</IsTruncated><Version><Key>%s</Key><LastModified>%s</LastModified><ETag>%s</ETag><Size>3</Size><Owner><ID>o</ID></Owner><IsLatest>true</IsLatest><VersionId>%s</VersionId></Version><DeleteMarker><Key>%[3]s</Key><LastModified>%[4]s</LastModified><ETag></ETag><Size>0</Size><IsLatest>false</IsLatest><VersionId>%[6]s</VersionId></DeleteMarker>%s</ListVersionsResult>`,
			xmlDecl, esc(key), esc(key), esc(modified), esc(etag), esc(version), enc))
		want, wantErr := decodeVersions(bytes.NewReader(doc))
		got, err := readVersions(bytes.NewReader(doc))
		if (err != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("readVersions %+v, %v; decodeVersions %+v, %v", got, err, want, wantErr)
		}
	})
}

// minioPage is a listing page of n versions as MinIO writes it.
func minioPage(n int) []byte {
	var b bytes.Buffer
	b.WriteString(xmlDecl + `
<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bench</Name><Prefix></Prefix><KeyMarker></KeyMarker><NextKeyMarker>dir099%2Fkey0000999</NextKeyMarker><NextVersionIdMarker>6b537e52-7aec-48a3-8471-d6af4b9ead6d</NextVersionIdMarker><VersionIdMarker></VersionIdMarker><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>`)
	for i := range n {
		fmt.Fprintf(&b, `<Version><Key>dir%03d%%2Fkey%07d</Key><LastModified>2026-12-06T05:13:37.876Z</LastModified><ETag>&#34;764efa883dda1e11db47671c4a3bbd9e&#34;</ETag><Size>3</Size><Owner><ID>02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4</ID><DisplayName>minio</DisplayName></Owner><StorageClass>STANDARD</StorageClass><IsLatest>true</IsLatest><VersionId>6b537e52-7aec-48a3-8471-%012d</VersionId></Version>`, i%100, i, i)
	}
	b.WriteString(`<EncodingType>url</EncodingType></ListVersionsResult>`)
	return b.Bytes()
}

// BenchmarkReadVersions reads a MinIO page of 1,000 versions with
// encoding/xml (decodeVersions) and with readVersions.
func BenchmarkReadVersions(b *testing.B) {
	const n = 1000
	doc := minioPage(n)
	for name, read := range map[string]func([]byte) (VersionPage, error){
		"encoding-xml": func(d []byte) (VersionPage, error) { return decodeVersions(bytes.NewReader(d)) },
		"readVersions": func(d []byte) (VersionPage, error) { return readVersions(bytes.NewReader(d)) },
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if p, err := read(doc); err != nil || len(p.Versions) != n {
					b.Fatal(len(p.Versions), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/version")
		})
	}
}
