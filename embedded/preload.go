package embedded

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"
)

// maxKeyBytes is S3's limit on the length of a key.
const maxKeyBytes = 1024

// Preload stores n objects in bucket as n PUTs in the order i = 0 .. n-1
// would, without their requests: object key(i), size zero bytes, a new
// version of its key (the "null" one without versioning), each journaled
// as a put, so that the listen stream's subscribers, the metadata log and
// the webhook pushers see them as they see PUTs. The bucket is created,
// with versioning Enabled, if it does not exist.
//
// It is for tests and benchmarks that need millions of objects: a PUT
// over HTTP costs a request each, Preload a few hundred nanoseconds. Every
// object shares one body, so memory grows with the versions' records, not
// with size.
func (s *Server) Preload(bucket string, n int, key func(i int) string, size int) error {
	if n < 0 || size < 0 || key == nil {
		return errors.New("preload: want n >= 0, size >= 0 and a key function")
	}
	if ok, _ := s.store.BucketExists(context.Background(), bucket); !ok {
		if err := createVersioned(s.store, bucket); err != nil {
			return fmt.Errorf("preload %s: %w", bucket, err)
		}
	}
	return s.store.preload(bucket, n, key, make([]byte, size))
}

// preload is Preload under the store's lock: each version placed as a PUT
// places it, the keys new to the bucket merged into its sorted keys once
// at the end instead of inserted one by one.
func (s *store) preload(bucketName string, n int, key func(i int) string, body []byte) error {
	sum := md5.Sum(body)
	// Shared by every version: versions are never changed in place.
	meta := storedMeta(nil)
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucketName)
	if err != nil {
		return fmt.Errorf("preload %s: %w", bucketName, err)
	}
	var fresh []string
	for i := range n {
		k := key(i)
		if k == "" || len(k) > maxKeyBytes || !utf8.ValidString(k) {
			b.keys = mergeKeys(b.keys, fresh)
			return fmt.Errorf("preload %s: key %d (%q) is not a valid S3 key", bucketName, i, k)
		}
		if s.place(b, &version{key: k, body: body, md5: sum[:], meta: meta}) {
			fresh = append(fresh, k)
		}
	}
	b.keys = mergeKeys(b.keys, fresh)
	return nil
}

// mergeKeys returns the sorted keys with the new ones, which none of them
// holds, merged in.
func mergeKeys(keys, fresh []string) []string {
	if len(fresh) == 0 {
		return keys
	}
	slices.Sort(fresh)
	fresh = slices.Compact(fresh)
	out := make([]string, 0, len(keys)+len(fresh))
	i, j := 0, 0
	for i < len(keys) && j < len(fresh) {
		if keys[i] < fresh[j] {
			out = append(out, keys[i])
			i++
		} else {
			out = append(out, fresh[j])
			j++
		}
	}
	out = append(out, keys[i:]...)
	return append(out, fresh[j:]...)
}
