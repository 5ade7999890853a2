package embedded

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rclone/gofakes3"
)

// nullVersion is the VersionId S3 gives a version written while the
// bucket's versioning was never enabled or suspended.
const nullVersion = "null"

// nullAlias stands for the "null" VersionId inside the server: gofakes3
// reads ?versionId=null as "no version given", so the front end rewrites it
// to this, which no generated VersionId can equal.
const nullAlias = "null.version"

// store is a versioned in-memory object store, the gofakes3 Backend,
// VersionedBackend and MultipartBackend of the server. It replaces
// gofakes3's s3mem, whose version handling lists versions oldest first,
// gives no paging markers and panics once the latest version of a key is
// deleted by VersionId.
//
// Versions are immutable once stored: a change (such as new tags) replaces
// the version in its key's history, so readers never need the lock for a
// version they hold.
type store struct {
	mu      sync.RWMutex
	buckets map[string]*bucket
	seq     uint64
	now     func() time.Time
	events  *journal // every change of a version, in order
}

type bucket struct {
	name       string
	created    time.Time
	versioning gofakes3.VersioningStatus
	keys       []string              // sorted: keys with at least one version
	history    map[string][]*version // per key, newest first
	uploads    map[string]*upload    // multipart uploads in progress, by upload ID
}

type version struct {
	key          string
	id           string
	seq          uint64 // order of writes in the store; newest is highest
	deleteMarker bool
	body         []byte
	md5          []byte
	meta         map[string]string // metadata headers, canonical names
	modified     time.Time
	// parts are the sizes of the parts of a completed multipart upload,
	// nil for any other object, and mpETag its S3 ETag (parts.go).
	parts  []int64
	mpETag string
}

func (v *version) etag() string {
	if v.mpETag != "" {
		return v.mpETag
	}
	return `"` + hex.EncodeToString(v.md5) + `"`
}

var (
	_ gofakes3.Backend          = (*store)(nil)
	_ gofakes3.VersionedBackend = (*store)(nil)
)

func newStore() *store {
	return &store{buckets: map[string]*bucket{}, now: func() time.Time { return time.Now().UTC() }, events: newJournal()}
}

