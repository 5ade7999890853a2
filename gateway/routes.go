package gateway

import (
	"math/bits"
	"net/http"
	"slices"
	"strings"
)

// level is where in the path-style URL a request points.
type level uint8

const (
	atService level = 1 << iota // "/"
	atBucket                    // "/bucket"
	atObject                    // "/bucket/key"
	atAny     = atService | atBucket | atObject
)

// copySource says whether a route needs or refuses X-Amz-Copy-Source.
type copySource uint8

const (
	copyAny copySource = iota
	withCopy
	withoutCopy
)

// operation is a handler of ringside's own; a returned error is sent as
// the S3 error document.
type operation func(g *Gateway, w http.ResponseWriter, r *http.Request, bucket, key string) error

// route is one line of the route table: an S3 operation, what a request
// must look like to be it, and who answers it.
type route struct {
	op     op // the operation's name and metrics label
	level  level
	method string // "" for any method
	// has are query parameters the request must name ("list-type=2" needs
	// that value); anyOf, if set, must name one of them; not must not be
	// named.
	has, anyOf, not []string
	copy            copySource
	// serve answers the request; nil hands it to gofakes3 (fallback.go).
	serve operation
	// checkWrite refuses non-private ACLs and checks If-Match before
	// serve (subresources.go).
	checkWrite bool

	// has, anyOf and not as sets of parameter bits (see paramBit).
	hasSet, anySet, notSet params
}

