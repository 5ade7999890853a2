package index

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// One database serves every fuzz input, each in a bucket of its own:
// opening Badger per input would leave little time for fuzzing.
var (
	fuzzDBOnce sync.Once
	fuzzDB     *DB
	fuzzDBErr  error
	fuzzBucket atomic.Int64
)

// fuzzKeys turns the fuzz input into object keys: one per line, a line
// starting with '-' is a key whose latest version is a delete marker. Keys
// are what S3 allows: non-empty UTF-8 without NUL.
func fuzzKeys(lines string) (live, deleted []string) {
	seen := map[string]bool{}
	for _, line := range strings.Split(lines, "\n") {
		del := strings.HasPrefix(line, "-")
		key := strings.TrimPrefix(line, "-")
		if !validFuzzString(key) || key == "" || len(key) > 64 || seen[key] || len(seen) == 40 {
			continue
		}
		seen[key] = true
		if del {
			deleted = append(deleted, key)
		} else {
			live = append(live, key)
		}
	}
	return live, deleted
}

func fuzzVersion(key, id string, deleteMarker bool) Version {
	v := Version{Key: key, VersionID: id, IsDeleteMarker: deleteMarker, LastModified: time.Unix(1e9, 0).UTC()}
	if !deleteMarker {
		v.Size, v.ETag = 1, `"`+id+`"`
	}
	return v
}

func validFuzzString(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0) && len(s) <= 64
}

// referenceListing is S3's listing of keys after marker, as "key" and
// "cp:prefix" entries: keys under prefix sorted by bytes, those sharing a
// delimited common prefix rolled into it, and a common prefix the marker
// lies in skipped, for the page that ended with the marker emitted it.
func referenceListing(keys []string, prefix, delimiter, marker string) []string {
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	var out []string
	for _, k := range sorted {
		if !strings.HasPrefix(k, prefix) || k <= marker {
			continue
		}
		entry := k
		if cp, ok := commonPrefix(k, prefix, delimiter); ok {
			if strings.HasPrefix(marker, cp) {
				continue
			}
			entry = "cp:" + cp
		}
		if len(out) == 0 || out[len(out)-1] != entry {
			out = append(out, entry)
		}
	}
	return out
}

// listingEntries merges a page's objects and common prefixes in order.
func listingEntries(res ListResult) []string {
	var out []string
	for _, v := range res.Objects {
		out = append(out, v.Key)
	}
	for _, cp := range res.CommonPrefixes {
		out = append(out, "cp:"+cp)
	}
	slices.SortFunc(out, func(a, b string) int {
		return strings.Compare(strings.TrimPrefix(a, "cp:"), strings.TrimPrefix(b, "cp:"))
	})
	return out
}

// FuzzListMarkers checks ListObjects and ListObjectVersions against a
// reference model of S3 listings: any prefix, delimiter and marker, paged
// any size, lists every entry once, in order, and pages always end.
func FuzzListMarkers(f *testing.F) {
	f.Add("a/1\na/2\nb\nc/1\nd", "", "/", "a/", uint8(1))
	f.Add("a/1\na/2\nb\nc/1\nd", "", "/", "a/1", uint8(2))
	f.Add("photos/2024/a\nphotos/2025/c\nphotos/x\nphotosx\nother", "photos/", "/", "", uint8(1))
	f.Add("a--b\na--c\na-b\nb", "", "--", "a-", uint8(1))
	f.Add("日本\né\nz\na\nZ\na/\naa\ne\u0301", "", "", "a", uint8(3))
	f.Add("x\n-z/1\nz/2\n-w/1", "", "/", "", uint8(1))
	f.Add("a/b/c\na/b/d\na/c\na", "a/", "/", "a/b/", uint8(1))

	f.Fuzz(func(t *testing.T, lines, prefix, delimiter, after string, pageSize uint8) {
		if !validFuzzString(prefix) || !validFuzzString(delimiter) || !validFuzzString(after) {
			return
		}
		fuzzDBOnce.Do(func() { fuzzDB, fuzzDBErr = OpenInMemory() })
		if fuzzDBErr != nil {
			t.Fatal(fuzzDBErr)
		}
		bucket := fmt.Sprintf("fuzz%d", fuzzBucket.Add(1))
		defer fuzzDB.ClearBucketObjects(bucket)
		live, deleted := fuzzKeys(lines)
		for _, k := range live {
			if err := fuzzDB.RecordVersion(bucket, fuzzVersion(k, "v1", false)); err != nil {
				t.Fatal(err)
			}
		}
		for _, k := range deleted {
			if err := fuzzDB.RecordVersion(bucket, fuzzVersion(k, "v1", false)); err != nil {
				t.Fatal(err)
			}
			if err := fuzzDB.RecordVersion(bucket, fuzzVersion(k, "dm", true)); err != nil {
				t.Fatal(err)
			}
		}
		want := referenceListing(live, prefix, delimiter, after)
		size := int(pageSize%8) + 1

		var got []string
		p := ListParams{Prefix: prefix, Delimiter: delimiter, Marker: after, MaxKeys: size}
		for pages := 0; ; pages++ {
			if pages > len(want)+1 {
				t.Fatalf("listing does not end: %d pages for %d entries", pages, len(want))
			}
			res, err := fuzzDB.ListObjects(bucket, p)
			if err != nil {
				t.Fatal(err)
			}
			page := listingEntries(res)
			if len(page) > size || (res.IsTruncated && len(page) == 0) {
				t.Fatalf("page of %d entries for max %d, truncated %v", len(page), size, res.IsTruncated)
			}
			got = append(got, page...)
			if !res.IsTruncated {
				break
			}
			p.Marker = res.NextMarker
		}
		if !slices.Equal(got, want) {
			t.Fatalf("keys %q, deleted %q, prefix %q, delimiter %q, marker %q, pages of %d:\n got %q\nwant %q",
				live, deleted, prefix, delimiter, after, size, got, want)
		}

		// Versions paged small read the same as in one page.
		vp := VersionListParams{Prefix: prefix, Delimiter: delimiter, KeyMarker: after}
		whole, err := fuzzDB.ListVersions(bucket, vp)
		if err != nil {
			t.Fatal(err)
		}
		var paged []string
		vp.MaxKeys = size
		for pages := 0; ; pages++ {
			if pages > 2*(len(live)+len(deleted))+2 {
				t.Fatalf("version listing does not end after %d pages", pages)
			}
			res, err := fuzzDB.ListVersions(bucket, vp)
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, versionEntries(res)...)
			if !res.IsTruncated {
				break
			}
			vp.KeyMarker, vp.VersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
		}
		if all := versionEntries(whole); !slices.Equal(paged, all) {
			t.Fatalf("versions paged by %d:\n got %q\nwant %q", size, paged, all)
		}
	})
}

// versionEntries renders a version page as "key\x00id" and "cp:prefix"
// entries in listing order (keys never hold NUL).
func versionEntries(res VersionListResult) []string {
	var out []string
	for _, v := range res.Versions {
		out = append(out, v.Key+"\x00"+v.VersionID)
	}
	for _, cp := range res.CommonPrefixes {
		out = append(out, "cp:"+cp)
	}
	slices.SortStableFunc(out, func(a, b string) int {
		ka, _, _ := strings.Cut(strings.TrimPrefix(a, "cp:"), "\x00")
		kb, _, _ := strings.Cut(strings.TrimPrefix(b, "cp:"), "\x00")
		return strings.Compare(ka, kb)
	})
	return out
}