// newVersionID makes a VersionId that, like S3's, is opaque, URL-unsafe
// ('+', '/') and unique; its first bytes carry seq so that a listing can
// resume after a version-id-marker whose version has since been deleted.
func newVersionID(seq uint64) string {
	var b [24]byte
	binary.BigEndian.PutUint64(b[:8], seq)
	_, _ = rand.Read(b[8:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// versionSeq recovers the write order from a generated VersionId.
func versionSeq(id string) (uint64, bool) {
	b, err := base64.StdEncoding.DecodeString(id)
	if err != nil || len(b) != 24 {
		return 0, false
	}
	return binary.BigEndian.Uint64(b[:8]), true
}

// bucket returns the named bucket; the caller holds the lock.
func (s *store) bucket(name string) (*bucket, error) {
	b := s.buckets[name]
	if b == nil {
		return nil, gofakes3.BucketNotFound(name)
	}
	return b, nil
}

// lookup finds a version of key (the latest when id is empty), delete
// markers included.
func (s *store) lookup(bucketName, key, id string) (*version, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return nil, err
	}
	return b.find(key, id)
}

func (b *bucket) find(key, id string) (*version, error) {
	h := b.history[key]
	if id == "" {
		if len(h) == 0 {
			return nil, gofakes3.KeyNotFound(key)
		}
		return h[0], nil
	}
	if id == nullAlias {
		id = nullVersion
	}
	for _, v := range h {
		if v.id == id {
			return v, nil
		}
	}
	return nil, gofakes3.ErrorMessage(gofakes3.ErrNoSuchVersion, "The specified version does not exist.")
}

// latest finds the current version of key, failing as S3 does when there
// is none or it is a delete marker.
func (s *store) latest(bucketName, key string) (*version, error) {
	v, err := s.lookup(bucketName, key, "")
	if err != nil {
		return nil, err
	}
	if v.deleteMarker {
		return nil, gofakes3.KeyNotFound(key)
	}
	return v, nil
}

// add stores a new version of key as the latest; the caller holds the lock.
// Without versioning Enabled the new version is the "null" one and replaces
// any earlier "null" version.
func (s *store) add(b *bucket, v *version) {
	if s.place(b, v) {
		b.insertKey(v.key)
	}
}

// insertKey adds key to the sorted keys; the caller holds the lock.
func (b *bucket) insertKey(key string) {
	i, found := slices.BinarySearch(b.keys, key)
	if !found {
		b.keys = slices.Insert(b.keys, i, key)
	}
}

// place stores v as the latest version of its key and journals it, as
// add does, except for the sorted keys: true when the key had no version
// before, and the caller must add it to them. Preload adds its new keys
// at once. The caller holds the lock.
func (s *store) place(b *bucket, v *version) bool {
	s.seq++
	v.seq = s.seq
	v.modified = s.now()
	h := b.history[v.key]
	if b.versioning == gofakes3.VersioningEnabled {
		v.id = newVersionID(v.seq)
	} else {
		v.id = nullVersion
		h = slices.DeleteFunc(h, func(o *version) bool { return o.id == nullVersion })
	}
	fresh := len(h) == 0
	b.history[v.key] = append([]*version{v}, h...)
	c := change{event: eventPut, bucket: b.name, key: v.key, versionID: v.id, latest: true, modified: v.modified}
	if v.deleteMarker {
		c.event = eventDeleteMarker
	} else {
		c.etag, c.size = v.etag(), int64(len(v.body))
	}
	s.events.record(c)
	return fresh
}

// removed journals the removal of version v of bucket b; the caller holds
// the lock.
func (s *store) removed(b *bucket, v *version) {
	s.events.record(change{event: eventDelete, bucket: b.name, key: v.key, versionID: v.id, modified: s.now()})
}

// drop removes the version at index i of key's history; the caller holds
// the lock.
func (b *bucket) drop(key string, i int) {
	h := slices.Delete(slices.Clone(b.history[key]), i, i+1)
	if len(h) > 0 {
		b.history[key] = h
		return
	}
	delete(b.history, key)
	if j, ok := slices.BinarySearch(b.keys, key); ok {
		b.keys = slices.Delete(b.keys, j, j+1)
	}
}

// reportedID is the VersionId to show for v: none at all in a bucket that
// never had versioning.
func (b *bucket) reportedID(v *version) gofakes3.VersionID {
	if b.versioning == gofakes3.VersioningNone {
		return ""
	}
	return gofakes3.VersionID(v.id)
}

// object converts v for gofakes3, with its body cut to rng when withBody.
func (b *bucket) object(v *version, rng *gofakes3.ObjectRangeRequest, withBody bool) (*gofakes3.Object, error) {
	meta := make(map[string]string, len(v.meta)+1)
	for k, val := range v.meta {
		meta[k] = val
	}
	// gofakes3 takes Last-Modified, for the header and for conditions, from
	// the metadata.
	meta["Last-Modified"] = v.modified.Format(http.TimeFormat)
	obj := &gofakes3.Object{
		Name:      v.key,
		Metadata:  meta,
		Size:      int64(len(v.body)),
		Hash:      v.md5,
		VersionID: b.reportedID(v),
		Contents:  http.NoBody,
	}
	if !withBody {
		return obj, nil
	}
	r, err := rng.Range(obj.Size)
	if err != nil {
		return nil, err
	}
	data := v.body
	if r != nil {
		data = data[r.Start : r.Start+r.Length]
	}
	obj.Range = r
	obj.Contents = io.NopCloser(bytes.NewReader(data))
	return obj, nil
}

func (s *store) ListBuckets(ctx context.Context) ([]gofakes3.BucketInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]gofakes3.BucketInfo, 0, len(s.buckets))
	for name, b := range s.buckets {
		out = append(out, gofakes3.BucketInfo{Name: name, CreationDate: gofakes3.NewContentTime(b.created)})
	}
	slices.SortFunc(out, func(a, b gofakes3.BucketInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (s *store) CreateBucket(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets[name] != nil {
		return gofakes3.ResourceError(gofakes3.ErrBucketAlreadyExists, name)
	}
	s.buckets[name] = &bucket{name: name, created: s.now(), history: map[string][]*version{}, uploads: map[string]*upload{}}
	return nil
}

func (s *store) BucketExists(ctx context.Context, name string) (bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.buckets[name] != nil, nil
}

func (s *store) DeleteBucket(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(name)
	if err != nil {
		return err
	}
	if len(b.keys) > 0 {
		return gofakes3.ResourceError(gofakes3.ErrBucketNotEmpty, name)
	}
	delete(s.buckets, name)
	return nil
}

func (s *store) GetObject(ctx context.Context, bucketName, key string, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	return s.read(bucketName, key, "", rng, true)
}

func (s *store) HeadObject(ctx context.Context, bucketName, key string) (*gofakes3.Object, error) {
	return s.read(bucketName, key, "", nil, false)
}

func (s *store) GetObjectVersion(bucketName, key string, id gofakes3.VersionID, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	return s.read(bucketName, key, string(id), rng, true)
}

func (s *store) HeadObjectVersion(bucketName, key string, id gofakes3.VersionID) (*gofakes3.Object, error) {
	return s.read(bucketName, key, string(id), nil, false)
}

// read serves the gofakes3 reads. A latest version that is a delete marker
// is NoSuchKey; a delete marker asked for by VersionId is returned as one,
// which gofakes3 answers with x-amz-delete-marker.
func (s *store) read(bucketName, key, id string, rng *gofakes3.ObjectRangeRequest, withBody bool) (*gofakes3.Object, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return nil, err
	}
	v, err := b.find(key, id)
	if err != nil {
		return nil, err
	}
	if v.deleteMarker {
		if id == "" {
			return nil, gofakes3.KeyNotFound(key)
		}
		return &gofakes3.Object{Name: key, VersionID: gofakes3.VersionID(v.id), IsDeleteMarker: true, Contents: http.NoBody}, nil
	}
	return b.object(v, rng, withBody)
}

func (s *store) PutObject(ctx context.Context, bucketName, key string, meta map[string]string, input io.Reader, size int64) (gofakes3.PutObjectResult, error) {
	body, err := gofakes3.ReadAll(input, size)
	if err != nil {
		return gofakes3.PutObjectResult{}, err
	}
	v, id, err := s.put(ctx, bucketName, key, meta, body)
	if err != nil {
		return gofakes3.PutObjectResult{}, err
	}
	return gofakes3.PutObjectResult{VersionID: id, ETag: v.etag()}, nil
}

// put stores body as the new latest version of key, returning it and the
// VersionId to report for it.
func (s *store) put(ctx context.Context, bucketName, key string, meta map[string]string, body []byte) (*version, gofakes3.VersionID, error) {
	sum := md5.Sum(body)
	v := &version{key: key, body: body, md5: sum[:], meta: storedMeta(meta)}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return nil, "", err
	}
	if err := s.addChecked(ctx, b, v); err != nil {
		return nil, "", err
	}
	return v, b.reportedID(v), nil
}

// addChecked stores v as add does, once the write conditions of the
// request with ctx hold; the caller holds the lock.
func (s *store) addChecked(ctx context.Context, b *bucket, v *version) error {
	if gofakes3.HasWriteConditions(ctx) {
		cur, _ := b.find(v.key, "")
		exists := cur != nil && !cur.deleteMarker
		etag := ""
		if exists {
			// gofakes3's form (see writeConditionsAsMD5).
			etag = hex.EncodeToString(cur.md5)
		}
		if err := gofakes3.CheckWriteConditions(ctx, exists, etag); err != nil {
			return err
		}
	}
	s.add(b, v)
	return nil
}

// defaultContentType is S3's type for an object written without one.
const defaultContentType = "binary/octet-stream"

// storedMeta keeps the metadata headers of an object, dropping the
// Last-Modified gofakes3 adds (the version's own time is the truth), with
// S3's default type when none was given: without one, Go's HTTP server
// would guess a type from the body of each GET.
func storedMeta(meta map[string]string) map[string]string {
	out := make(map[string]string, len(meta)+1)
	for k, v := range meta {
		if k != "Last-Modified" {
			out[k] = v
		}
	}
	if out["Content-Type"] == "" {
		out["Content-Type"] = defaultContentType
	}
	return out
}

func (s *store) CopyObject(ctx context.Context, srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	src, err := s.latest(srcBucket, srcKey)
	if err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	v, _, err := s.put(ctx, dstBucket, dstKey, meta, src.body)
	if err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	return gofakes3.CopyObjectResult{ETag: v.etag(), LastModified: gofakes3.NewContentTime(v.modified)}, nil
}

func (s *store) DeleteObject(ctx context.Context, bucketName, key string) (gofakes3.ObjectDeleteResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return gofakes3.ObjectDeleteResult{}, err
	}
	return s.remove(b, key), nil
}

