package backend

import (
	"maps"
	"net/http"
	"strings"
	"testing"
)

func TestMetadataConversion(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]string
		want map[string]string // after a round trip through S3's form
	}{
		{"nil", nil, map[string]string{}},
		{
			"standard headers in any case",
			map[string]string{"content-type": "a/b", "CACHE-CONTROL": "no-cache", "Expires": "soon"},
			map[string]string{"Content-Type": "a/b", "Cache-Control": "no-cache", "Expires": "soon"},
		},
		{
			"user metadata names are canonical",
			map[string]string{"x-amz-meta-my-key": "1", "X-Amz-Meta-OTHER": "2", "X-Amz-Meta-": "empty name"},
			map[string]string{"X-Amz-Meta-My-Key": "1", "X-Amz-Meta-Other": "2"},
		},
		{
			"transport and unknown headers are dropped",
			map[string]string{"X-Amz-Date": "d", "X-Amz-Content-Sha256": "h", "Authorization": "a", "Content-Length": "3", "X-Amz-Tagging": "a=b"},
			map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name+" (SDK write)", func(t *testing.T) {
			h := toHeaders(tt.in)
			for k := range h.User {
				if k != strings.ToLower(k) {
					t.Fatalf("user metadata key %q sent in upper case", k)
				}
			}
			if got := metadataOf(sdkSent(h)); !maps.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
		t.Run(tt.name+" (raw write)", func(t *testing.T) {
			k := &objectCall{}
			setMetadata(k, tt.in)
			sent := http.Header{}
			for _, h := range k.headers {
				if h.name != strings.ToLower(h.name) {
					t.Fatalf("header %q not named in lower case", h.name)
				}
				// As the backend reads it back.
				sent.Set(h.name, h.value)
			}
			if got := metadataOf(sent); !maps.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// sdkSent is h as the SDK sends it, and so as a GET reads it back.
func sdkSent(h headers) http.Header {
	sent := http.Header{}
	for name, v := range map[string]*string{
		"Cache-Control": h.CacheControl, "Content-Disposition": h.ContentDisposition,
		"Content-Encoding": h.ContentEncoding, "Content-Language": h.ContentLanguage,
		"Content-Type": h.ContentType, "Expires": h.Expires,
	} {
		if v != nil && *v != "" {
			sent.Set(name, *v)
		}
	}
	for k, v := range h.User {
		sent.Set(userMetaPrefix+k, v)
	}
	return sent
}

func TestSetMetadataOnce(t *testing.T) {
	k := &objectCall{}
	setMetadata(k, map[string]string{"x-amz-meta-a": "1", "X-Amz-Meta-A": "1", "content-type": "", "Content-Type": "t/x"})
	got := map[string]string{}
	for _, h := range k.headers {
		if _, dup := got[h.name]; dup {
			t.Fatalf("header %q set twice: %v", h.name, k.headers)
		}
		got[h.name] = h.value
	}
	if want := map[string]string{"x-amz-meta-a": "1", "content-type": "t/x"}; !maps.Equal(got, want) {
		t.Fatalf("headers %v, want %v", got, want)
	}
}

func TestCopySourceEscaping(t *testing.T) {
	c := &Client{bucket: "b"}
	tests := []struct{ key, version, want string }{
		{"plain/key.txt", "", "b/plain/key.txt"},
		{"a b+c%d", "", "b/a%20b%2Bc%25d"},
		{"ключ", "3/x+y=", "b/%D0%BA%D0%BB%D1%8E%D1%87?versionId=3%2Fx%2By%3D"},
		{"q?v=1#f", "null", "b/q%3Fv%3D1%23f?versionId=null"},
	}
	for _, tt := range tests {
		if got := c.copySource(tt.key, tt.version); got != tt.want {
			t.Errorf("copySource(%q, %q) = %q, want %q", tt.key, tt.version, got, tt.want)
		}
	}
}
