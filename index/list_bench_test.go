package index

import (
	"fmt"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
)

// loadListBucket writes n keys shaped like the LIST benchmark's (every
// tenth one under a common prefix of its own), with metadata as the
// ingester leaves it, through encode.
func loadListBucket(b *testing.B, d *DB, n int, encode func(Version) ([]byte, byte, error)) {
	b.Helper()
	wb := d.db.NewWriteBatch()
	defer wb.Cancel()
	for i := range n {
		key := fmt.Sprintf("obj/k%06d", i)
		if i%10 == 0 {
			key += "/x"
		}
		v := ver(key, fmt.Sprintf("%032x", i))
		v.ETag = fmt.Sprintf(`"%032x"`, i)
		v.IndexedAt = t0
		v.Metadata = map[string]string{"Content-Type": "application/octet-stream", "X-Amz-Meta-Bench": "1"}
		raw, meta, err := encode(v)
		if err != nil {
			b.Fatal(err)
		}
		if err := wb.SetEntry(badger.NewEntry(versionKey("bkt", key, 1), raw).WithMeta(meta)); err != nil {
			b.Fatal(err)
		}
		if err := wb.SetEntry(badger.NewEntry(objectKey("bkt", key), raw).WithMeta(meta)); err != nil {
			b.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		b.Fatal(err)
	}
}

// counter is a visitor that counts a page's entries and common prefixes.
func counter(n *int) ListVisitor {
	return ListVisitor{
		Entry:        func(*ListEntry) error { *n++; return nil },
		CommonPrefix: func(string) error { *n++; return nil },
	}
}

// BenchmarkListPage visits 1,000-entry pages, the gateway's listing path,
// from records in the binary format and in the previous releases' JSON.
func BenchmarkListPage(b *testing.B) {
	formats := []struct {
		name   string
		encode func(Version) ([]byte, byte, error)
	}{
		{"binary", encodeVersion},
		{"json", encodeJSONVersion},
	}
	for _, f := range formats {
		d, err := OpenInMemory()
		if err != nil {
			b.Fatal(err)
		}
		loadListBucket(b, d, 20_000, f.encode)
		for _, delim := range []string{"", "/"} {
			name := f.name + "/no-delimiter"
			if delim != "" {
				name = f.name + "/delimiter"
			}
			b.Run(name+"/objects", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					p := ListParams{Prefix: "obj/", Delimiter: delim, Marker: fmt.Sprintf("obj/k%06d", i*1009%18000)}
					n := 0
					if _, err := d.VisitObjects("bkt", p, counter(&n)); err != nil || n != 1000 {
						b.Fatalf("page of %d, %v", n, err)
					}
				}
			})
			b.Run(name+"/versions", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					p := VersionListParams{Prefix: "obj/", Delimiter: delim, KeyMarker: fmt.Sprintf("obj/k%06d", i*1009%18000)}
					n := 0
					if _, err := d.VisitVersions("bkt", p, counter(&n)); err != nil || n != 1000 {
						b.Fatalf("page of %d, %v", n, err)
					}
				}
			})
		}
		d.Close()
	}
}
