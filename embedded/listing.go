package embedded

import (
	"context"
	"iter"
	"slices"
	"strings"

	"github.com/rclone/gofakes3"
)

// rollUp returns the common prefix key falls under for a listing with
// prefix and delimiter, as S3 groups keys, or "" when it stands alone.
func rollUp(key, prefix, delimiter string) string {
	if delimiter == "" {
		return ""
	}
	if i := strings.Index(key[len(prefix):], delimiter); i >= 0 {
		return key[:len(prefix)+i+len(delimiter)]
	}
	return ""
}

// keysFrom yields the keys of b under prefix from the first one after
// marker; a marker that is itself a common prefix skips every key under it,
// so that a page ending on a common prefix does not repeat it. The keys
// are yielded as the caller takes them, so that a page costs its own keys
// and a binary search, not every key after the marker: at a million keys
// a listing would otherwise be quadratic. The caller holds the lock.
func (b *bucket) keysFrom(prefix, delimiter, marker string, inclusive bool) iter.Seq[string] {
	return func(yield func(string) bool) {
		start := max(prefix, marker)
		i, _ := slices.BinarySearch(b.keys, start)
		skipUnder := ""
		if marker != "" && rollUp(marker, prefix, delimiter) == marker && strings.HasPrefix(marker, prefix) {
			skipUnder = marker
			// Every key under the common prefix sorts after it: skip them
			// by a search, not one by one.
			if end := prefixEnd(skipUnder); end != "" {
				i, _ = slices.BinarySearch(b.keys, end)
			} else {
				i = len(b.keys)
			}
		}
		for _, k := range b.keys[i:] {
			if !strings.HasPrefix(k, prefix) {
				return
			}
			if (k == marker && !inclusive) || (skipUnder != "" && strings.HasPrefix(k, skipUnder)) {
				continue
			}
			if !yield(k) {
				return
			}
		}
	}
}

// prefixEnd is the least string greater than every string with prefix p,
// or "" when there is none (p is all 0xff bytes).
func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}

// ListBucket lists the current objects, as ListObjects (v1 and v2) see
// them: keys whose latest version is a delete marker are left out.
func (s *store) ListBucket(ctx context.Context, name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	if prefix == nil {
		prefix = &gofakes3.Prefix{}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucket(name)
	if err != nil {
		return nil, err
	}
	out := gofakes3.NewObjectList()
	count, lastPrefix := int64(0), ""
	for key := range b.keysFrom(prefix.Prefix, prefix.Delimiter, page.Marker, false) {
		v := b.history[key][0]
		if v.deleteMarker {
			continue
		}
		cp := rollUp(key, prefix.Prefix, prefix.Delimiter)
		if cp != "" && cp == lastPrefix {
			continue
		}
		if page.MaxKeys > 0 && count == page.MaxKeys {
			out.IsTruncated = true
			break
		}
		count++
		if cp != "" {
			out.AddPrefix(cp)
			lastPrefix, out.NextMarker = cp, cp
			continue
		}
		out.Add(&gofakes3.Content{
			Key:          key,
			LastModified: gofakes3.NewContentTime(v.modified),
			ETag:         v.etag(),
			Size:         int64(len(v.body)),
			StorageClass: gofakes3.StorageStandard,
		})
		out.NextMarker = key
	}
	if !out.IsTruncated {
		out.NextMarker = ""
	}
	return out, nil
}

// versionQuery is one ListObjectVersions request.
type versionQuery struct {
	prefix, delimiter          string
	keyMarker, versionIDMarker string
	maxKeys                    int
}

// versionEntry is one version or delete marker of a listing.
type versionEntry struct {
	*version
	latest bool
	id     string // as reported: none when the bucket never had versioning
}

// versionListing is one page of versions, in S3's order: keys ascending
// and, within a key, newest first, delete markers where they stand.
type versionListing struct {
	entries                            []versionEntry
	prefixes                           []string
	truncated                          bool
	nextKeyMarker, nextVersionIDMarker string
}

// listVersions lists one page of versions. A version-id-marker whose
// version has gone resumes at the next older version of that key.
func (s *store) listVersions(bucketName string, q versionQuery) (versionListing, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return versionListing{}, err
	}
	if q.maxKeys <= 0 {
		q.maxKeys = gofakes3.DefaultMaxBucketVersionKeys
	}
	var out versionListing
	full := func() bool {
		if len(out.entries)+len(out.prefixes) < q.maxKeys {
			return false
		}
		out.truncated = true
		return true
	}
	for key := range b.keysFrom(q.prefix, q.delimiter, q.keyMarker, q.versionIDMarker != "") {
		if cp := rollUp(key, q.prefix, q.delimiter); cp != "" {
			if n := len(out.prefixes); n > 0 && out.prefixes[n-1] == cp {
				continue
			}
			if full() {
				break
			}
			out.prefixes = append(out.prefixes, cp)
			out.nextKeyMarker, out.nextVersionIDMarker = cp, ""
			continue
		}
		h := b.history[key]
		from := 0
		if key == q.keyMarker {
			from = resumeAfter(h, q.versionIDMarker)
		}
		for i := from; i < len(h); i++ {
			if full() {
				return out.page(), nil
			}
			id := string(b.reportedID(h[i]))
			if id == "" {
				id = nullVersion
			}
			out.entries = append(out.entries, versionEntry{version: h[i], latest: i == 0, id: id})
			out.nextKeyMarker, out.nextVersionIDMarker = key, id
		}
	}
	return out.page(), nil
}

