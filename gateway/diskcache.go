package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"syscall"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/objcache"
)

// The disk tier of the object cache answers GETs of versions too large
// for the memory tier from local files, which the server sends by
// sendfile: one hop instead of the backend's answer passed through. It
// is asked where the memory tier would be (serveCached), for the
// version the index resolved, so the same rules hold: conditions and
// Range were resolved against the index, partNumber reads go to the
// backend, and every header but the tag count is the index's.
//
// A miss never waits for the disk: the read passes through as without
// the tier, and the miss is noted; a version missed twice is fetched by
// a background fill with its own backend GET.

// serveDisk answers a read of v from the disk tier, if it holds v.
func (g *Gateway) serveDisk(w http.ResponseWriter, r *http.Request, t target, v index.Version, s *span) bool {
	cv := cached(t, v)
	hit, ok := g.disk.Open(cv)
	if !ok {
		return false
	}
	defer hit.File.Close()
	first, n := int64(0), v.Size
	if s != nil {
		first, n = s.first, s.last-s.first+1
	}
	// Before anything is written, so that a file that cannot be read is
	// answered from the backend.
	if _, err := hit.File.Seek(first, io.SeekStart); err != nil {
		g.disk.ReadFailed(cv, fmt.Errorf("seek to %d: %w", first, err))
		return false
	}
	writeCachedHeaders(w.Header(), r, t, v, hit.TagCount)
	writeSpanHeaders(w, s, v.Size, -1, "")
	body := &io.LimitedReader{R: hit.File, N: n}
	err := sendFile(w, r, body)
	switch {
	case err == nil && body.N == 0:
	case err == nil || !clientGone(r, err):
		// The answer has started: the client sees a short body, and the
		// next read of v goes to the backend.
		g.disk.ReadFailed(cv, fmt.Errorf("send %d bytes from %d, %d unsent: %w", n, first, body.N, err))
	default:
		g.log.Info("write a cached object", "bucket", t.bucket.Name, "key", v.Key, "err", err)
	}
	return true
}

// sendFile writes a body read from a file to the answer, whose
// Content-Length is set. On a plain connection io.Copy reaches the
// server's ReadFrom, through the writers on the way, which sends the
// file by sendfile; over TLS it is copied through a pooled buffer.
func sendFile(w http.ResponseWriter, r *http.Request, body *io.LimitedReader) error {
	if r.TLS == nil {
		_, err := io.Copy(w, body)
		return err
	}
	return copyBody(w, r, body, false)
}

// clientGone reports whether a failed answer failed on the client's side.
func clientGone(r *http.Request, err error) bool {
	return r.Context().Err() != nil || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// diskMissed notes a read of v that the backend answered where the disk
// tier would have (the memory tier does not take v's size), for the
// tier to admit v on a second miss. The fill reads v whole with its own
// GET, through the location's client (its deadlines and breaker).
func (g *Gateway) diskMissed(t target, v index.Version, wantPart int) {
	if wantPart != 0 || g.cache.Takes(v.Size) || !g.disk.Takes(v.Size) {
		return
	}
	g.disk.Missed(cached(t, v), func(ctx context.Context) (io.ReadCloser, objcache.Fetched, error) {
		rd, err := t.client.GetObject(ctx, t.key(v.Key), t.pin(v), "", backend.Conditions{})
		if err != nil {
			return nil, objcache.Fetched{}, fmt.Errorf("read %s/%s from the backend: %w", t.bucket.Name, v.Key, err)
		}
		return rd.Body, objcache.Fetched{Size: rd.ContentLength, ETag: quoteETag(rd.ETag), TagCount: rd.TagCount}, nil
	})
}