// remove deletes key as S3 does: a delete marker when versioning is (or
// was) on, whether or not the key exists, else the object itself. The
// caller holds the lock.
func (s *store) remove(b *bucket, key string) gofakes3.ObjectDeleteResult {
	if b.versioning == gofakes3.VersioningNone {
		if h := b.history[key]; len(h) > 0 {
			b.drop(key, 0)
			s.removed(b, h[0])
		}
		return gofakes3.ObjectDeleteResult{}
	}
	marker := &version{key: key, deleteMarker: true}
	s.add(b, marker)
	return gofakes3.ObjectDeleteResult{IsDeleteMarker: true, VersionID: gofakes3.VersionID(marker.id)}
}

func (s *store) DeleteObjectVersion(bucketName, key string, id gofakes3.VersionID) (gofakes3.ObjectDeleteResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return gofakes3.ObjectDeleteResult{}, err
	}
	want := string(id)
	if want == nullAlias {
		want = nullVersion
	}
	for i, v := range b.history[key] {
		if v.id == want {
			b.drop(key, i)
			s.removed(b, v)
			return gofakes3.ObjectDeleteResult{IsDeleteMarker: v.deleteMarker, VersionID: gofakes3.VersionID(v.id)}, nil
		}
	}
	// S3 answers a delete of a version that is not there with success.
	return gofakes3.ObjectDeleteResult{VersionID: gofakes3.VersionID(want)}, nil
}

