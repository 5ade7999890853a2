package backend

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"testing"
	"time"
)

func TestPutGetHeadRoundTrip(t *testing.T) {
	c := newTestClient(t)
	body := randomBytes(t, 300_000)
	meta := map[string]string{
		"Content-Type":        "application/x-test",
		"Cache-Control":       "max-age=60",
		"Content-Disposition": `attachment; filename="x.bin"`,
		"Content-Encoding":    "gzip",
		"Content-Language":    "fr",
		"Expires":             "Thu, 01 Jan 2037 00:00:00 GMT",
		"X-Amz-Meta-MyKey":    "Mixed Case Value",
		"x-amz-meta-lower":    "v",
		"X-Amz-Date":          "20200101T000000Z", // a transport header: never stored
	}
	want := map[string]string{
		"Content-Type":        "application/x-test",
		"Cache-Control":       "max-age=60",
		"Content-Disposition": `attachment; filename="x.bin"`,
		"Content-Encoding":    "gzip",
		"Content-Language":    "fr",
		"Expires":             "Thu, 01 Jan 2037 00:00:00 GMT",
		"X-Amz-Meta-Mykey":    "Mixed Case Value",
		"X-Amz-Meta-Lower":    "v",
	}
	res := put(t, c, "dir/obj", body, meta)
	if res.ETag == "" || res.LastModified.IsZero() {
		t.Fatalf("put result %+v lacks ETag or time", res)
	}

	got, r := get(t, c, "dir/obj", "")
	if !bytes.Equal(got, body) {
		t.Fatalf("GET gave %d bytes, not the %d put", len(got), len(body))
	}
	if r.VersionID != res.VersionID || r.ETag != res.ETag || r.Size != int64(len(body)) || r.ContentLength != int64(len(body)) {
		t.Fatalf("GET object %+v does not match put %+v", r.Object, res)
	}
	if !maps.Equal(r.Metadata, want) {
		t.Fatalf("GET metadata %v, want %v", r.Metadata, want)
	}

	h, err := c.HeadObject(ctxT(t), "dir/obj", "")
	if err != nil {
		t.Fatal(err)
	}
	if h.VersionID != res.VersionID || h.ETag != res.ETag || h.Size != int64(len(body)) || h.LastModified.IsZero() {
		t.Fatalf("HEAD %+v does not match put %+v", h, res)
	}
	if !maps.Equal(h.Metadata, want) {
		t.Fatalf("HEAD metadata %v, want %v", h.Metadata, want)
	}
}

func TestPutEmptyObject(t *testing.T) {
	c := newTestClient(t)
	put(t, c, "empty", nil, nil)
	got, r := get(t, c, "empty", "")
	if len(got) != 0 || r.Size != 0 {
		t.Fatalf("empty object read back as %d bytes, size %d", len(got), r.Size)
	}
}

func TestPutWithoutContentType(t *testing.T) {
	c := newTestClient(t)
	put(t, c, "untyped", []byte("plain text"), nil)
	// No type is sent, so the backend gives its own default, as S3 does,
	// rather than the SDK's application/octet-stream.
	if _, r := get(t, c, "untyped", ""); r.Metadata["Content-Type"] != "binary/octet-stream" {
		t.Fatalf("type %q", r.Metadata["Content-Type"])
	}
}

func TestGetRangeAndConditions(t *testing.T) {
	c := newTestClient(t)
	body := []byte("0123456789")
	res := put(t, c, "k", body, nil)
	past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	tests := []struct {
		name       string
		rng        string
		cond       Conditions
		want       string
		wantRange  string
		wantCode   string
		wantStatus int
	}{
		{name: "range", rng: "bytes=2-5", want: "2345", wantRange: "bytes 2-5/10"},
		{name: "suffix range", rng: "bytes=-3", want: "789", wantRange: "bytes 7-9/10"},
		{name: "open range", rng: "bytes=8-", want: "89", wantRange: "bytes 8-9/10"},
		{name: "range past the end", rng: "bytes=20-30", wantCode: "InvalidRange", wantStatus: 416},
		{name: "if-match", cond: Conditions{IfMatch: res.ETag}, want: string(body)},
		{name: "if-match fails", cond: Conditions{IfMatch: `"nope"`}, wantCode: "PreconditionFailed", wantStatus: 412},
		{name: "if-none-match", cond: Conditions{IfNoneMatch: res.ETag}, wantCode: "NotModified", wantStatus: 304},
		{name: "if-modified-since", cond: Conditions{IfModifiedSince: &future}, wantCode: "NotModified", wantStatus: 304},
		{name: "if-modified-since passes", cond: Conditions{IfModifiedSince: &past}, want: string(body)},
		{name: "if-unmodified-since", cond: Conditions{IfUnmodifiedSince: &past}, wantCode: "PreconditionFailed", wantStatus: 412},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := c.GetObject(ctxT(t), "k", "", tt.rng, tt.cond)
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode, tt.wantStatus)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer r.Body.Close()
			got, err := io.ReadAll(r.Body)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want || r.ContentRange != tt.wantRange {
				t.Fatalf("got %q range %q, want %q range %q", got, r.ContentRange, tt.want, tt.wantRange)
			}
			if r.Size != int64(len(body)) || r.ContentLength != int64(len(tt.want)) {
				t.Fatalf("size %d length %d, want %d and %d", r.Size, r.ContentLength, len(body), len(tt.want))
			}
		})
	}
}

