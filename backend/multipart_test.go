package backend

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// gatedReader gives its first chunk, then waits for open before giving the
// rest: if the client read the whole body before sending the request, the
// request would never be seen and the read fails at the deadline.
type gatedReader struct {
	first, rest io.Reader
	open        <-chan struct{}
	opened      bool
	reads       int
}

func (g *gatedReader) Read(p []byte) (int, error) {
	g.reads++
	if n, err := g.first.Read(p); n > 0 || err != io.EOF {
		return n, err
	}
	if !g.opened {
		select {
		case <-g.open:
			g.opened = true
		case <-time.After(10 * time.Second):
			return 0, errors.New("the request was not sent before its body was read to the end")
		}
	}
	return g.rest.Read(p)
}

// streamedBody is body as a gatedReader that opens on open.
func streamedBody(body []byte, open <-chan struct{}) *gatedReader {
	return &gatedReader{first: bytes.NewReader(body[:len(body)/4]), rest: bytes.NewReader(body[len(body)/4:]), open: open}
}

// gatedProxy forwards to target and closes the channel it returns when it
// sees the first request that is a PUT of a part, if part, or else of an
// object.
func gatedProxy(t *testing.T, target string, part bool) (string, <-chan struct{}) {
	seen := make(chan struct{})
	var once sync.Once
	p := httptest.NewServer(proxy(target, func(r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Query().Has("uploadId") == part {
			once.Do(func() { close(seen) })
		}
	}))
	t.Cleanup(p.Close)
	return p.URL, seen
}

