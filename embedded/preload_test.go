package embedded

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Preload stores what the same PUTs would: every key listed once, in
// order, with its versions newest first, readable over S3 with its size
// and ETag, each version journaled as a put; keys written before stay.
func TestPreload(t *testing.T) {
	tests := []struct {
		name      string
		n, size   int
		key       func(i int) string
		versioned bool
		wantKeys  int
		wantVers  int // versions listed
	}{
		{name: "shuffled", n: 1000, size: 16, key: func(i int) string { return fmt.Sprintf("p/%05d", (i*7919)%1000) },
			versioned: true, wantKeys: 1001, wantVers: 1001},
		{name: "two versions each", n: 600, size: 0, key: func(i int) string { return fmt.Sprintf("k%03d", i%300) },
			versioned: true, wantKeys: 301, wantVers: 601},
		{name: "unversioned", n: 600, size: 3, key: func(i int) string { return fmt.Sprintf("k%03d", i%300) },
			wantKeys: 301, wantVers: 301},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := start(t)
			c := sdk(srv, testSecret)
			ctx := context.Background()
			create := func() error {
				_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("pre")})
				return err
			}
			if tt.versioned {
				create = func() error { return createVersioned(srv.store, "pre") }
			}
			if err := create(); err != nil {
				t.Fatal(err)
			}
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("pre"), Key: aws.String("m-before"), Body: strings.NewReader("x")}); err != nil {
				t.Fatal(err)
			}
			before := srv.store.events.last()
			if err := srv.Preload("pre", tt.n, tt.key, tt.size); err != nil {
				t.Fatal(err)
			}
			if got := srv.store.events.last() - before; got != uint64(tt.n) {
				t.Errorf("%d changes journaled, want %d", got, tt.n)
			}
			keys, versions := listAllVersions(t, srv.store, "pre")
			if len(keys) != tt.wantKeys || versions != tt.wantVers || !slices.IsSorted(keys) {
				t.Errorf("listed %d keys (sorted %v), %d versions; want %d keys, %d versions",
					len(keys), slices.IsSorted(keys), versions, tt.wantKeys, tt.wantVers)
			}
			k := tt.key(tt.n - 1)
			out, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("pre"), Key: aws.String(k)})
			if err != nil {
				t.Fatalf("head %s: %v", k, err)
			}
			sum := md5.Sum(make([]byte, tt.size))
			if aws.ToInt64(out.ContentLength) != int64(tt.size) || aws.ToString(out.ETag) != `"`+hex.EncodeToString(sum[:])+`"` {
				t.Errorf("head %s: size %d etag %s", k, aws.ToInt64(out.ContentLength), aws.ToString(out.ETag))
			}
		})
	}
}

func TestPreloadRefusals(t *testing.T) {
	srv := start(t)
	tests := []struct {
		name string
		n    int
		key  func(int) string
	}{
		{"negative", -1, func(int) string { return "k" }},
		{"no key function", 1, nil},
		{"empty key", 3, func(i int) string { return strings.Repeat("k", 2-i) }},
		{"key too long", 1, func(int) string { return strings.Repeat("k", 1025) }},
	}
	for _, tt := range tests {
		if err := srv.Preload("bad", tt.n, tt.key, 0); err == nil {
			t.Errorf("%s: preloaded", tt.name)
		}
	}
	// The keys before the refused one are stored and listed.
	if keys, _ := listAllVersions(t, srv.store, "bad"); !slices.Equal(keys, []string{"k", "kk"}) {
		t.Errorf("listed %v after a refusal at the third key, want [k kk]", keys)
	}
}

// listAllVersions pages through every version of bucket, 100 at a time,
// and returns the keys listed (once each) and the number of versions.
func listAllVersions(t *testing.T, st *store, bucket string) ([]string, int) {
	t.Helper()
	var keys []string
	versions := 0
	q := versionQuery{maxKeys: 100}
	for {
		l, err := st.listVersions(bucket, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range l.entries {
			versions++
			if n := len(keys); n == 0 || keys[n-1] != e.key {
				keys = append(keys, e.key)
			}
		}
		if !l.truncated {
			return keys, versions
		}
		q.keyMarker, q.versionIDMarker = l.nextKeyMarker, l.nextVersionIDMarker
	}
}

// The journal holds its newest changes in a buffer that does not grow
// with the changes recorded.
func TestJournalBounded(t *testing.T) {
	j := newJournal()
	j.setRetention(10)
	for i := range 1000 {
		j.record(change{key: fmt.Sprint(i)})
		if len(j.buf) > 2*j.retention {
			t.Fatalf("after %d changes the buffer holds %d, want at most %d", i+1, len(j.buf), 2*j.retention)
		}
	}
	first, got, ok := j.read(1, 100)
	if !ok || first != 991 || len(got) != 10 || got[0].key != "990" || got[9].key != "999" {
		t.Errorf("read(1) = %d, %d changes, %v", first, len(got), ok)
	}
}

// BenchmarkListVersionsPage times one 1000-version page from the middle
// of a bucket of a million keys: a page's cost must not grow with the
// keys after it, or an initial sync of the bucket is quadratic.
func BenchmarkListVersionsPage(b *testing.B) {
	srv, err := Start("127.0.0.1:0", testKey, testSecret)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	const n = 1_000_000
	key := func(i int) string { return fmt.Sprintf("obj/%07d", i) }
	if err := srv.Preload("big", n, key, 0); err != nil {
		b.Fatal(err)
	}
	q := versionQuery{keyMarker: key(n / 2), maxKeys: 1000}
	b.ResetTimer()
	for b.Loop() {
		if _, err := srv.store.listVersions("big", q); err != nil {
			b.Fatal(err)
		}
	}
}
