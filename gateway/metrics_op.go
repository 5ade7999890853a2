package gateway

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
	opGetBucketTagging
	opPutBucketTagging
	opDeleteBucketTagging
	opGetObjectLockConfiguration
	opPutObjectLockConfiguration
	opGetObjectRetention
	opPutObjectRetention
	opGetObjectLegalHold
	opPutObjectLegalHold
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
	opGetBucketTagging:        "GetBucketTagging",
	opPutBucketTagging:        "PutBucketTagging",
	opDeleteBucketTagging:     "DeleteBucketTagging",

	opGetObjectLockConfiguration: "GetObjectLockConfiguration",
	opPutObjectLockConfiguration: "PutObjectLockConfiguration",
	opGetObjectRetention:         "GetObjectRetention",
	opPutObjectRetention:         "PutObjectRetention",
	opGetObjectLegalHold:         "GetObjectLegalHold",
	opPutObjectLegalHold:         "PutObjectLegalHold",
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