func (s *store) DeleteMulti(ctx context.Context, bucketName string, keys ...string) (gofakes3.MultiDeleteResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return gofakes3.MultiDeleteResult{}, err
	}
	var out gofakes3.MultiDeleteResult
	for _, key := range keys {
		s.remove(b, key)
		out.Deleted = append(out.Deleted, gofakes3.ObjectID{Key: key})
	}
	return out, nil
}

func (s *store) VersioningConfiguration(bucketName string) (gofakes3.VersioningConfiguration, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return gofakes3.VersioningConfiguration{}, err
	}
	return gofakes3.VersioningConfiguration{Status: b.versioning}, nil
}

func (s *store) SetVersioningConfiguration(bucketName string, v gofakes3.VersioningConfiguration) error {
	if v.MFADelete.Enabled() {
		return gofakes3.ErrorMessage(gofakes3.ErrNotImplemented, "MFA delete is not supported.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return err
	}
	switch {
	case v.Enabled():
		b.versioning = gofakes3.VersioningEnabled
	case b.versioning != gofakes3.VersioningNone:
		// Once enabled, versioning can only be suspended.
		b.versioning = gofakes3.VersioningSuspended
	}
	return nil
}

// setTagging replaces the tags (URL-encoded, "" for none) of a version of
// key, the latest when id is empty, returning the VersionId it changed.
func (s *store) setTagging(bucketName, key, id, tagging string) (*version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return nil, err
	}
	v, err := b.find(key, id)
	if err != nil {
		return nil, err
	}
	if v.deleteMarker {
		return v, nil
	}
	changed := *v
	changed.meta = make(map[string]string, len(v.meta)+1)
	for k, val := range v.meta {
		changed.meta[k] = val
	}
	delete(changed.meta, gofakes3.TaggingMetadataKey)
	if tagging != "" {
		changed.meta[gofakes3.TaggingMetadataKey] = tagging
	}
	h := slices.Clone(b.history[key])
	h[slices.Index(h, v)] = &changed
	b.history[key] = h
	event := eventPutTagging
	if tagging == "" {
		event = eventDelTagging
	}
	s.events.record(change{event: event, bucket: b.name, key: key, versionID: v.id, etag: v.etag(), size: int64(len(v.body)), modified: s.now()})
	return &changed, nil
}
