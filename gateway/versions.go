package gateway

import (
	"context"

	"github.com/rclone/gofakes3"
)

// The versioned reads and deletes below are not reached: the front
// handlers move a request's versionId into its context so that gofakes3
// routes it to the context-aware methods (see takeVersion). They stand for
// gofakes3's VersionedBackend interface, which has no context.

// GetObjectVersion streams one version.
func (b *s3Backend) GetObjectVersion(bucket, key string, id gofakes3.VersionID, rr *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	return b.GetObject(versionContext(id), bucket, key, rr)
}

// HeadObjectVersion reads one version's headers.
func (b *s3Backend) HeadObjectVersion(bucket, key string, id gofakes3.VersionID) (*gofakes3.Object, error) {
	return b.HeadObject(versionContext(id), bucket, key)
}

// DeleteObjectVersion removes one version.
func (b *s3Backend) DeleteObjectVersion(bucket, key string, id gofakes3.VersionID) (gofakes3.ObjectDeleteResult, error) {
	return b.DeleteObject(versionContext(id), bucket, key)
}

// versionContext is the context of a request naming version id.
func versionContext(id gofakes3.VersionID) context.Context {
	return context.WithValue(context.Background(), requestKey{}, &request{version: string(id), hasVersion: true})
}
