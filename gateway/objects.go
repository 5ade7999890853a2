package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rclone/gofakes3"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
)

// HeadObject answers from the index; gofakes3 asks it before the object
// tagging writes and ACL reads it answers.
func (b *s3Backend) HeadObject(ctx context.Context, bucket, key string) (*gofakes3.Object, error) {
	t, v, err := b.g.findObject(ctx, bucket, key)
	if err != nil {
		return nil, b.g.forRouter(ctx, err)
	}
	return t.gofakes3Object(v, http.NoBody, nil), nil
}

// findObject finds the version a request names, refusing a delete marker.
func (g *Gateway) findObject(ctx context.Context, bucket, key string) (target, index.Version, error) {
	t, err := g.target(bucket)
	if err != nil {
		return t, index.Version{}, err
	}
	req := requestOf(ctx)
	v, err := g.find(ctx, t, key, req.version, req.hasVersion)
	if err == nil && v.IsDeleteMarker {
		err = noSuchKey()
	}
	return t, v, err
}

// gofakes3Object is v as gofakes3 reads it.
func (t target) gofakes3Object(v index.Version, body io.ReadCloser, rng *gofakes3.ObjectRange) *gofakes3.Object {
	o := &gofakes3.Object{
		Name:     v.Key,
		Metadata: gofakes3Metadata(v.Metadata, v.LastModified),
		Size:     v.Size,
		Contents: body,
		Hash:     etagHash(v.ETag),
		Range:    rng,
	}
	if t.versioned() {
		o.VersionID = gofakes3.VersionID(v.VersionID)
	}
	return o
}

// PutObject: servePut and servePostObject.
func (b *s3Backend) PutObject(context.Context, string, string, map[string]string, io.Reader, int64) (gofakes3.PutObjectResult, error) {
	return gofakes3.PutObjectResult{}, b.unreached("PutObject")
}

func (g *Gateway) putObject(ctx context.Context, bucket, key string, meta map[string]string, input io.Reader, size int64) (target, index.Version, error) {
	if size < 0 {
		return target{}, index.Version{}, errMissingContentLength
	}
	if err := g.refuseWhenIndexFull(); err != nil {
		return target{}, index.Version{}, err
	}
	t, err := g.target(bucket)
	if err != nil {
		return t, index.Version{}, err
	}
	kept := uploadMetadata(meta)
	defer g.writing(ctx, t, key)()
	body := &exactReader{r: input, left: size}
	req := requestOf(ctx)
	res, err := t.client.PutObject(ctx, t.key(key), body, size, kept, backend.PutOptions{
		ContentMD5:  req.contentMD5,
		Tagging:     putOptionsTagging(meta),
		IfMatch:     req.ifMatch,
		IfNoneMatch: req.ifNoneMatch,
		Lock:        lockOf(meta),
	})
	if err != nil {
		return t, index.Version{}, body.cause(fmt.Errorf("write %s/%s to the backend: %w", bucket, key, err))
	}
	v, err := g.record(t, key, res, size, withChecksum(ctx, kept, meta))
	return t, v, err
}

// record indexes a write the backend acknowledged.
func (g *Gateway) record(t target, key string, res backend.PutResult, size int64, meta map[string]string) (index.Version, error) {
	return g.recordVersion(t, index.Version{
		Key:          key,
		VersionID:    res.VersionID,
		Size:         size,
		ETag:         res.ETag,
		LastModified: orNow(res.LastModified),
		Metadata:     meta,
	})
}

// recordVersion indexes v, a version the backend acknowledged.
func (g *Gateway) recordVersion(t target, v index.Version) (index.Version, error) {
	key := v.Key
	if err := g.db.RecordVersion(t.bucket.Name, v); err != nil {
		return v, g.indexFailed(t, key, fmt.Errorf("index %s/%s version %s: %w", t.bucket.Name, key, v.VersionID, err))
	}
	return v, nil
}

func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now().UTC().Truncate(time.Second)
	}
	return t.UTC()
}