func TestVersionsAndDeleteMarkers(t *testing.T) {
	c := newTestClient(t)
	ctx := ctxT(t)
	v1 := put(t, c, "k", []byte("one"), map[string]string{"X-Amz-Meta-N": "1"})
	v2 := put(t, c, "k", []byte("second"), nil)
	if v1.VersionID == v2.VersionID {
		t.Fatal("an overwrite kept the VersionID")
	}
	if got, _ := get(t, c, "k", v1.VersionID); string(got) != "one" {
		t.Fatalf("GET of v1 gave %q", got)
	}
	if h, err := c.HeadObject(ctx, "k", v1.VersionID); err != nil || h.Size != 3 || h.VersionID != v1.VersionID || h.Metadata["X-Amz-Meta-N"] != "1" {
		t.Fatalf("HEAD of v1: %+v, %v", h, err)
	}

	del, err := c.DeleteObject(ctx, "k", "")
	if err != nil || !del.IsDeleteMarker || del.VersionID == "" {
		t.Fatalf("delete: %+v, %v", del, err)
	}
	_, err = c.GetObject(ctx, "k", "", "", Conditions{})
	wantCode(t, err, "NoSuchKey", 404)
	_, err = c.HeadObject(ctx, "k", "")
	wantCode(t, err, "NoSuchKey", 404)
	_, err = c.HeadObject(ctx, "k", del.VersionID)
	wantCode(t, err, "MethodNotAllowed", 405)
	if got, _ := get(t, c, "k", v2.VersionID); string(got) != "second" {
		t.Fatalf("GET of v2 under a delete marker gave %q", got)
	}

	// Removing the latest version for good makes the one before it latest.
	if r, err := c.DeleteObject(ctx, "k", del.VersionID); err != nil || !r.IsDeleteMarker || r.VersionID != del.VersionID {
		t.Fatalf("delete of the marker: %+v, %v", r, err)
	}
	if r, err := c.DeleteObject(ctx, "k", v2.VersionID); err != nil || r.IsDeleteMarker || r.VersionID != v2.VersionID {
		t.Fatalf("delete of v2: %+v, %v", r, err)
	}
	if got, r := get(t, c, "k", ""); string(got) != "one" || r.VersionID != v1.VersionID {
		t.Fatalf("latest after deleting v2 is %q (%s)", got, r.VersionID)
	}
	_, err = c.GetObject(ctx, "k", v2.VersionID, "", Conditions{})
	wantCode(t, err, "NoSuchVersion", 404)
	vs := versionsOf(t, c, "", 0)
	if len(vs) != 1 || vs[0].VersionID != v1.VersionID || !vs[0].IsLatest {
		t.Fatalf("versions left: %+v", vs)
	}
}