// routes is the table every S3 request is looked up in, first match
// first. It alone decides which operation a request is: the metrics label,
// ringside's own handler, or the hand-over to gofakes3, and the README's
// list of operations (TestREADMEListsTheRouteTable). A request that
// matches no line is handed to gofakes3, counted as Other, which answers
// it with an error.
var routes = []route{
	{op: opListBuckets, level: atService, method: http.MethodGet},

	// Object lock, the backend's (objectlock.go), and subresources
	// ringside does not manage, before anything that would take them for
	// a plain request.
	{op: opGetObjectLockConfiguration, level: atBucket, method: http.MethodGet, has: []string{"object-lock"}, serve: (*Gateway).serveObjectLock},
	{op: opPutObjectLockConfiguration, level: atBucket, method: http.MethodPut, has: []string{"object-lock"}, serve: (*Gateway).serveObjectLock},
	{op: opGetObjectRetention, level: atObject, method: http.MethodGet, has: []string{"retention"}, serve: (*Gateway).serveObjectLock},
	{op: opPutObjectRetention, level: atObject, method: http.MethodPut, has: []string{"retention"}, serve: (*Gateway).serveObjectLock},
	{op: opGetObjectLegalHold, level: atObject, method: http.MethodGet, has: []string{"legal-hold"}, serve: (*Gateway).serveObjectLock},
	{op: opPutObjectLegalHold, level: atObject, method: http.MethodPut, has: []string{"legal-hold"}, serve: (*Gateway).serveObjectLock},
	{op: opOther, level: atAny, anyOf: objectLockSubresources, serve: refuseMethod},
	{op: opGetObjectTagging, level: atObject, method: http.MethodGet, has: []string{"tagging"}, serve: (*Gateway).serveGetTagging},
	{op: opPutObjectTagging, level: atObject, method: http.MethodPut, has: []string{"tagging"}},
	{op: opDeleteObjectTagging, level: atObject, method: http.MethodDelete, has: []string{"tagging"}},
	{op: opGetBucketTagging, level: atBucket, method: http.MethodGet, has: []string{"tagging"}, serve: (*Gateway).serveGetBucketTagging},
	{op: opPutBucketTagging, level: atBucket, method: http.MethodPut, has: []string{"tagging"}, serve: (*Gateway).servePutBucketTagging},
	{op: opDeleteBucketTagging, level: atBucket, method: http.MethodDelete, has: []string{"tagging"}, serve: (*Gateway).serveDeleteBucketTagging},
	// CORS and website configurations are not managed; the answers around
	// that are S3's (bucketconfig.go).
	{op: opOther, level: atBucket, method: http.MethodGet, anyOf: []string{"cors", "website"}, serve: (*Gateway).serveNoBucketConfig},
	{op: opOther, level: atBucket, method: http.MethodPut, anyOf: []string{"cors", "website"}, serve: (*Gateway).servePutBucketConfig},
	{op: opGetObjectAcl, level: atObject, method: http.MethodGet, has: []string{"acl"}},
	{op: opPutObjectAcl, level: atObject, method: http.MethodPut, has: []string{"acl"}},
	{op: opGetBucketAcl, level: atBucket, method: http.MethodGet, has: []string{"acl"}},
	{op: opPutBucketAcl, level: atBucket, method: http.MethodPut, has: []string{"acl"}},
	{op: opOther, level: atBucket, method: http.MethodDelete, anyOf: unsupportedSubresources, serve: (*Gateway).refuseSubresource},
	{op: opOther, level: atAny, anyOf: unsupportedSubresources},

	// Multipart uploads: every request naming uploads or uploadId is
	// ringside's (multipart.go).
	{op: opListParts, level: atObject, method: http.MethodGet, has: []string{"uploadId"}, serve: (*Gateway).serveListParts},
	{op: opUploadPartCopy, level: atObject, method: http.MethodPut, has: []string{"uploadId"}, copy: withCopy, serve: (*Gateway).serveUploadPartCopy},
	{op: opUploadPart, level: atObject, method: http.MethodPut, has: []string{"uploadId"}, serve: (*Gateway).serveUploadPart},
	{op: opCompleteMultipartUpload, level: atObject, method: http.MethodPost, has: []string{"uploadId"}, serve: (*Gateway).serveCompleteUpload, checkWrite: true},
	{op: opAbortMultipartUpload, level: atObject, method: http.MethodDelete, has: []string{"uploadId"}, serve: (*Gateway).serveAbortUpload},
	{op: opCreateMultipartUpload, level: atObject, method: http.MethodPost, has: []string{"uploads"}, not: []string{"uploadId"}, serve: (*Gateway).serveCreateUpload, checkWrite: true},
	{op: opListMultipartUploads, level: atBucket | atObject, method: http.MethodGet, has: []string{"uploads"}, not: []string{"uploadId"}, serve: (*Gateway).serveListUploads},
	{op: opOther, level: atBucket | atObject, anyOf: []string{"uploads", "uploadId"}, serve: refuseMethod},

	// Buckets.
	{op: opGetBucketVersioning, level: atBucket, method: http.MethodGet, has: []string{"versioning"}},
	{op: opPutBucketVersioning, level: atBucket, method: http.MethodPut, has: []string{"versioning"}},
	{op: opListObjectVersions, level: atBucket, method: http.MethodGet, has: []string{"versions"}, serve: (*Gateway).serveList},
	{op: opGetBucketLocation, level: atBucket, method: http.MethodGet, has: []string{"location"}, serve: (*Gateway).serveGetBucketLocation},
	{op: opListObjectsV2, level: atBucket, method: http.MethodGet, has: []string{"list-type=2"}, not: misusedSubresources, serve: (*Gateway).serveList},
	{op: opListObjects, level: atBucket, method: http.MethodGet, not: misusedSubresources, serve: (*Gateway).serveList},
	{op: opHeadBucket, level: atBucket, method: http.MethodHead},
	{op: opCreateBucket, level: atBucket, method: http.MethodPut, not: append([]string{"versions", "versionId"}, misusedSubresources...), serve: (*Gateway).serveCreateBucket},
	{op: opDeleteBucket, level: atBucket, method: http.MethodDelete},
	{op: opDeleteObjects, level: atBucket, method: http.MethodPost, has: []string{"delete"}, serve: (*Gateway).serveDeleteObjects},
	{op: opPostObject, level: atBucket, method: http.MethodPost, serve: (*Gateway).servePostObject},

	// Objects.
	{op: opGetObjectAttributes, level: atObject, method: http.MethodGet, has: []string{"attributes"}, serve: (*Gateway).serveAttributes},
	{op: opHeadObject, level: atObject, method: http.MethodHead, serve: (*Gateway).serveRead},
	{op: opGetObject, level: atObject, method: http.MethodGet, not: misusedSubresources, serve: (*Gateway).serveRead},
	{op: opCopyObject, level: atObject, method: http.MethodPut, copy: withCopy, not: []string{"versionId"}, serve: (*Gateway).serveCopy},
	{op: opPutObject, level: atObject, method: http.MethodPut, not: []string{"versionId"}, serve: (*Gateway).servePut, checkWrite: true},
	{op: opDeleteObject, level: atObject, method: http.MethodDelete, not: misusedSubresources, checkWrite: true},
}

