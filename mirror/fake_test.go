package mirror

import (
	"context"
	"crypto/md5"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ringside/ringside/backend"
)

// fakeBackend is an in-memory versioned S3 bucket with fault injection.
type fakeBackend struct {
	mu        sync.Mutex
	keys      map[string][]*fakeVersion // newest first
	seq       int
	clock     time.Time
	ignorePfx bool // list every key whatever the prefix, as a broken server might

	listCalls  []listCall
	heads      int
	beforeList func(call int) error                         // runs before a page is read; an error fails the call
	afterList  func(call int, p *backend.VersionPage) error // runs on the page read; an error fails the call
	failHead   func(key, versionID string) error
	// listGate, if set, runs before a page of prefix is read; an error
	// fails the call.
	listGate func(ctx context.Context, prefix string) error
}

type listCall struct{ keyMarker, versionIDMarker string }

type fakeVersion struct {
	id    string
	dm    bool
	size  int64
	etag  string
	mod   time.Time
	meta  map[string]string
	parts int
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{keys: map[string][]*fakeVersion{}, clock: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
}

// tick advances the backend clock by more than the listing-time slack, so
// that every write has its own time.
func (f *fakeBackend) tick() time.Time {
	f.clock = f.clock.Add(1500 * time.Millisecond)
	return f.clock
}

func (f *fakeBackend) newID() string {
	f.seq++
	return fmt.Sprintf("v%05d", f.seq)
}

func etagOf(body string) string { return fmt.Sprintf("%q", fmt.Sprintf("%x", md5.Sum([]byte(body)))) }

// put writes a new version of key.
func (f *fakeBackend) put(key, body string, meta map[string]string) *fakeVersion {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := &fakeVersion{id: f.newID(), size: int64(len(body)), etag: etagOf(body), mod: f.tick(), meta: maps.Clone(meta)}
	f.keys[key] = append([]*fakeVersion{v}, f.keys[key]...)
	return v
}

// putNull writes key's null version, replacing the previous one, as an
// unversioned or suspended bucket does.
func (f *fakeBackend) putNull(key, body string, meta map[string]string) *fakeVersion {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := &fakeVersion{id: "null", size: int64(len(body)), etag: etagOf(body), mod: f.tick(), meta: maps.Clone(meta)}
	vs := slices.DeleteFunc(f.keys[key], func(o *fakeVersion) bool { return o.id == "null" })
	f.keys[key] = append([]*fakeVersion{v}, vs...)
	return v
}

// copyInPlace copies key's latest version onto itself with new metadata:
// a new version with the same content.
func (f *fakeBackend) copyInPlace(key string, meta map[string]string) *fakeVersion {
	f.mu.Lock()
	defer f.mu.Unlock()
	src := f.keys[key][0]
	v := &fakeVersion{id: f.newID(), size: src.size, etag: src.etag, mod: f.tick(), meta: maps.Clone(meta)}
	f.keys[key] = append([]*fakeVersion{v}, f.keys[key]...)
	return v
}

// multipart writes a version as a completed multipart upload would.
func (f *fakeBackend) multipart(key string, parts int, partSize int64, meta map[string]string) *fakeVersion {
	f.mu.Lock()
	defer f.mu.Unlock()
	etag := fmt.Sprintf("%q", fmt.Sprintf("%x-%d", md5.Sum([]byte(key)), parts))
	v := &fakeVersion{id: f.newID(), size: int64(parts) * partSize, etag: etag, mod: f.tick(), meta: maps.Clone(meta), parts: parts}
	f.keys[key] = append([]*fakeVersion{v}, f.keys[key]...)
	return v
}

// deleteKey puts a delete marker on key.
func (f *fakeBackend) deleteKey(key string) *fakeVersion {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := &fakeVersion{id: f.newID(), dm: true, mod: f.tick()}
	f.keys[key] = append([]*fakeVersion{v}, f.keys[key]...)
	return v
}

// deleteVersion removes one version (or delete marker) for good.
func (f *fakeBackend) deleteVersion(key, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	vs := slices.DeleteFunc(f.keys[key], func(v *fakeVersion) bool { return v.id == id })
	if len(vs) == 0 {
		delete(f.keys, key)
		return
	}
	f.keys[key] = vs
}

// latest returns key's newest version or nil.
func (f *fakeBackend) latest(key string) *fakeVersion {
	f.mu.Lock()
	defer f.mu.Unlock()
	if vs := f.keys[key]; len(vs) > 0 {
		return vs[0]
	}
	return nil
}

func (f *fakeBackend) sortedKeys(prefix string) []string {
	var ks []string
	for k := range f.keys {
		if f.ignorePfx || strings.HasPrefix(k, prefix) {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}

func (v *fakeVersion) object(key string, latest bool) backend.Object {
	o := backend.Object{Key: key, VersionID: v.id, IsDeleteMarker: v.dm, IsLatest: latest, Size: v.size, ETag: v.etag, LastModified: v.mod, PartCount: v.parts}
	return o
}

// ListVersions pages like S3: after (keyMarker, versionIDMarker), at most
// maxKeys entries, with the markers of the last entry when truncated.
func (f *fakeBackend) ListVersions(ctx context.Context, prefix, keyMarker, versionIDMarker string, maxKeys int) (backend.VersionPage, error) {
	f.mu.Lock()
	call := len(f.listCalls)
	f.listCalls = append(f.listCalls, listCall{keyMarker, versionIDMarker})
	before, after, gate := f.beforeList, f.afterList, f.listGate
	f.mu.Unlock()
	if gate != nil {
		if err := gate(ctx, prefix); err != nil {
			return backend.VersionPage{}, err
		}
	}
	if before != nil {
		if err := before(call); err != nil {
			return backend.VersionPage{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return backend.VersionPage{}, err
	}
	p := f.page(prefix, keyMarker, versionIDMarker, maxKeys)
	if after != nil {
		if err := after(call, &p); err != nil {
			return backend.VersionPage{}, err
		}
	}
	return p, nil
}

func (f *fakeBackend) page(prefix, keyMarker, versionIDMarker string, maxKeys int) backend.VersionPage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var p backend.VersionPage
	for _, k := range f.sortedKeys(prefix) {
		if k < keyMarker || (k == keyMarker && versionIDMarker == "") {
			continue
		}
		vs := f.keys[k]
		start := 0
		if k == keyMarker {
			start = len(vs)
			for i, v := range vs {
				if v.id == versionIDMarker {
					start = i + 1
				}
			}
		}
		for i := start; i < len(vs); i++ {
			if len(p.Versions) == maxKeys {
				last := p.Versions[len(p.Versions)-1]
				p.IsTruncated, p.NextKeyMarker, p.NextVersionIDMarker = true, last.Key, last.VersionID
				return p
			}
			p.Versions = append(p.Versions, vs[i].object(k, i == 0))
		}
	}
	return p
}

// HeadObject answers like S3: 404 for an unknown version, 405 for a
// delete marker; without a version, the latest, 404 when it is a delete
// marker.
func (f *fakeBackend) HeadObject(ctx context.Context, key, versionID string) (backend.Object, error) {
	f.mu.Lock()
	f.heads++
	fail := f.failHead
	f.mu.Unlock()
	if fail != nil {
		if err := fail(key, versionID); err != nil {
			return backend.Object{}, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, v := range f.keys[key] {
		if versionID == "" && i == 0 && v.dm {
			return backend.Object{}, &backend.Error{Op: "HeadObject", Code: "NoSuchKey", Status: http.StatusNotFound}
		}
		if v.id != versionID && (versionID != "" || i > 0) {
			continue
		}
		if v.dm {
			return backend.Object{}, &backend.Error{Op: "HeadObject", Code: "MethodNotAllowed", Status: http.StatusMethodNotAllowed}
		}
		o := v.object(key, i == 0)
		o.Metadata = maps.Clone(v.meta)
		return o, nil
	}
	return backend.Object{}, &backend.Error{Op: "HeadObject", Code: "NoSuchVersion", Status: http.StatusNotFound}
}

func (f *fakeBackend) calls() []listCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.listCalls)
}

func (f *fakeBackend) headCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.heads
}

func (f *fakeBackend) setHooks(before func(int) error, after func(int, *backend.VersionPage) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.beforeList, f.afterList = before, after
}

// snapshot renders every version under prefix, prefix stripped, as
// "key@id" lines ("key@id!" for a delete marker, with size and ETag),
// keys ascending and newest first.
func (f *fakeBackend) snapshot(prefix string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, k := range f.sortedKeys(prefix) {
		if !strings.HasPrefix(k, prefix) || k == prefix {
			continue
		}
		for _, v := range f.keys[k] {
			out = append(out, render(strings.TrimPrefix(k, prefix), v.id, v.dm, v.size, v.etag))
		}
	}
	return out
}

func render(key, id string, dm bool, size int64, etag string) string {
	if dm {
		return key + "@" + id + "!"
	}
	return fmt.Sprintf("%s@%s %d %s", key, id, size, etag)
}