// page drops the next markers of a page that is the last one.
func (l versionListing) page() versionListing {
	if !l.truncated {
		l.nextKeyMarker, l.nextVersionIDMarker = "", ""
	}
	return l
}

// resumeAfter returns the index in h (newest first) of the first version
// older than the marker version.
func resumeAfter(h []*version, marker string) int {
	for i, v := range h {
		if v.id == marker {
			return i + 1
		}
	}
	seq, ok := versionSeq(marker)
	if !ok {
		return len(h)
	}
	for i, v := range h {
		if v.seq < seq {
			return i
		}
	}
	return len(h)
}

// ListBucketVersions serves gofakes3's own version listing route, which
// the front end normally answers itself.
func (s *store) ListBucketVersions(bucketName string, prefix *gofakes3.Prefix, page *gofakes3.ListBucketVersionsPage) (*gofakes3.ListBucketVersionsResult, error) {
	if prefix == nil {
		prefix = &gofakes3.Prefix{}
	}
	if page == nil {
		page = &gofakes3.ListBucketVersionsPage{}
	}
	q := versionQuery{prefix: prefix.Prefix, delimiter: prefix.Delimiter, keyMarker: page.KeyMarker,
		versionIDMarker: string(page.VersionIDMarker), maxKeys: int(page.MaxKeys)}
	l, err := s.listVersions(bucketName, q)
	if err != nil {
		return nil, err
	}
	res := gofakes3.NewListBucketVersionsResult(bucketName, prefix, page)
	for _, cp := range l.prefixes {
		res.AddPrefix(cp)
	}
	for _, e := range l.entries {
		if e.deleteMarker {
			res.Versions = append(res.Versions, &gofakes3.DeleteMarker{Key: e.key, VersionID: gofakes3.VersionID(e.id),
				IsLatest: e.latest, LastModified: gofakes3.NewContentTime(e.modified)})
			continue
		}
		res.Versions = append(res.Versions, &gofakes3.Version{Key: e.key, VersionID: gofakes3.VersionID(e.id),
			IsLatest: e.latest, LastModified: gofakes3.NewContentTime(e.modified), Size: int64(len(e.body)),
			StorageClass: gofakes3.StorageStandard, ETag: e.etag()})
	}
	res.IsTruncated = l.truncated
	res.NextKeyMarker = l.nextKeyMarker
	res.NextVersionIDMarker = gofakes3.VersionID(l.nextVersionIDMarker)
	return res, nil
}
