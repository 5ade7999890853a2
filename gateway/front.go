package gateway

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/ringside/ringside/gateway/s3auth"
	"github.com/ringside/ringside/internal/s3err"
)

// request is what the front handlers learn of a request and pass on to the
// gofakes3 backend methods through the request context, for what gofakes3
// drops on the way.
type request struct {
	// version is the versionId the request names, taken out of the query
	// so that gofakes3 routes the request as a plain object request.
	version    string
	hasVersion bool
	// contentMD5 is passed on to the backend to check.
	contentMD5 string
	// ifMatch and ifNoneMatch are the conditions of a write, checked
	// against the index first and passed on to the backend, which checks
	// them as it writes (checkWrite takes If-Match out of the headers).
	ifMatch, ifNoneMatch string
	// bypassGovernance is x-amz-bypass-governance-retention, passed on
	// with the deletes of the request.
	bypassGovernance bool
	// refusal is the error of an s3Backend method, whose status and
	// Retry-After gofakes3 cannot render (see forRouter).
	refusal *Error
	// virtual is set when the bucket came from the Host (addressing.go).
	virtual bool
	// query is the request's query as route parsed it, versionId taken
	// out, for the handlers that only read it (see routedQuery); routed
	// says it was set.
	query  url.Values
	routed bool
}

// objectRef names one object, or one version of it.
type objectRef struct {
	bucket, key, version string
}

type requestKey struct{}

// requestOf returns the request state of ctx, or an empty one.
func requestOf(ctx context.Context) *request {
	if req, ok := ctx.Value(requestKey{}).(*request); ok {
		return req
	}
	return &request{}
}

// front answers each request with the handler its line of the route
// table names, or hands it to gofakes3 (fallback).
func (g *Gateway) front(fallback http.Handler) http.Handler {
	var seq atomic.Uint64
	var seed [8]byte
	_, _ = rand.Read(seed[:])
	seq.Store(binary.BigEndian.Uint64(seed[:]) >> 16)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &request{}
		r = r.WithContext(context.WithValue(r.Context(), requestKey{}, req))
		// gofakes3 replaces this ID with its own on the requests it serves.
		// The key is written in its canonical form, which Set would work
		// out on every request.
		w.Header()[requestIDHeader] = []string{requestID(seq.Add(1))}

		bucket, key, virtual := g.addr.split(r)
		var err error
		if virtual {
			req.virtual = true
			pathStyle(r, bucket, key)
		} else {
			err = g.checkPathStyle(r, bucket)
		}
		var rt *route
		if err == nil {
			rt, err = g.route(r, req, bucket, key)
		}
		if err == nil && rt.serve == nil {
			fallback.ServeHTTP(&statusWriter{ResponseWriter: w, req: req}, r)
			return
		}
		if err == nil {
			err = rt.serve(g, w, r, bucket, key)
		}
		if err != nil {
			s3err.Write(w, r, g.toS3(err))
		}
	})
}

// requestIDHeader is x-amz-request-id in canonical form.
const requestIDHeader = "X-Amz-Request-Id"

// requestID formats a request sequence number as sixteen upper-case hex
// digits, as fmt's %016X would, at the cost of the one string.
func requestID(n uint64) string {
	const upperHex = "0123456789ABCDEF"
	var b [16]byte
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = upperHex[n&15]
		n >>= 4
	}
	return string(b[:])
}

// queryOf is r's query. A request without one, as most are, gets nil, which
// reads as empty, instead of a new map.
func queryOf(r *http.Request) url.Values {
	if r.URL.RawQuery == "" {
		return nil
	}
	return r.URL.Query()
}

// routedQuery is r's query, parsed once by route for the handlers that
// only read it: an SDK's GET carries one (x-id=GetObject). A request that
// did not come through route has its query parsed here.
func routedQuery(r *http.Request) url.Values {
	if req := requestOf(r.Context()); req.routed {
		return req.query
	}
	return queryOf(r)
}

// splitPath splits a path-style URL path into bucket and object key.
func splitPath(p string) (bucket, key string) {
	bucket, key, _ = strings.Cut(strings.TrimLeft(p, "/"), "/")
	return bucket, key
}

// route finds r's line of the route table, after taking out of the
// query what gofakes3 would get wrong, and runs the checks the line asks
// for.
func (g *Gateway) route(r *http.Request, req *request, bucket, key string) (*route, error) {
	if !utf8.ValidString(key) {
		return nil, errKeyNotUTF8
	}
	q := queryOf(r)
	if key != "" && !isObjectLockRequest(q) {
		if err := takeVersion(r, req, q); err != nil {
			return nil, err
		}
		req.contentMD5 = r.Header.Get("Content-Md5")
	}
	req.query, req.routed = q, true
	req.bypassGovernance = strings.EqualFold(r.Header.Get("X-Amz-Bypass-Governance-Retention"), "true")
	rt := lookup(r.Method, bucket, key, r.URL.RawQuery, r.Header.Get("X-Amz-Copy-Source") != "")
	if rt.op != opPostObject && s3auth.PostUploadOf(r.Context()) != nil {
		// A form's signature covers its policy, not the request: it
		// authenticates a browser upload and nothing else.
		return nil, s3err.New(s3err.AccessDenied, "Access Denied. Requests must be signed with AWS Signature Version 4.")
	}
	if rt.checkWrite {
		if err := g.checkWrite(r, req, bucket, key, q); err != nil {
			return nil, err
		}
	}
	return rt, nil
}

// takeVersion moves the versionId of a read, delete or subresource request
// from the query to req: gofakes3 ignores it on HEAD and on subresources,
// and reads "null" as no version at all.
func takeVersion(r *http.Request, req *request, q url.Values) error {
	if !q.Has("versionId") {
		return nil
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodDelete:
	default:
		if !q.Has("tagging") && !q.Has("acl") {
			// gofakes3 refuses these (a PUT ?versionId is no write).
			return nil
		}
	}
	v := q.Get("versionId")
	if v == "" {
		return s3err.New(s3err.InvalidArgument, "Version id cannot be the empty string.")
	}
	req.version, req.hasVersion = v, true
	q.Del("versionId")
	u := *r.URL
	u.RawQuery = q.Encode()
	r.URL = &u
	return nil
}

// onlyParams reports whether every query parameter of q is allowed (nil
// allows none), ignoring the SDKs' operation marker x-id.
func onlyParams(q url.Values, allowed func(string) bool) bool {
	for k := range q {
		if k != "x-id" && (allowed == nil || !allowed(k)) {
			return false
		}
	}
	return true
}
