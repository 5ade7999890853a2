package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestHeaderMetadata(t *testing.T) {
	h := http.Header{}
	for k, v := range map[string]string{
		"Content-Type":                 "text/plain",
		"Cache-Control":                "max-age=60",
		"Expires":                      "Thu, 01 Dec 2044 16:00:00 GMT",
		"Content-Language":             "fr",
		"Content-Disposition":          "attachment",
		"Content-Encoding":             "gzip, aws-chunked",
		"X-Amz-Meta-Color":             "blue",
		"X-Amz-Date":                   "20260101T000000Z",
		"X-Amz-Content-Sha256":         "UNSIGNED-PAYLOAD",
		"X-Amz-Decoded-Content-Length": "5",
		"X-Amz-Checksum-Crc32":         "AAAAAA==",
		"X-Amz-Storage-Class":          "STANDARD",
		"Authorization":                "AWS4-HMAC-SHA256 secret",
		"Content-Length":               "5",
	} {
		h.Set(k, v)
	}
	got, err := headerMetadata(h)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Content-Type":        "text/plain",
		"Cache-Control":       "max-age=60",
		"Expires":             "Thu, 01 Dec 2044 16:00:00 GMT",
		"Content-Language":    "fr",
		"Content-Disposition": "attachment",
		"Content-Encoding":    "gzip",
		"X-Amz-Meta-Color":    "blue",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("headerMetadata = %v, want %v", got, want)
	}
}

func TestHeaderMetadataTooLarge(t *testing.T) {
	h := http.Header{}
	h.Set("X-Amz-Meta-Big", strings.Repeat("x", userMetadataLimit))
	if _, err := headerMetadata(h); err == nil || err.(*Error).Code != "MetadataTooLarge" {
		t.Fatalf("headerMetadata of oversized metadata = %v, want MetadataTooLarge", err)
	}
}

func TestKeptMetadata(t *testing.T) {
	got := keptMetadata(map[string]string{
		"content-type":         "text/plain",
		"x-amz-meta-a":         "1",
		"Last-Modified":        "Mon, 02 Jan 2006 15:04:05 GMT",
		"X-Amz-Tagging":        "a=b",
		"X-Amz-Checksum-Crc32": "AAAAAA==",
	})
	want := map[string]string{"Content-Type": "text/plain", "X-Amz-Meta-A": "1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("keptMetadata = %v, want %v", got, want)
	}
}

func TestEtagHash(t *testing.T) {
	if got := etagHash(`"0123abcd"`); len(got) != 4 || got[0] != 0x01 {
		t.Errorf("etagHash of a plain etag = %x", got)
	}
	if got := etagHash(`"0123abcd-3"`); len(got) != 4 {
		t.Errorf("etagHash of a multipart etag = %x", got)
	}
	if got := etagHash("not-hex"); got != nil {
		t.Errorf("etagHash(not-hex) = %x", got)
	}
}

// failAtEOF reads r and then fails the way gofakes3's digest check does.
type failAtEOF struct{ r io.Reader }

var errDigest = errors.New("bad digest")

func (f failAtEOF) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errDigest
	}
	return n, err
}

func TestExactReader(t *testing.T) {
	tests := []struct {
		name string
		r    io.Reader
		size int64
		want string
		err  error
	}{
		{"exact", strings.NewReader("hello"), 5, "hello", nil},
		{"exact one byte at a time", iotest.OneByteReader(strings.NewReader("hello")), 5, "hello", nil},
		{"empty", strings.NewReader(""), 0, "", nil},
		{"short", strings.NewReader("hel"), 5, "", errIncompleteBody},
		{"digest failure held back", failAtEOF{strings.NewReader("hello")}, 5, "", errDigest},
		{"digest failure of an empty body", failAtEOF{strings.NewReader("")}, 0, "", errDigest},
		{"read error", iotest.ErrReader(errDigest), 5, "", errDigest},
	}
	for _, tt := range tests {
		er := &exactReader{r: tt.r, left: tt.size}
		got, err := io.ReadAll(er)
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: error = %v, want %v", tt.name, err, tt.err)
			continue
		}
		if tt.err == nil && string(got) != tt.want {
			t.Errorf("%s: read %q, want %q", tt.name, got, tt.want)
		}
		if tt.err != nil && len(got) == int(tt.size) && tt.size > 0 {
			t.Errorf("%s: the whole body went through despite %v", tt.name, err)
		}
	}
}

func TestHeaderMetadataAsS3KeepsIt(t *testing.T) {
	tests := []struct {
		name string
		h    http.Header
		want map[string]string
	}{
		{"repeats joined in order", http.Header{"X-Amz-Meta-Key": {"value-1", "value-2", "value-3"}},
			map[string]string{"X-Amz-Meta-Key": "value-1,value-2,value-3"}},
		{"raw UTF-8 kept", http.Header{"X-Amz-Meta-City": {"Zürich"}},
			map[string]string{"X-Amz-Meta-City": "Zürich"}},
		{"RFC 2047 decoded", http.Header{"X-Amz-Meta-City": {"=?UTF-8?B?WsO8cmljaA==?="}},
			map[string]string{"X-Amz-Meta-City": "Zürich"}},
		{"standard header keeps its first value", http.Header{"Content-Type": {"text/plain", "text/html"}},
			map[string]string{"Content-Type": "text/plain"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := headerMetadata(tt.h)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("headerMetadata = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWriteMetadataEncodesUnicode(t *testing.T) {
	h := http.Header{}
	writeMetadata(h, map[string]string{"X-Amz-Meta-City": "Zürich", "X-Amz-Meta-Plain": "abc"})
	// writeMetadata writes user metadata names in lower case, as S3 does.
	values := func(name string) []string {
		for k, v := range h {
			if strings.EqualFold(k, name) {
				return v
			}
		}
		return nil
	}
	if got := values("X-Amz-Meta-City"); len(got) != 1 || got[0] != "=?UTF-8?b?WsO8cmljaA==?=" {
		t.Errorf("x-amz-meta-city = %q, want the RFC 2047 B encoding", got)
	}
	if got := values("X-Amz-Meta-Plain"); len(got) != 1 || got[0] != "abc" {
		t.Errorf("x-amz-meta-plain = %q, want abc", got)
	}
}

// Non-ASCII user metadata sent raw is stored as UTF-8 and answered RFC 2047
// encoded, as S3 does; the backend is sent the encoded form.
func TestUnicodeMetadataRoundTrip(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	e.put("data", "k", "body", func(in *s3.PutObjectInput) {
		in.Metadata = map[string]string{"city": "Zürich", "plain": "abc"}
	})
	const encoded = "=?UTF-8?b?WsO8cmljaA==?="
	head, err := e.s3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if head.Metadata["city"] != encoded || head.Metadata["plain"] != "abc" {
		t.Errorf("HEAD metadata %v, want city %s", head.Metadata, encoded)
	}
	v, err := e.db.Latest("data", "k")
	if err != nil || v.Metadata["X-Amz-Meta-City"] != "Zürich" {
		t.Errorf("indexed metadata %v, %v", v.Metadata, err)
	}
	direct, err := e.direct.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("ring"), Key: aws.String("k")})
	if err != nil || direct.Metadata["city"] != encoded {
		t.Errorf("backend metadata %v, %v", direct.Metadata, err)
	}
}
