package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/rclone/gofakes3"
)

// gofakes3 answers the operations of the route table that name no handler
// of ringside's (routes.go), over s3Backend: the bucket operations
// ringside does not override (ListBuckets, HeadBucket, DeleteBucket,
// the bucket's versioning), object tagging writes, ACL
// reads, DeleteObject, browser POST uploads, and the refusals of what
// matches no line. Everything gofakes3 reaches of ringside goes through
// this file and the s3Backend methods it names; nothing else in the
// gateway calls gofakes3's router.

// s3Backend is the gateway as gofakes3 sees it: Backend, VersionedBackend
// and ObjectTaggingBackend over the index and the backend clients. The
// methods gofakes3 calls for the operations it answers are in buckets.go,
// objects.go, versioning.go and tagging.go; those of the operations
// ringside answers itself are below, refusing.
type s3Backend struct{ g *Gateway }

var (
	_ gofakes3.Backend              = (*s3Backend)(nil)
	_ gofakes3.VersionedBackend     = (*s3Backend)(nil)
	_ gofakes3.ObjectTaggingBackend = (*s3Backend)(nil)
)

// fallback is the gofakes3 router over the gateway.
func (g *Gateway) fallback() http.Handler {
	return gofakes3.New(&s3Backend{g: g},
		gofakes3.WithLogger(gofakes3Logger{g.log}),
		// Request times are the authenticator's to check, with the
		// signature they belong to.
		gofakes3.WithTimeSkewLimit(0),
	).Server()
}

// unreachedCalls counts the calls of the methods below; the tests require
// it to stay zero.
var unreachedCalls atomic.Int64

// unreached answers a call gofakes3 makes only for an operation the route
// table gives to a handler of ringside's: reaching it means the table and
// gofakes3's router disagree, a bug, so it fails loudly instead of
// serving a second implementation of the operation.
func (b *s3Backend) unreached(method string) error {
	unreachedCalls.Add(1)
	b.g.log.Error("s3 request reached an operation ringside serves itself through gofakes3", "method", method)
	return gofakes3.ErrInternal
}

// CreateBucket: serveCreateBucket, with the location constraint.
func (b *s3Backend) CreateBucket(context.Context, string) error {
	return b.unreached("CreateBucket")
}

// GetObject is GetObject's and HeadObject's with a versionId: serveRead.
func (b *s3Backend) GetObject(context.Context, string, string, *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	return nil, b.unreached("GetObject")
}

// ListBucket is ListObjects v1 and v2: serveList.
func (b *s3Backend) ListBucket(context.Context, string, *gofakes3.Prefix, gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	return nil, b.unreached("ListBucket")
}

// ListBucketVersions is ListObjectVersions: serveList.
func (b *s3Backend) ListBucketVersions(string, *gofakes3.Prefix, *gofakes3.ListBucketVersionsPage) (*gofakes3.ListBucketVersionsResult, error) {
	return nil, b.unreached("ListBucketVersions")
}

// GetObjectVersion is a read with a versionId, which front takes out of
// the query (takeVersion): serveRead.
func (b *s3Backend) GetObjectVersion(string, string, gofakes3.VersionID, *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	return nil, b.unreached("GetObjectVersion")
}

// HeadObjectVersion, as GetObjectVersion.
func (b *s3Backend) HeadObjectVersion(string, string, gofakes3.VersionID) (*gofakes3.Object, error) {
	return nil, b.unreached("HeadObjectVersion")
}

// DeleteObjectVersion is a DELETE with a versionId, which front takes out
// of the query for DeleteObject.
func (b *s3Backend) DeleteObjectVersion(string, string, gofakes3.VersionID) (gofakes3.ObjectDeleteResult, error) {
	return gofakes3.ObjectDeleteResult{}, b.unreached("DeleteObjectVersion")
}

// DeleteMulti is DeleteObjects: serveDeleteObjects.
func (b *s3Backend) DeleteMulti(context.Context, string, ...string) (gofakes3.MultiDeleteResult, error) {
	return gofakes3.MultiDeleteResult{}, b.unreached("DeleteMulti")
}

// CopyObject is CopyObject: serveCopy.
func (b *s3Backend) CopyObject(context.Context, string, string, string, string, map[string]string) (gofakes3.CopyObjectResult, error) {
	return gofakes3.CopyObjectResult{}, b.unreached("CopyObject")
}

// forRouter turns err into an error gofakes3 renders. gofakes3 derives the
// HTTP status from the code and knows no Retry-After, so the refusal is
// also recorded for the statusWriter to apply its status and Retry-After.
func (g *Gateway) forRouter(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	e := g.toS3(err)
	requestOf(ctx).refusal = e
	return &gofakes3.ErrorResponse{Code: gofakes3.ErrorCode(e.Code), Message: e.Message}
}

// statusWriter gives an error gofakes3 renders the status and Retry-After
// of the refusal it stands for (see forRouter). It wraps only what
// gofakes3 answers, none of which is a body worth splicing or flushing, so
// it needs no ReadFrom, Flush or Unwrap of its own.
type statusWriter struct {
	http.ResponseWriter
	req *request
}

func (w *statusWriter) WriteHeader(status int) {
	if e := w.req.refusal; status >= 400 && e != nil {
		status = e.Status
		if e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

// gofakes3Logger passes gofakes3's errors and warnings to the gateway's
// logger; its per-request information lines are dropped.
type gofakes3Logger struct{ log *slog.Logger }

func (l gofakes3Logger) Print(level gofakes3.LogLevel, v ...any) {
	switch level {
	case gofakes3.LogErr:
		l.log.Error("s3 router", "detail", fmt.Sprint(v...))
	case gofakes3.LogWarn:
		l.log.Warn("s3 router", "detail", fmt.Sprint(v...))
	}
}
