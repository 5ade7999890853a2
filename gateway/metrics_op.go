package gateway

import (
	"net/http"
	"strings"
)

// op is an S3 operation, the label that keeps metric series few and fixed.
type op uint8

// The operations ringside names in its metrics. Anything else is opOther,
// so that a client cannot grow the label set.
const (
	opOther op = iota
	opListBuckets
	opCreateBucket
	opDeleteBucket
	opHeadBucket
	opGetBucketLocation
	opGetBucketVersioning
	opPutBucketVersioning
	opListObjects
	opListObjectsV2
	opListObjectVersions
	opListMultipartUploads
	opGetObject
	opGetObjectAttributes
	opHeadObject
	opPutObject
	opCopyObject
	opPostObject
	opDeleteObject
	opDeleteObjects
	opGetObjectTagging
	opPutObjectTagging
	opDeleteObjectTagging
	opGetObjectAcl
	opPutObjectAcl
	opGetBucketAcl
	opPutBucketAcl
	opCreateMultipartUpload
	opUploadPart
	opUploadPartCopy
	opCompleteMultipartUpload
	opAbortMultipartUpload
	opListParts
	numOps
)

var opNames = [numOps]string{
	opOther:                   "Other",
	opListBuckets:             "ListBuckets",
	opCreateBucket:            "CreateBucket",
	opDeleteBucket:            "DeleteBucket",
	opHeadBucket:              "HeadBucket",
	opGetBucketLocation:       "GetBucketLocation",
	opGetBucketVersioning:     "GetBucketVersioning",
	opPutBucketVersioning:     "PutBucketVersioning",
	opListObjects:             "ListObjects",
	opListObjectsV2:           "ListObjectsV2",
	opListObjectVersions:      "ListObjectVersions",
	opListMultipartUploads:    "ListMultipartUploads",
	opGetObject:               "GetObject",
	opGetObjectAttributes:     "GetObjectAttributes",
	opHeadObject:              "HeadObject",
	opPutObject:               "PutObject",
	opCopyObject:              "CopyObject",
	opPostObject:              "PostObject",
	opDeleteObject:            "DeleteObject",
	opDeleteObjects:           "DeleteObjects",
	opGetObjectTagging:        "GetObjectTagging",
	opPutObjectTagging:        "PutObjectTagging",
	opDeleteObjectTagging:     "DeleteObjectTagging",
	opGetObjectAcl:            "GetObjectAcl",
	opPutObjectAcl:            "PutObjectAcl",
	opGetBucketAcl:            "GetBucketAcl",
	opPutBucketAcl:            "PutBucketAcl",
	opCreateMultipartUpload:   "CreateMultipartUpload",
	opUploadPart:              "UploadPart",
	opUploadPartCopy:          "UploadPartCopy",
	opCompleteMultipartUpload: "CompleteMultipartUpload",
	opAbortMultipartUpload:    "AbortMultipartUpload",
	opListParts:               "ListParts",
}

func (o op) String() string { return opNames[o] }

// opByName finds an operation by its S3 name (for backend observations).
var opByName = func() map[string]op {
	m := make(map[string]op, numOps)
	for o, name := range opNames {
		m[name] = op(o)
	}
	return m
}()