// DeleteObject deletes the latest version (or, with a versionId, that
// version) on the backend, then in the index.
func (b *s3Backend) DeleteObject(ctx context.Context, bucket, key string) (gofakes3.ObjectDeleteResult, error) {
	t, err := b.g.target(bucket)
	if err != nil {
		return gofakes3.ObjectDeleteResult{}, b.g.forRouter(ctx, err)
	}
	req := requestOf(ctx)
	res, err := b.g.deleteObject(ctx, t, key, req.version, req.hasVersion)
	if err != nil {
		return gofakes3.ObjectDeleteResult{}, b.g.forRouter(ctx, err)
	}
	return gofakes3.ObjectDeleteResult{IsDeleteMarker: res.IsDeleteMarker, VersionID: gofakes3.VersionID(res.VersionID)}, nil
}

// deleteObject deletes key, or one version of it, backend first.
func (g *Gateway) deleteObject(ctx context.Context, t target, key, versionID string, hasVersion bool) (backend.DeleteResult, error) {
	if err := g.refuseWhenIndexFull(); err != nil {
		return backend.DeleteResult{}, err
	}
	defer g.writing(ctx, t, key)()
	if hasVersion {
		pin := t.pin(index.Version{VersionID: versionID})
		res, err := t.client.DeleteObjectWith(ctx, t.key(key), pin, requestOf(ctx).bypassGovernance)
		if err != nil && !isNotFound(err) {
			return res, fmt.Errorf("delete version %s of %s/%s on the backend: %w", versionID, t.bucket.Name, key, err)
		}
		if err := g.db.RemoveVersion(t.bucket.Name, key, versionID); err != nil {
			_ = g.indexFailed(t, key, fmt.Errorf("unindex version %s of %s/%s: %w", versionID, t.bucket.Name, key, err))
		}
		res.VersionID = versionID
		return res, nil
	}
	res, err := t.client.DeleteObject(ctx, t.key(key), "")
	if err != nil {
		return res, fmt.Errorf("delete %s/%s on the backend: %w", t.bucket.Name, key, err)
	}
	if !res.IsDeleteMarker {
		// An unversioned bucket: the object is gone.
		if err := g.db.RemoveVersion(t.bucket.Name, key, index.NullVersion); err != nil {
			_ = g.indexFailed(t, key, fmt.Errorf("unindex %s/%s: %w", t.bucket.Name, key, err))
		}
		return backend.DeleteResult{}, nil
	}
	marker := index.Version{Key: key, VersionID: res.VersionID, IsDeleteMarker: true, LastModified: orNow(time.Time{})}
	if err := g.db.RecordVersion(t.bucket.Name, marker); err != nil {
		return res, g.indexFailed(t, key, fmt.Errorf("index the delete marker of %s/%s: %w", t.bucket.Name, key, err))
	}
	return res, nil
}

// exactReader passes on exactly left bytes of a request body and fails if
// the body is shorter. Before handing out the last bytes it reads on to the
// end of the body, so that the digest and checksum checks wrapped around
// it run first: a body that fails them never reaches the backend whole.
type exactReader struct {
	r    io.Reader
	left int64
	done bool
	err  error
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	if e.left == 0 {
		return 0, e.finish()
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	switch {
	case e.left == 0 && (err == nil || err == io.EOF):
		err = e.finish()
	case err == io.EOF, errors.Is(err, io.ErrUnexpectedEOF):
		// The server reports a connection that ended before the
		// Content-Length as an unexpected EOF.
		e.err = errIncompleteBody
	case err != nil:
		e.err = err
	}
	if e.err != nil {
		return 0, e.err
	}
	return n, err
}

// finish reads the body to its end, once all expected bytes are in.
func (e *exactReader) finish() error {
	if e.done {
		return io.EOF
	}
	e.done = true
	var b [1]byte
	for range 100 {
		n, err := e.r.Read(b[:])
		switch {
		case n > 0:
			e.err = errors.New("request body longer than its Content-Length")
		case err == io.EOF:
			return io.EOF
		case err != nil:
			e.err = err
		default:
			continue
		}
		return e.err
	}
	e.err = io.ErrNoProgress
	return e.err
}

// cause prefers the body's own failure (a short body, a bad digest, a
// client gone) to the backend error it caused.
func (e *exactReader) cause(err error) error {
	if e.err != nil {
		return e.err
	}
	return err
}