func TestPutObjectStreams(t *testing.T) {
	srv := startBackend(t)
	endpoint, seen := gatedProxy(t, srv.URL(), false)
	c := clientFor(t, endpoint)
	body := randomBytes(t, 1<<20)
	r := streamedBody(body, seen)
	res, err := c.PutObject(ctxT(t), "streamed", r, int64(len(body)), nil, PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.reads < 2 {
		t.Fatalf("the body was read %d times", r.reads)
	}
	if got, _ := get(t, c, "streamed", res.VersionID); !bytes.Equal(got, body) {
		t.Fatal("the streamed object differs")
	}
}

func TestMultipartUpload(t *testing.T) {
	srv := startBackend(t)
	endpoint, seen := gatedProxy(t, srv.URL(), true)
	c := clientFor(t, endpoint)
	ctx := ctxT(t)
	src := put(t, c, "src", []byte("0123456789"), nil)
	put(t, c, "src", []byte("later"), nil)

	id, err := c.CreateMultipartUpload(ctx, "big", map[string]string{"Content-Type": "application/x-big", "X-Amz-Meta-Part": "yes"}, PutOptions{Tagging: "t=1"})
	if err != nil || id == "" {
		t.Fatalf("create: %q, %v", id, err)
	}
	p1, p2 := randomBytes(t, 700_000), randomBytes(t, 300_000)
	r1 := streamedBody(p1, seen)
	e1, err := c.UploadPart(ctx, "big", id, 1, r1, int64(len(p1)), "")
	if err != nil {
		t.Fatal(err)
	}
	e2, err := c.UploadPart(ctx, "big", id, 2, bytes.NewReader(p2), int64(len(p2)), "")
	if err != nil {
		t.Fatal(err)
	}
	// From the older version of src, bytes 2 to 5.
	e3, lm, err := c.UploadPartCopy(ctx, "big", id, 3, "src", src.VersionID, "bytes=2-5", Conditions{IfMatch: src.ETag})
	if err != nil || e3 == "" || lm.IsZero() {
		t.Fatalf("part copy: %q %v %v", e3, lm, err)
	}
	res, err := c.CompleteMultipartUpload(ctx, "big", id, []Part{{Number: 1, ETag: e1}, {Number: 2, ETag: e2}, {Number: 3, ETag: e3}})
	if err != nil || res.VersionID == "" || res.ETag == "" {
		t.Fatalf("complete: %+v, %v", res, err)
	}
	got, r := get(t, c, "big", "")
	want := append(append(append([]byte{}, p1...), p2...), "2345"...)
	if !bytes.Equal(got, want) || r.VersionID != res.VersionID {
		t.Fatalf("assembled %d bytes as %s, want %d as %s", len(got), r.VersionID, len(want), res.VersionID)
	}
	if r.Metadata["Content-Type"] != "application/x-big" || r.Metadata["X-Amz-Meta-Part"] != "yes" || r.TagCount != 1 {
		t.Fatalf("assembled object: %+v", r.Object)
	}
}

func TestAbortMultipartUpload(t *testing.T) {
	c := newTestClient(t)
	ctx := ctxT(t)
	id, err := c.CreateMultipartUpload(ctx, "k", nil, PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e1, err := c.UploadPart(ctx, "k", id, 1, bytes.NewReader([]byte("x")), 1, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AbortMultipartUpload(ctx, "k", id); err != nil {
		t.Fatal(err)
	}
	_, err = c.CompleteMultipartUpload(ctx, "k", id, []Part{{Number: 1, ETag: e1}})
	wantCode(t, err, "NoSuchUpload", 404)
	_, err = c.HeadObject(ctx, "k", "")
	wantCode(t, err, "NoSuchKey", 404)
}

func TestListUploadsAndParts(t *testing.T) {
	c := newTestClient(t)
	ctx := ctxT(t)
	ids := map[string]string{}
	for _, key := range []string{"p/a", "p/b", "p/q/c", "other"} {
		id, err := c.CreateMultipartUpload(ctx, key, nil, PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids[key] = id
	}
	keysOf := func(p UploadPage) []string {
		var keys []string
		for _, u := range p.Uploads {
			keys = append(keys, u.Key)
			if u.UploadID != ids[u.Key] || u.Initiated.IsZero() {
				t.Errorf("upload %+v, want ID %s and a time", u, ids[u.Key])
			}
		}
		return keys
	}
	tests := []struct {
		name         string
		in           UploadListing
		wantKeys     []string
		wantPrefixes []string
		wantNext     string
	}{
		{"all", UploadListing{}, []string{"other", "p/a", "p/b", "p/q/c"}, nil, ""},
		{"prefix and delimiter", UploadListing{Prefix: "p/", Delimiter: "/"}, []string{"p/a", "p/b"}, []string{"p/q/"}, ""},
		{"key marker", UploadListing{Prefix: "p/", KeyMarker: "p/a"}, []string{"p/b", "p/q/c"}, nil, ""},
		{"one of several", UploadListing{Prefix: "p/", MaxUploads: 1}, []string{"p/a"}, nil, "p/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := c.ListMultipartUploads(ctx, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := keysOf(page); !slices.Equal(got, tt.wantKeys) || !slices.Equal(page.CommonPrefixes, tt.wantPrefixes) {
				t.Errorf("keys %q prefixes %q, want %q and %q", got, page.CommonPrefixes, tt.wantKeys, tt.wantPrefixes)
			}
			if page.IsTruncated != (tt.wantNext != "") || page.NextKeyMarker != tt.wantNext {
				t.Errorf("truncated %v next %q, want next %q", page.IsTruncated, page.NextKeyMarker, tt.wantNext)
			}
		})
	}

	id := ids["p/a"]
	var etags []string
	for n := 1; n <= 3; n++ {
		etag, err := c.UploadPart(ctx, "p/a", id, n, strings.NewReader(strings.Repeat("x", n)), int64(n), "")
		if err != nil {
			t.Fatal(err)
		}
		etags = append(etags, etag)
	}
	page, err := c.ListParts(ctx, "p/a", id, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Parts) != 1 || page.Parts[0].Number != 2 || page.Parts[0].ETag != etags[1] || page.Parts[0].Size != 2 ||
		page.Parts[0].LastModified.IsZero() || !page.IsTruncated || page.NextPartNumberMarker != 2 {
		t.Errorf("parts after 1, one of them: %+v", page)
	}
	page, err = c.ListParts(ctx, "p/a", id, 0, 0)
	if err != nil || len(page.Parts) != 3 || page.IsTruncated {
		t.Errorf("all parts: %+v, %v", page, err)
	}
	_, err = c.ListParts(ctx, "p/a", "nope", 0, 0)
	wantCode(t, err, "NoSuchUpload", 404)
}

func TestFailedBodiesAreNotRetried(t *testing.T) {
	tests := []struct {
		name string
		size int64
		// A body failing after 1000 bytes of a small one is read before
		// the request is made, so none is; a large one is streamed, so
		// the request has started, once.
		wantOps []string
	}{
		{"small body", 5000, nil},
		{"large body", 4 * smallBody, []string{"PutObject"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu  sync.Mutex
				ops []string
			)
			c := newTestClient(t, func(cfg *Config) {
				cfg.Observe = func(op string, status int, d time.Duration) {
					mu.Lock()
					defer mu.Unlock()
					ops = append(ops, op)
				}
			})
			broken := io.MultiReader(bytes.NewReader(make([]byte, 1000)), iotestErrReader{})
			_, err := c.PutObject(ctxT(t), "k", broken, tt.size, nil, PutOptions{})
			if err == nil || !strings.Contains(err.Error(), "disk on fire") {
				t.Fatalf("a put whose body fails: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(ops, tt.wantOps) {
				t.Fatalf("attempts: %v, want %v", ops, tt.wantOps)
			}
		})
	}
}

func TestReadSmall(t *testing.T) {
	tests := []struct {
		name    string
		body    io.Reader
		size    int64
		want    string
		wantErr string
	}{
		{"exact", strings.NewReader("hello"), 5, "hello", ""},
		{"in pieces", io.MultiReader(strings.NewReader("he"), strings.NewReader("llo")), 5, "hello", ""},
		{"short", strings.NewReader("hell"), 5, "", "ends after 4 of its 5 bytes"},
		{"long", strings.NewReader("hello!"), 5, "", "longer than its 5 bytes"},
		{"failing", io.MultiReader(strings.NewReader("he"), iotestErrReader{}), 5, "", "disk on fire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readSmall(tt.body, tt.size)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %q, %v, want an error saying %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %q, %v, want %q", got, err, tt.want)
			}
		})
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReplayableCallsAreRetried(t *testing.T) {
	srv := startBackend(t)
	seed := clientFor(t, srv.URL())
	put(t, seed, "k", []byte("body"), nil)
	tests := []struct {
		name         string
		failures     int // answered 503 before the backend is reached
		call         func(c *Client) error
		wantAttempts int
		wantCode     string // "" for success
	}{
		{"GET after two failures", 2, func(c *Client) error {
			r, err := c.GetObject(ctxT(t), "k", "", "", Conditions{})
			if err == nil {
				r.Body.Close()
			}
			return err
		}, 3, ""},
		{"HEAD after a failure", 1, func(c *Client) error { _, err := c.HeadObject(ctxT(t), "k", ""); return err }, 2, ""},
		{"GET gives up", 5, func(c *Client) error { _, err := c.GetObject(ctxT(t), "k", "", "", Conditions{}); return err }, maxAttempts, "ServiceUnavailable"},
		{"missing key is not retried", 0, func(c *Client) error { _, err := c.HeadObject(ctxT(t), "nope", ""); return err }, 1, "NoSuchKey"},
		{"PUT is not retried", 1, func(c *Client) error {
			_, err := c.PutObject(ctxT(t), "k", bytes.NewReader([]byte("new")), 3, nil, PutOptions{})
			return err
		}, 1, "ServiceUnavailable"},
		{"UploadPart is not retried", 1, func(c *Client) error {
			_, err := c.UploadPart(ctxT(t), "k", "upload", 1, bytes.NewReader([]byte("new")), 3, "")
			return err
		}, 1, "ServiceUnavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu       sync.Mutex
				attempts int
			)
			forward := proxy(srv.URL(), nil)
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				attempts++
				fail := attempts <= tt.failures
				mu.Unlock()
				if fail {
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				forward.ServeHTTP(w, r)
			}))
			t.Cleanup(front.Close)
			err := tt.call(clientFor(t, front.URL))
			if tt.wantCode == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode, map[string]int{"ServiceUnavailable": 503, "NoSuchKey": 404}[tt.wantCode])
			}
			mu.Lock()
			defer mu.Unlock()
			if attempts != tt.wantAttempts {
				t.Fatalf("%d attempts, want %d", attempts, tt.wantAttempts)
			}
		})
	}
}