// classify names the S3 operation of a path-style request the way the
// gofakes3 router dispatches it. It reads the raw query in place rather
// than parsing it, because it runs on every request.
func classify(r *http.Request) op {
	path := strings.TrimLeft(r.URL.Path, "/")
	if path == "" {
		if r.Method == http.MethodGet {
			return opListBuckets
		}
		return opOther
	}
	object := false
	if i := strings.IndexByte(path, '/'); i >= 0 && i < len(path)-1 {
		object = true
	}
	q := r.URL.RawQuery
	if q == "" {
		if object {
			return classifyObject(r)
		}
		return classifyBucket(r, q)
	}
	switch {
	case object && hasParam(q, "tagging"):
		return pick(r.Method, opGetObjectTagging, opPutObjectTagging, opDeleteObjectTagging, opOther)
	case hasParam(q, "acl"):
		if object {
			return pick(r.Method, opGetObjectAcl, opPutObjectAcl, opOther, opOther)
		}
		return pick(r.Method, opGetBucketAcl, opPutBucketAcl, opOther, opOther)
	case hasParam(q, "uploadId"):
		return classifyUpload(r)
	case hasParam(q, "uploads"):
		switch r.Method {
		case http.MethodGet:
			return opListMultipartUploads
		case http.MethodPost:
			return opCreateMultipartUpload
		}
		return opOther
	case hasParam(q, "versioning"):
		return pick(r.Method, opGetBucketVersioning, opPutBucketVersioning, opOther, opOther)
	case hasParam(q, "versions"):
		return pick(r.Method, opListObjectVersions, opOther, opOther, opOther)
	case hasUnsupportedParam(q):
		return opOther
	case object:
		if r.Method == http.MethodGet && hasParam(q, "attributes") {
			return opGetObjectAttributes
		}
		return classifyObject(r)
	}
	return classifyBucket(r, q)
}

// pick chooses by method among the GET, PUT, DELETE and HEAD variants of
// an operation; other methods are opOther.
func pick(method string, get, put, del, head op) op {
	switch method {
	case http.MethodGet:
		return get
	case http.MethodPut:
		return put
	case http.MethodDelete:
		return del
	case http.MethodHead:
		return head
	}
	return opOther
}

func classifyObject(r *http.Request) op {
	switch r.Method {
	case http.MethodGet:
		return opGetObject
	case http.MethodHead:
		return opHeadObject
	case http.MethodPut:
		if r.Header.Get("X-Amz-Copy-Source") != "" {
			return opCopyObject
		}
		return opPutObject
	case http.MethodDelete:
		return opDeleteObject
	}
	return opOther
}

func classifyBucket(r *http.Request, q string) op {
	switch r.Method {
	case http.MethodGet:
		switch {
		case hasParam(q, "location"):
			return opGetBucketLocation
		case paramIs(q, "list-type", "2"):
			return opListObjectsV2
		}
		return opListObjects
	case http.MethodHead:
		return opHeadBucket
	case http.MethodPut:
		return opCreateBucket
	case http.MethodDelete:
		return opDeleteBucket
	case http.MethodPost:
		if hasParam(q, "delete") {
			return opDeleteObjects
		}
		return opPostObject
	}
	return opOther
}

func classifyUpload(r *http.Request) op {
	switch r.Method {
	case http.MethodGet:
		return opListParts
	case http.MethodPut:
		if r.Header.Get("X-Amz-Copy-Source") != "" {
			return opUploadPartCopy
		}
		return opUploadPart
	case http.MethodDelete:
		return opAbortMultipartUpload
	case http.MethodPost:
		return opCompleteMultipartUpload
	}
	return opOther
}

// unsupportedParams are subresources ringside does not name: their
// requests are counted as Other rather than as the plain bucket or object
// operation they would otherwise look like.
var unsupportedParams = []string{
	"accelerate", "analytics", "cors", "encryption", "intelligent-tiering",
	"inventory", "legal-hold", "lifecycle", "logging", "metadataTable",
	"metrics", "notification", "object-lock", "ownershipControls", "policy",
	"policyStatus", "publicAccessBlock", "replication", "requestPayment",
	"restore", "retention", "select", "tagging", "torrent", "website",
}

func hasUnsupportedParam(q string) bool {
	for _, p := range unsupportedParams {
		if hasParam(q, p) {
			return true
		}
	}
	return false
}

// hasParam reports whether the raw query names the parameter, with or
// without a value.
func hasParam(q, name string) bool {
	_, ok := param(q, name)
	return ok
}

// paramIs reports whether the raw query sets the parameter to value.
func paramIs(q, name, value string) bool {
	v, ok := param(q, name)
	return ok && v == value
}

// param finds a parameter in a raw query without allocating; the value is
// returned still escaped, which is enough for the plain names and values
// compared here.
func param(q, name string) (string, bool) {
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		key, value, _ := strings.Cut(pair, "=")
		if key == name {
			return value, true
		}
	}
	return "", false
}
