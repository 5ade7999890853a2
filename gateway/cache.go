package gateway

import (
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/objcache"
)

// The object cache (package objcache) answers GETs of small versions
// without a backend round trip. Every read resolves its version in the
// index first and the cache is asked for exactly that version (ID, ETag,
// size, Last-Modified), so a version the index has moved past is never
// served from it. What
// the cache keeps beside the bytes is the one header of a read that the
// index does not hold, x-amz-tagging-count; every other header is
// written from the index as on a backend read.

// cached names version v of t in the object cache.
func cached(t target, v index.Version) objcache.Version {
	return objcache.Version{Bucket: t.bucket.Name, Key: v.Key, VersionID: v.VersionID, ETag: quoteETag(v.ETag),
		Size: v.Size, Modified: v.LastModified.UnixNano()}
}

// serveCached answers a GET of v (its conditions checked, its range s
// resolved) from the tier of the object cache that takes v's size, if
// it holds v; a partNumber read is never answered from the cache.
func (g *Gateway) serveCached(w http.ResponseWriter, r *http.Request, t target, v index.Version, s *span, wantPart int) bool {
	if wantPart != 0 {
		return false
	}
	if g.cache.Takes(v.Size) {
		return g.serveMemory(w, r, t, v, s)
	}
	return g.serveDisk(w, r, t, v, s)
}

// serveMemory answers a read of v from the memory tier, if it holds v.
func (g *Gateway) serveMemory(w http.ResponseWriter, r *http.Request, t target, v index.Version, s *span) bool {
	e, ok := g.cache.Get(cached(t, v))
	if !ok {
		return false
	}
	writeCachedHeaders(w.Header(), r, t, v, e.TagCount)
	body := e.Body
	if s != nil {
		body = body[s.first : s.last+1]
	}
	release, held := holdAnswer(w, r, int64(len(body)))
	writeSpanHeaders(w, s, v.Size, -1, "")
	_, err := w.Write(body)
	if held {
		if rerr := release(); err == nil {
			err = rerr
		}
	}
	if err != nil {
		g.log.Info("write a cached object", "bucket", t.bucket.Name, "key", v.Key, "err", err)
	}
	return true
}

// writeCachedHeaders writes the headers of a read of v answered from the
// cache: those of a backend read, the index's, and the tag count the
// backend answered when the version was cached.
func writeCachedHeaders(h http.Header, r *http.Request, t target, v index.Version, tagCount int) {
	writeObjectHeaders(h, r, t, v)
	if tagCount > 0 {
		h.Set("x-amz-tagging-count", strconv.Itoa(tagCount))
	}
}

// fillOnRead returns the body to stream for a backend read of v: for a
// whole small version whose bytes the backend confirmed as v's (same
// ETag and length), a reader that also keeps them for the cache once
// read to the end; the client is served as the bytes come.
func (g *Gateway) fillOnRead(t target, v index.Version, s *span, wantPart int, rd *backend.Reader) io.Reader {
	if s != nil || wantPart != 0 || !g.cache.Takes(v.Size) || rd.ContentLength != v.Size ||
		rd.ETag == "" || quoteETag(rd.ETag) != quoteETag(v.ETag) {
		return rd.Body
	}
	f := &cacheFill{src: rd.Body, buf: make([]byte, 0, v.Size)}
	f.done = func(b []byte) { g.cache.Put(cached(t, v), b, rd.TagCount) }
	return f
}

// fillOnWrite returns the body of a PutObject of size bytes to stream to
// the backend, keeping a copy for the cache when the cache takes it; see
// filled.
func (g *Gateway) fillOnWrite(body io.Reader, size int64) io.Reader {
	if !g.cache.Takes(size) || body == nil {
		return body
	}
	return &cacheFill{src: body, buf: make([]byte, 0, size)}
}

// filled offers the bytes a PutObject wrote, once the backend stored them
// as version v with the tags of the x-amz-tagging value given.
func (g *Gateway) filled(body io.Reader, t target, v index.Version, tagging string) {
	f, ok := body.(*cacheFill)
	if !ok || f.over || int64(len(f.buf)) != v.Size {
		return
	}
	tags, _ := url.ParseQuery(tagging)
	g.cache.Put(cached(t, v), f.buf, len(tags))
}

// cacheFill copies what is read through it, up to its buffer's capacity;
// done, if set, gets the bytes when the source ends exactly there.
type cacheFill struct {
	src  io.Reader
	buf  []byte
	over bool
	done func([]byte)
}

func (f *cacheFill) Read(p []byte) (int, error) {
	n, err := f.src.Read(p)
	if n > 0 && !f.over {
		if len(f.buf)+n > cap(f.buf) {
			f.over, f.buf = true, nil
		} else {
			f.buf = append(f.buf, p[:n]...)
		}
	}
	if err == io.EOF && f.done != nil && !f.over && len(f.buf) == cap(f.buf) {
		f.done(f.buf)
		f.done = nil
	}
	return n, err
}