func TestSpecialKeys(t *testing.T) {
	c := newTestClient(t)
	ctx := ctxT(t)
	keys := []string{
		"with space", "plus+sign", "percent%41sign", "unicodé/ключ/鍵", "amp&eq=q?hash#",
		"tilde~star*", "slash//double", "quote\"apos'", "a b+c%20d", "<xml>&amp;",
	}
	for _, key := range keys {
		t.Run(key, func(t *testing.T) {
			v := put(t, c, key, []byte("body of "+key), nil)
			if got, _ := get(t, c, key, v.VersionID); string(got) != "body of "+key {
				t.Fatalf("GET gave %q", got)
			}
			if _, err := c.HeadObject(ctx, key, ""); err != nil {
				t.Fatal(err)
			}
			cp, err := c.CopyObject(ctx, key, v.VersionID, key+".copy", nil, Conditions{})
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := get(t, c, key+".copy", cp.VersionID); string(got) != "body of "+key {
				t.Fatalf("copy holds %q", got)
			}
			vs := versionsOf(t, c, key, 0)
			if len(vs) != 2 || vs[0].Key != key || vs[1].Key != key+".copy" {
				t.Fatalf("listing under %q: %+v", key, vs)
			}
			if _, err := c.DeleteObject(ctx, key, v.VersionID); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCopyObject(t *testing.T) {
	c := newTestClient(t)
	ctx := ctxT(t)
	old := put(t, c, "src", []byte("old"), map[string]string{"Content-Type": "text/old", "X-Amz-Meta-A": "1"})
	cur := put(t, c, "src", []byte("current"), map[string]string{"Content-Type": "text/plain", "X-Amz-Meta-A": "2"})

	kept, err := c.CopyObject(ctx, "src", "", "dst", nil, Conditions{IfMatch: cur.ETag})
	if err != nil {
		t.Fatal(err)
	}
	if kept.VersionID == "" || kept.ETag != cur.ETag || kept.LastModified.IsZero() {
		t.Fatalf("copy result %+v", kept)
	}
	got, r := get(t, c, "dst", "")
	if string(got) != "current" || r.VersionID != kept.VersionID || r.Metadata["Content-Type"] != "text/plain" || r.Metadata["X-Amz-Meta-A"] != "2" {
		t.Fatalf("COPY gave %q %+v", got, r.Object)
	}

	replaced, err := c.CopyObject(ctx, "src", old.VersionID, "dst", map[string]string{"Content-Type": "text/new", "X-Amz-Meta-B": "3"}, Conditions{})
	if err != nil {
		t.Fatal(err)
	}
	got, r = get(t, c, "dst", "")
	want := map[string]string{"Content-Type": "text/new", "X-Amz-Meta-B": "3"}
	if string(got) != "old" || r.VersionID != replaced.VersionID || !maps.Equal(r.Metadata, want) {
		t.Fatalf("REPLACE from the old version gave %q %v, want %q %v", got, r.Metadata, "old", want)
	}

	_, err = c.CopyObject(ctx, "src", "", "dst", nil, Conditions{IfMatch: old.ETag})
	wantCode(t, err, "PreconditionFailed", http.StatusPreconditionFailed)
	_, err = c.CopyObject(ctx, "missing", "", "dst", nil, Conditions{})
	wantCode(t, err, "NoSuchKey", 404)

	// Restoring an old version by copying it onto its own key is allowed.
	restored, err := c.CopyObject(ctx, "src", old.VersionID, "src", nil, Conditions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := get(t, c, "src", ""); string(got) != "old" || restored.VersionID == old.VersionID {
		t.Fatalf("restore gave %q as %s", got, restored.VersionID)
	}
	if vs := versionsOf(t, c, "src", 0); len(vs) != 3 || vs[0].VersionID != restored.VersionID {
		t.Fatalf("src versions after restore: %+v", vs)
	}
}

func TestConcurrentUse(t *testing.T) {
	c := newTestClient(t)
	ctx := ctxT(t)
	const workers, rounds = 8, 4
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			errs <- func() error {
				for i := range rounds {
					body := []byte(fmt.Sprintf("worker %d round %d", w, i))
					res, err := c.PutObject(ctx, "shared", bytes.NewReader(body), int64(len(body)), nil, PutOptions{})
					if err != nil {
						return err
					}
					r, err := c.GetObject(ctx, "shared", res.VersionID, "", Conditions{})
					if err != nil {
						return err
					}
					got, err := io.ReadAll(r.Body)
					r.Body.Close()
					if err != nil || !bytes.Equal(got, body) {
						return fmt.Errorf("version %s holds %q, want %q (%v)", res.VersionID, got, body, err)
					}
					if _, err := c.ListVersions(ctx, "", "", "", 5); err != nil {
						return err
					}
				}
				return nil
			}()
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if vs := versionsOf(t, c, "", 0); len(vs) != workers*rounds {
		t.Fatalf("%d versions, want %d", len(vs), workers*rounds)
	}
}
