package gateway

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ringside/ringside/internal/s3err"
)

// unsupportedSubresources are the S3 subresources ringside does not
// implement (gofakes3's own list). gofakes3 already refuses them or answers
// as S3 does when the feature is not configured, except that it accepts a
// DELETE of a bucket's configuration as done.
var unsupportedSubresources = []string{
	"accelerate", "acl", "analytics", "cors", "encryption",
	"intelligent-tiering", "inventory", "legal-hold", "lifecycle", "logging",
	"metadataTable", "metrics", "notification", "object-lock",
	"ownershipControls", "policy", "policyStatus", "publicAccessBlock",
	"replication", "requestPayment", "restore", "retention", "select",
	"tagging", "torrent", "website",
}

// unsupportedSubresource returns the first unsupported subresource q
// names, or "".
func unsupportedSubresource(q url.Values) string {
	for _, sub := range unsupportedSubresources {
		if q.Has(sub) {
			return sub
		}
	}
	return ""
}

// objectLockSubresources are the object lock subresources, relayed to
// the backend (objectlock.go); gofakes3 would answer them as if object
// lock were not configured, which the backend bucket may well contradict.
var objectLockSubresources = []string{"object-lock", "retention", "legal-hold"}

// isObjectLockRequest reports whether q names an object lock subresource.
func isObjectLockRequest(q url.Values) bool {
	for _, sub := range objectLockSubresources {
		if q.Has(sub) {
			return true
		}
	}
	return false
}

// refuseSubresource answers a request for a configuration ringside does
// not manage: a DELETE of a bucket configuration (a 204 would tell the
// client that a policy or CORS rule the backend bucket may well have is
// gone).
func (g *Gateway) refuseSubresource(w http.ResponseWriter, r *http.Request, bucket, _ string) error {
	if _, err := g.target(bucket); err != nil {
		return err
	}
	sub := unsupportedSubresource(r.URL.Query())
	return s3err.New(s3err.NotImplemented,
		"ringside does not manage the %s configuration of buckets or objects.", sub)
}

// checkWrite refuses, before gofakes3 sees them, writes it would get
// wrong: ACLs other than private (gofakes3 ignores the x-amz-acl of a PUT)
// and If-Match conditions (gofakes3 compares them with a hex MD5, which a
// multipart ETag is not). An If-Match that holds is removed so that
// gofakes3 does not check it again.
func (g *Gateway) checkWrite(r *http.Request, req *request, bucket, key string, q url.Values) error {
	plain := onlyParams(q, nil)
	isWrite := r.Method == http.MethodPut && plain ||
		r.Method == http.MethodPost && (q.Has("uploads") || q.Has("uploadId")) ||
		r.Method == http.MethodDelete && plain
	if !isWrite {
		return nil
	}
	if r.Method != http.MethodDelete {
		if err := checkACLHeaders(r.Header); err != nil {
			return err
		}
	}
	if r.Method == http.MethodDelete {
		return g.checkDeleteHeaders(r, req, bucket, key)
	}
	ifMatch := r.Header.Get("If-Match")
	if ifMatch == "" || q.Has("uploads") {
		return nil
	}
	if err := g.checkIfMatch(r, req, bucket, key, ifMatch); err != nil {
		return err
	}
	req.ifMatch = ifMatch
	r.Header = r.Header.Clone()
	r.Header.Del("If-Match")
	return nil
}

// checkDeleteHeaders checks the conditions of a DeleteObject (If-Match,
// x-amz-if-match-last-modified-time, x-amz-if-match-size) as those of a
// DeleteObjects entry, and takes them out of the headers: gofakes3 would
// compare an ETag with a hex MD5.
func (g *Gateway) checkDeleteHeaders(r *http.Request, req *request, bucket, key string) error {
	o := deleteObject{Key: key, VersionID: req.version, ETag: r.Header.Get("If-Match"),
		LastModifiedTime: r.Header.Get("X-Amz-If-Match-Last-Modified-Time")}
	if v := r.Header.Get("X-Amz-If-Match-Size"); v != "" {
		size, err := strconv.ParseInt(v, 10, 64)
		if err != nil || size < 0 {
			return s3err.New(s3err.InvalidArgument, "x-amz-if-match-size must be a non-negative integer.")
		}
		o.Size = &size
	}
	t, err := g.target(bucket)
	if err != nil {
		return err
	}
	if err := g.checkDeleteConditions(r.Context(), t, o); err != nil {
		return err
	}
	r.Header = r.Header.Clone()
	r.Header.Del("If-Match")
	return nil
}

// checkIfMatch checks the If-Match condition of a write or delete against
// the current object.
func (g *Gateway) checkIfMatch(r *http.Request, req *request, bucket, key, ifMatch string) error {
	t, err := g.target(bucket)
	if err != nil {
		return err
	}
	v, err := g.find(r.Context(), t, key, req.version, req.hasVersion)
	exists := err == nil && !v.IsDeleteMarker
	if err != nil && !isNoSuch(err) {
		return err
	}
	switch {
	case !exists && r.Method == http.MethodDelete:
		// Deleting what is not there changes nothing: no condition to fail.
		return nil
	case !exists:
		return s3err.New(s3err.NoSuchKey, "The specified key does not exist.")
	case !etagMatches(ifMatch, v.ETag):
		return errPrecondition
	}
	return nil
}

// privateACLs are the canned ACLs that grant nothing beyond the owner,
// the only ones ringside honours.
var privateACLs = map[string]bool{"private": true, "bucket-owner-full-control": true}

// cannedACLs are S3's canned ACL names.
var cannedACLs = map[string]struct{}{
	"private": {}, "public-read": {}, "public-read-write": {}, "authenticated-read": {},
	"aws-exec-read": {}, "bucket-owner-read": {}, "bucket-owner-full-control": {}, "log-delivery-write": {},
}

// checkACLHeaders refuses a write that asks for a non-private ACL.
func checkACLHeaders(h http.Header) error {
	acl := h.Get("X-Amz-Acl")
	if _, known := cannedACLs[acl]; acl != "" && !known {
		// S3 refuses a name that is no canned ACL as bad input, before
		// any question of what ringside supports.
		return s3err.New(s3err.InvalidArgument, "x-amz-acl names no canned ACL of S3: use private or bucket-owner-full-control.")
	}
	if acl != "" && !privateACLs[acl] {
		return s3err.New(s3err.NotImplemented,
			"ringside keeps objects and buckets private; the %s ACL is not supported.", acl)
	}
	for k := range h {
		if strings.HasPrefix(k, "X-Amz-Grant-") {
			return s3err.New(s3err.NotImplemented,
				"ringside keeps objects and buckets private; ACL grants (%s) are not supported.", k)
		}
	}
	return nil
}
