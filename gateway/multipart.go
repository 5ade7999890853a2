package gateway

import (
	"context"
	"fmt"
	"io"

	"github.com/rclone/gofakes3"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
)

// Multipart uploads pass straight through to the backend's own: each part
// is streamed, and only the completed object is indexed. gofakes3 keeps
// the list of uploads in progress in memory, so an upload begun before a
// restart of the gateway cannot be continued after it.

// CreateMultipartUpload starts an upload on the backend.
func (b *s3Backend) CreateMultipartUpload(ctx context.Context, bucket, key string, meta map[string]string) (gofakes3.UploadID, error) {
	t, err := b.g.target(bucket)
	if err != nil {
		return "", b.g.forRouter(ctx, err)
	}
	id, err := t.client.CreateMultipartUpload(ctx, t.key(key), uploadMetadata(meta), backend.PutOptions{
		Tagging: putOptionsTagging(meta),
	})
	if err != nil {
		return "", b.g.forRouter(ctx, fmt.Errorf("start an upload of %s/%s: %w", bucket, key, err))
	}
	return gofakes3.UploadID(id), nil
}

// UploadPart streams one part to the backend.
func (b *s3Backend) UploadPart(ctx context.Context, bucket, key string, id gofakes3.UploadID, part int, size int64, body io.Reader) (string, error) {
	t, err := b.g.target(bucket)
	if err != nil {
		return "", b.g.forRouter(ctx, err)
	}
	exact := &exactReader{r: body, left: size}
	etag, err := t.client.UploadPart(ctx, t.key(key), string(id), part, exact, size, requestOf(ctx).contentMD5)
	if err != nil {
		return "", b.g.forRouter(ctx, exact.cause(fmt.Errorf("upload part %d of %s/%s: %w", part, bucket, key, err)))
	}
	return quoteETag(etag), nil
}

// CompleteMultipartUpload assembles the upload on the backend and records
// the object it made. The backend's completion answer carries no size, so
// the new version's headers are read back from the backend.
func (b *s3Backend) CompleteMultipartUpload(ctx context.Context, bucket, key string, id gofakes3.UploadID, in *gofakes3.CompleteMultipartUploadRequest) (gofakes3.VersionID, string, error) {
	t, err := b.g.target(bucket)
	if err != nil {
		return "", "", b.g.forRouter(ctx, err)
	}
	parts := make([]backend.Part, len(in.Parts))
	for i, p := range in.Parts {
		parts[i] = backend.Part{Number: p.PartNumber, ETag: p.ETag}
	}
	res, err := t.client.CompleteMultipartUpload(ctx, t.key(key), string(id), parts)
	if err != nil {
		return "", "", b.g.forRouter(ctx, fmt.Errorf("complete the upload of %s/%s: %w", bucket, key, err))
	}
	o, err := t.client.HeadObject(ctx, t.key(key), t.pin(index.Version{VersionID: orNull(res.VersionID)}))
	if err != nil {
		return "", "", b.g.forRouter(ctx, fmt.Errorf("read back the upload of %s/%s: %w", bucket, key, err))
	}
	if res.LastModified.IsZero() {
		res.LastModified = o.LastModified
	}
	v, err := b.g.record(t, key, res, o.Size, keptMetadata(o.Metadata))
	if err != nil {
		return "", "", b.g.forRouter(ctx, err)
	}
	var version gofakes3.VersionID
	if t.versioned() {
		version = gofakes3.VersionID(v.VersionID)
	}
	return version, quoteETag(v.ETag), nil
}

// AbortMultipartUpload discards an upload on the backend.
func (b *s3Backend) AbortMultipartUpload(ctx context.Context, bucket, key string, id gofakes3.UploadID) error {
	t, err := b.g.target(bucket)
	if err != nil {
		return b.g.forRouter(ctx, err)
	}
	if err := t.client.AbortMultipartUpload(ctx, t.key(key), string(id)); err != nil {
		return b.g.forRouter(ctx, fmt.Errorf("abort the upload of %s/%s: %w", bucket, key, err))
	}
	return nil
}