// misusedSubresources are subresources of one method and level only
// (gofakes3 answers MethodNotAllowed for any other use).
var misusedSubresources = []string{"attributes", "delete", "location"}

// unmatched is the route of a request no line of the table matches.
var unmatched = &route{op: opOther}

// params is a set of the query parameters the table names, one bit each.
// A request's set is found in one pass over its raw query, without
// allocating, because the metrics look up every request.
type params uint64

// paramBit numbers the parameters the table names; "list-type=2" is a
// parameter of its own, set when list-type has that value.
var paramBit = map[string]params{}

func init() {
	set := func(names []string) params {
		var p params
		for _, n := range names {
			bit, ok := paramBit[n]
			if !ok {
				if len(paramBit) == 64 {
					panic("the route table names more than 64 query parameters")
				}
				bit = 1 << len(paramBit)
				paramBit[n] = bit
			}
			p |= bit
		}
		return p
	}
	for i := range routes {
		rt := &routes[i]
		rt.hasSet, rt.anySet, rt.notSet = set(rt.has), set(rt.anyOf), set(rt.not)
	}
	for l, at := range []level{atService, atBucket, atObject} {
		for m, method := range plainMethods {
			for c := range 2 {
				plainRoutes[l][m][c] = scan(method, at, 0, c == 1)
			}
		}
	}
}

// plainMethods are the methods of plainRoutes.
var plainMethods = [...]string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPost, http.MethodDelete}

// plainRoutes are the routes of the requests that name no parameter of
// the table, as most requests do, by level, method (plainMethods) and
// copy source: found once rather than by a walk of the table each time.
var plainRoutes [3][len(plainMethods)][2]*route

// queryParams is the set of the table's parameters the raw query q names.
func queryParams(q string) params {
	var p params
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		name, value, _ := strings.Cut(pair, "=")
		p |= paramBit[name]
		if name == "list-type" && value == "2" {
			p |= paramBit["list-type=2"]
		}
	}
	return p
}

// lookup returns the route of a request for bucket and key with the raw
// query q.
func lookup(method, bucket, key, q string, copySrc bool) *route {
	at := atObject
	switch {
	case bucket == "":
		at = atService
	case key == "":
		at = atBucket
	}
	p := queryParams(q)
	if p == 0 {
		if m := slices.Index(plainMethods[:], method); m >= 0 {
			c := 0
			if copySrc {
				c = 1
			}
			return plainRoutes[bits.TrailingZeros8(uint8(at))][m][c]
		}
	}
	return scan(method, at, p, copySrc)
}

// scan walks the table for the first route that matches.
func scan(method string, at level, p params, copySrc bool) *route {
	for i := range routes {
		if rt := &routes[i]; rt.matches(method, at, p, copySrc) {
			return rt
		}
	}
	return unmatched
}

func (rt *route) matches(method string, at level, p params, copySrc bool) bool {
	switch {
	case rt.level&at == 0,
		rt.method != "" && rt.method != method,
		rt.copy == withCopy && !copySrc,
		rt.copy == withoutCopy && copySrc:
		return false
	}
	return p&rt.hasSet == rt.hasSet && p&rt.notSet == 0 && (rt.anySet == 0 || p&rt.anySet != 0)
}

// classify names the S3 operation of a path-style request, for the
// metrics.
func classify(r *http.Request) op { return addressing{}.classify(r) }
