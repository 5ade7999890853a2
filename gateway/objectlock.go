package gateway

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// Object lock is the backend bucket's: ringside relays the configuration,
// retention and legal hold calls and the x-amz-object-lock-* headers of
// writes, and the backend enforces them. A backend bucket without object
// lock answers its own refusals (400 InvalidRequest for lock headers,
// 404 ObjectLockConfigurationNotFoundError), which reach the client as
// they are.

// maxLockBody bounds the document of an object lock PUT.
const maxLockBody = 64 << 10

// serveObjectLock answers Get/PutObjectLockConfiguration on a bucket and
// Get/PutObjectRetention and Get/PutObjectLegalHold on an object version
// (the version the index points at, or the one named).
func (g *Gateway) serveObjectLock(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	ctx := r.Context()
	t, err := g.target(bucket)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	req := backend.LockRequest{
		Method:           r.Method,
		Sub:              lockSubresource(q.Has),
		BypassGovernance: strings.EqualFold(r.Header.Get("X-Amz-Bypass-Governance-Retention"), "true"),
	}
	var v index.Version
	if key != "" {
		v, err = g.find(ctx, t, key, q.Get("versionId"), q.Has("versionId"))
		if err != nil {
			return err
		}
		if v.IsDeleteMarker {
			if q.Has("versionId") {
				return errMethodNotAllowed
			}
			return noSuchKey()
		}
		req.Key, req.VersionID = t.key(key), t.pin(v)
	} else if r.Method == http.MethodPut && t.prefix != "" {
		return s3err.New(s3err.NotImplemented,
			"Bucket %s shares backend bucket %s with the other buckets of location %s, and an object lock configuration set there would apply to all of them: set it on the backend bucket itself.",
			bucket, t.loc.TargetBucket, t.loc.Name)
	}
	if r.Method == http.MethodPut {
		if req.Body, err = io.ReadAll(io.LimitReader(r.Body, maxLockBody+1)); err != nil {
			return err
		}
		if len(req.Body) > maxLockBody {
			return errRequestTooBig
		}
	}
	doc, err := t.client.ObjectLock(ctx, req)
	if err != nil {
		return fmt.Errorf("%s %s ?%s on the backend: %w", r.Method, bucket+"/"+key, req.Sub, err)
	}
	if r.Method == http.MethodPut {
		if key != "" {
			g.reindexLock(ctx, t, v, req)
		}
		w.WriteHeader(http.StatusOK)
		return nil
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(doc)
	return nil
}

// reindexLock records the lock headers of version v after a retention
// or legal hold change, read back from the backend: HEAD and GET answer
// them from the index. A failure leaves the key for repair.
func (g *Gateway) reindexLock(ctx context.Context, t target, v index.Version, req backend.LockRequest) {
	o, err := t.client.HeadObject(ctx, req.Key, req.VersionID)
	if err == nil {
		v.Metadata = withLock(v.Metadata, lockOf(o.Metadata))
		err = g.db.RecordVersion(t.bucket.Name, v)
	}
	if err != nil {
		_ = g.indexFailed(t, v.Key, fmt.Errorf("reindex the lock of %s/%s version %s: %w", t.bucket.Name, v.Key, v.VersionID, err))
	}
}

// lockSubresource is the object lock subresource a query names.
func lockSubresource(has func(string) bool) string {
	for _, sub := range objectLockSubresources {
		if has(sub) {
			return sub
		}
	}
	return ""
}

// lockOf returns the object lock headers among h (header or metadata
// names in any case), with canonical names; nil when there are none.
func lockOf(h map[string]string) map[string]string {
	var lock map[string]string
	for k, v := range h {
		if ck := textproto.CanonicalMIMEHeaderKey(k); backend.IsLockHeader(ck) {
			if lock == nil {
				lock = map[string]string{}
			}
			lock[ck] = v
		}
	}
	return lock
}

// headerValues is the first value of each header.
func headerValues(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		if len(vs) > 0 {
			out[k] = vs[0]
		}
	}
	return out
}

// withLock is meta with its object lock headers replaced by lock: a copy
// has its own, never its source's.
func withLock(meta, lock map[string]string) map[string]string {
	out := make(map[string]string, len(meta)+len(lock))
	for k, v := range meta {
		if !backend.IsLockHeader(textproto.CanonicalMIMEHeaderKey(k)) {
			out[k] = v
		}
	}
	for k, v := range lock {
		out[k] = v
	}
	return out
}
