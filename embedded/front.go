package embedded

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/rclone/gofakes3"
	"github.com/rclone/gofakes3/signature"
)

// front is the server's handler: it checks every request's SigV4
// signature, then answers itself what gofakes3 v0.0.12 gets wrong for a
// versioned bucket, and hands the rest to gofakes3:
//   - ListObjectVersions (order, paging markers, encoding-type=url);
//   - GET and HEAD of a delete marker, and HEAD with a versionId, which
//     gofakes3 answers from the latest version;
//   - CopyObject and UploadPartCopy, which ignore the source versionId and
//     do not report the new VersionId;
//   - object tagging, which ignores the versionId;
//   - DeleteObjects, which ignores the VersionIds of the objects;
//   - versionId=null, which gofakes3 takes for "no version";
//   - ListMultipartUploads and ListParts, from the store's uploads
//     (multipart.go);
//   - the change feeds, which gofakes3 has not: MinIO's
//     ListenBucketNotification stream (listen.go) and the S3 Connector's
//     metadata log routes (raftlog.go), from the store's journal.
//
// gofakes3 itself runs without keys: the front end has checked the
// signature by then, and may rewrite a request, which would break it.
type front struct {
	store *store
	fake  http.Handler
	keys  map[string]string
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// CORS preflights are never signed; gofakes3 answers them.
	if r.Method != http.MethodOptions {
		if code := signature.V4SignVerifyWithLookup(r, f.secret); code != signature.ErrNone {
			e := signature.GetAPIError(code)
			writeErrorStatus(w, r, e.Code, e.Description, e.HTTPStatusCode)
			return
		}
	}
	if strings.HasPrefix(r.URL.Path, metadataPrefix) {
		f.metadata(w, r)
		return
	}
	bucket, key, _ := strings.Cut(strings.TrimLeft(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	if key == "" {
		_, events := q["events"]
		if bucket != "" && events && r.Method == http.MethodGet {
			f.listen(w, r, bucket, q)
			return
		}
		_, versions := q["versions"]
		_, multiDelete := q["delete"]
		_, uploads := q["uploads"]
		switch {
		case bucket != "" && versions && r.Method == http.MethodGet:
			f.listVersions(w, r, bucket, q)
			return
		case bucket != "" && uploads && r.Method == http.MethodGet:
			f.listUploads(w, r, bucket, q)
			return
		case bucket != "" && multiDelete && r.Method == http.MethodPost:
			f.deleteObjects(w, r, bucket)
			return
		}
		f.fake.ServeHTTP(w, r)
		return
	}
	versionID := q.Get("versionId")
	if versionID == nullVersion {
		q.Set("versionId", nullAlias)
		r.URL.RawQuery = q.Encode()
		versionID = nullAlias
	}
	_, tagging := q["tagging"]
	_, multipart := q["uploadId"]
	if !tagging && (r.Method == http.MethodPut && !multipart && r.Header.Get("X-Amz-Copy-Source") == "" ||
		r.Method == http.MethodPost && multipart) {
		f.writeConditionsAsMD5(r, bucket, key)
	}
	switch {
	case tagging:
		f.tagging(w, r, bucket, key, versionID)
	case r.Method == http.MethodGet && multipart:
		f.listParts(w, r, bucket, key, q)
	case r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "" && multipart:
		f.uploadPartCopy(w, r, bucket, key)
	case r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "":
		f.copyObject(w, r, bucket, key)
	case (r.Method == http.MethodGet || r.Method == http.MethodHead) && plainRead(q):
		f.read(w, r, bucket, key, versionID)
	default:
		f.fake.ServeHTTP(w, r)
	}
}

func (f *front) secret(accessKey string) (string, bool) {
	sk, ok := f.keys[accessKey]
	return sk, ok
}

// plainRead reports whether a GET or HEAD of an object names no
// sub-resource: only a version, response header overrides, a presigned
// URL's parameters or the SDKs' x-id.
func plainRead(q url.Values) bool {
	for k := range q {
		switch {
		case k == "versionId", k == "x-id", k == "partNumber", strings.HasPrefix(k, "response-"), strings.HasPrefix(k, "X-Amz-"):
		default:
			return false
		}
	}
	return true
}

// read answers a GET or HEAD of an object where gofakes3 would not: a
// delete marker, and a HEAD of a given version.
func (f *front) read(w http.ResponseWriter, r *http.Request, bucket, key, versionID string) {
	v, err := f.store.lookup(bucket, key, versionID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if v.deleteMarker {
		writeDeleteMarker(w, r, v, versionID != "")
		return
	}
	if v.mpETag != "" {
		ew := &etagWriter{ResponseWriter: w, etag: v.mpETag}
		ew.serve(func(w http.ResponseWriter, r *http.Request) { f.readVersion(w, r, v, versionID) }, r)
		return
	}
	f.readVersion(w, r, v, versionID)
}

// readVersion answers a read of v that is no delete marker.
func (f *front) readVersion(w http.ResponseWriter, r *http.Request, v *version, versionID string) {
	if n := r.URL.Query().Get("partNumber"); n != "" {
		f.readPart(w, r, v, n)
		return
	}
	if r.Method == http.MethodHead && versionID != "" {
		get := r.Clone(r.Context())
		get.Method = http.MethodGet
		f.fake.ServeHTTP(headWriter{w}, get)
		return
	}
	f.fake.ServeHTTP(w, r)
}

// writeDeleteMarker answers a request that found delete marker v as S3
// does: 404 NoSuchKey when it is the latest version, 405 when it was asked
// for by VersionId.
func writeDeleteMarker(w http.ResponseWriter, r *http.Request, v *version, byVersion bool) {
	w.Header().Set("x-amz-delete-marker", "true")
	w.Header().Set("x-amz-version-id", v.id)
	w.Header().Set("Last-Modified", v.modified.Format(http.TimeFormat))
	if byVersion {
		writeError(w, r, gofakes3.ErrMethodNotAllowed)
		return
	}
	writeError(w, r, gofakes3.KeyNotFound(v.key))
}

// headWriter answers a HEAD with the headers of a GET, dropping the body.
type headWriter struct{ http.ResponseWriter }

func (h headWriter) Write(p []byte) (int, error) { return len(p), nil }
