package gateway

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strings"
	"time"

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
	if r.Method == http.MethodPut {
		// The document is checked before the key, as S3 does.
		if req.Body, err = readLockDocument(r.Body, req.Sub); err != nil {
			return err
		}
		if key == "" && t.prefix != "" {
			return g.refuseSharedLockConfiguration(ctx, t, bucket)
		}
	}
	var v index.Version
	if key != "" {
		// An empty versionId names the latest version, as the backend
		// reads it (SDKs send one for an unset version).
		version := q.Get("versionId")
		v, err = g.find(ctx, t, key, version, version != "")
		if err != nil {
			return err
		}
		if v.IsDeleteMarker {
			if version != "" {
				return errMethodNotAllowed
			}
			return noSuchKey()
		}
		req.Key, req.VersionID = t.key(key), t.pin(v)
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

// refuseSharedLockConfiguration answers PutObjectLockConfiguration on a
// prefix location, whose backend bucket every bucket of the location
// shares: a configuration set there would apply to all of them.
func (g *Gateway) refuseSharedLockConfiguration(ctx context.Context, t target, bucket string) error {
	enabled, err := t.client.ObjectLockEnabled(ctx)
	if err != nil {
		return fmt.Errorf("read the object lock configuration of %s: %w", t.loc.TargetBucket, err)
	}
	if !enabled {
		return s3err.New(s3err.InvalidBucketState, "Object Lock configuration cannot be enabled on existing buckets.")
	}
	return s3err.New(s3err.NotImplemented,
		"Bucket %s shares backend bucket %s with the other buckets of location %s, and an object lock configuration set there would apply to all of them: set it on the backend bucket itself.",
		bucket, t.loc.TargetBucket, t.loc.Name)
}

// lockDocument is any of the three object lock documents, for the checks
// S3 makes before anything else.
type lockDocument struct {
	XMLName xml.Name
	// ObjectLockConfiguration
	Enabled string        `xml:"ObjectLockEnabled"`
	Rule    *lockRetained `xml:"Rule>DefaultRetention"`
	// Retention
	Mode, RetainUntilDate string
	// LegalHold
	Status string
}

type lockRetained struct {
	Mode        string
	Days, Years *int
}

var lockDocumentNames = map[string]string{"object-lock": "ObjectLockConfiguration", "retention": "Retention", "legal-hold": "LegalHold"}

// readLockDocument reads the document of an object lock PUT and checks its
// form: what S3 refuses as malformed is refused before the backend or the
// key is asked.
func readLockDocument(body io.Reader, sub string) ([]byte, error) {
	doc, err := io.ReadAll(io.LimitReader(body, maxLockBody+1))
	switch {
	case err != nil:
		return nil, err
	case len(doc) > maxLockBody:
		return nil, errRequestTooBig
	case len(strings.TrimSpace(string(doc))) == 0:
		return nil, s3err.Get(s3err.MissingRequestBody)
	}
	var d lockDocument
	if xml.Unmarshal(doc, &d) != nil || d.XMLName.Local != lockDocumentNames[sub] {
		return nil, errMalformedXML
	}
	validMode := func(m string) bool { return m == "GOVERNANCE" || m == "COMPLIANCE" }
	switch sub {
	case "object-lock":
		if d.Enabled != "Enabled" {
			return nil, errMalformedXML
		}
		if r := d.Rule; r != nil {
			if !validMode(r.Mode) || (r.Days == nil) == (r.Years == nil) {
				return nil, errMalformedXML
			}
			if (r.Days != nil && *r.Days <= 0) || (r.Years != nil && *r.Years <= 0) {
				return nil, s3err.New(s3err.InvalidArgument, "Default retention period must be a positive integer value.")
			}
			// S3's bounds: 100 years, in either unit.
			if (r.Days != nil && *r.Days > 36500) || (r.Years != nil && *r.Years > 100) {
				return nil, s3err.New(s3err.InvalidArgument, "Default retention period too large.")
			}
		}
	case "retention":
		if d.Mode != "" && !validMode(d.Mode) {
			return nil, errMalformedXML
		}
		if _, err := time.Parse(time.RFC3339, d.RetainUntilDate); d.RetainUntilDate != "" && err != nil {
			return nil, errMalformedXML
		}
	case "legal-hold":
		if d.Status != "ON" && d.Status != "OFF" {
			return nil, errMalformedXML
		}
	}
	return doc, nil
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
