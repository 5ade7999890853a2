package s3err

import "net/http"

// Code is an S3 error code, as it appears in the <Code> of an error
// document.
type Code string

// The codes ringside answers with. A code is added here, with its status
// and default message, before anything raises it.
const (
	AccessDenied                      Code = "AccessDenied"
	AuthorizationHeaderMalformed      Code = "AuthorizationHeaderMalformed"
	AuthorizationQueryParametersError Code = "AuthorizationQueryParametersError"
	BadDigest                         Code = "BadDigest"
	BadRequest                        Code = "BadRequest"
	BucketAlreadyExists               Code = "BucketAlreadyExists"
	BucketAlreadyOwnedByYou           Code = "BucketAlreadyOwnedByYou"
	BucketNotEmpty                    Code = "BucketNotEmpty"
	ConditionalRequestConflict        Code = "ConditionalRequestConflict"
	EntityTooLarge                    Code = "EntityTooLarge"
	EntityTooSmall                    Code = "EntityTooSmall"
	ExpiredToken                      Code = "ExpiredToken"
	IllegalLocationConstraint         Code = "IllegalLocationConstraintException"
	IncompleteBody                    Code = "IncompleteBody"
	InternalError                     Code = "InternalError"
	InvalidAccessKeyID                Code = "InvalidAccessKeyId"
	InvalidArgument                   Code = "InvalidArgument"
	InvalidBucketName                 Code = "InvalidBucketName"
	InvalidBucketState                Code = "InvalidBucketState"
	InvalidDigest                     Code = "InvalidDigest"
	InvalidLocationConstraint         Code = "InvalidLocationConstraint"
	InvalidObjectName                 Code = "InvalidObjectName"
	InvalidObjectState                Code = "InvalidObjectState"
	InvalidPolicyDocument             Code = "InvalidPolicyDocument"
	InvalidPart                       Code = "InvalidPart"
	InvalidPartNumber                 Code = "InvalidPartNumber"
	InvalidPartOrder                  Code = "InvalidPartOrder"
	InvalidRange                      Code = "InvalidRange"
	InvalidRequest                    Code = "InvalidRequest"
	InvalidTag                        Code = "InvalidTag"
	InvalidURI                        Code = "InvalidURI"
	IncorrectNumberOfFilesInPost      Code = "IncorrectNumberOfFilesInPostRequest"
	KeyTooLongError                   Code = "KeyTooLongError"
	LocationAlreadyExists             Code = "LocationAlreadyExists"
	LocationInUse                     Code = "LocationInUse"
	MalformedPOSTRequest              Code = "MalformedPOSTRequest"
	MalformedXML                      Code = "MalformedXML"
	MaxPostPreDataLengthExceeded      Code = "MaxPostPreDataLengthExceededError"
	MaxMessageLengthExceeded          Code = "MaxMessageLengthExceeded"
	MetadataTooLarge                  Code = "MetadataTooLarge"
	MethodNotAllowed                  Code = "MethodNotAllowed"
	MissingContentLength              Code = "MissingContentLength"
	MissingRequestBody                Code = "MissingRequestBodyError"
	NoSuchBucket                      Code = "NoSuchBucket"
	NoSuchCORSConfiguration           Code = "NoSuchCORSConfiguration"
	NoSuchKey                         Code = "NoSuchKey"
	NoSuchLocation                    Code = "NoSuchLocation"
	NoSuchObjectLockConfiguration     Code = "ObjectLockConfigurationNotFoundError"
	NoSuchTagSet                      Code = "NoSuchTagSet"
	NoSuchUpload                      Code = "NoSuchUpload"
	NoSuchVersion                     Code = "NoSuchVersion"
	NoSuchWebsiteConfiguration        Code = "NoSuchWebsiteConfiguration"
	NotImplemented                    Code = "NotImplemented"
	NotModified                       Code = "NotModified"
	PreconditionFailed                Code = "PreconditionFailed"
	RequestCanceled                   Code = "RequestCanceled"
	RequestTimeTooSkewed              Code = "RequestTimeTooSkewed"
	ServiceUnavailable                Code = "ServiceUnavailable"
	SignatureDoesNotMatch             Code = "SignatureDoesNotMatch"
	SlowDown                          Code = "SlowDown"
	TooManyParts                      Code = "TooManyParts"
	XAmzContentSHA256Mismatch         Code = "XAmzContentSHA256Mismatch"
)

type description struct {
	status  int
	message string
}

// table gives each code its status and the message S3 sends by default.
var table = map[Code]description{
	AccessDenied:                      {http.StatusForbidden, "Access Denied."},
	AuthorizationHeaderMalformed:      {http.StatusBadRequest, "The authorization header is malformed."},
	AuthorizationQueryParametersError: {http.StatusBadRequest, "Error parsing the X-Amz-Credential parameter."},
	BadDigest:                         {http.StatusBadRequest, "The Content-MD5 you specified did not match what we received."},
	BadRequest:                        {http.StatusBadRequest, "Bad Request"},
	BucketAlreadyExists:               {http.StatusConflict, "The requested bucket name is not available."},
	BucketAlreadyOwnedByYou:           {http.StatusConflict, "Your previous request to create the named bucket succeeded and you already own it."},
	BucketNotEmpty:                    {http.StatusConflict, "The bucket you tried to delete is not empty."},
	ConditionalRequestConflict:        {http.StatusConflict, "A conflicting conditional operation is currently in progress against this resource."},
	EntityTooLarge:                    {http.StatusBadRequest, "Your proposed upload exceeds the maximum allowed object size."},
	EntityTooSmall:                    {http.StatusBadRequest, "Your proposed upload is smaller than the minimum allowed object size."},
	ExpiredToken:                      {http.StatusBadRequest, "The provided token has expired."},
	IllegalLocationConstraint:         {http.StatusBadRequest, "The location constraint is not valid for this endpoint."},
	IncompleteBody:                    {http.StatusBadRequest, "You did not provide the number of bytes specified by the Content-Length HTTP header."},
	InternalError:                     {http.StatusInternalServerError, "We encountered an internal error. Please try again."},
	InvalidAccessKeyID:                {http.StatusForbidden, "The AWS Access Key Id you provided does not exist in our records."},
	InvalidArgument:                   {http.StatusBadRequest, "Invalid Argument."},
	InvalidBucketName:                 {http.StatusBadRequest, "The specified bucket is not valid."},
	InvalidBucketState:                {http.StatusConflict, "The request is not valid with the current state of the bucket."},
	InvalidDigest:                     {http.StatusBadRequest, "The Content-MD5 you specified is not valid."},
	InvalidLocationConstraint:         {http.StatusBadRequest, "The specified location constraint is not valid."},
	InvalidObjectName:                 {http.StatusBadRequest, "The specified object name is not valid."},
	InvalidObjectState:                {http.StatusForbidden, "The operation is not valid for the current state of the object."},
	InvalidPolicyDocument:             {http.StatusBadRequest, "The content of the form does not meet the conditions specified in the policy document."},
	InvalidPart:                       {http.StatusBadRequest, "One or more of the specified parts could not be found."},
	InvalidPartNumber:                 {http.StatusRequestedRangeNotSatisfiable, "The requested partnumber is not satisfiable."},
	InvalidPartOrder:                  {http.StatusBadRequest, "The list of parts was not in ascending order."},
	InvalidRange:                      {http.StatusRequestedRangeNotSatisfiable, "The requested range is not satisfiable."},
	InvalidRequest:                    {http.StatusBadRequest, "Invalid Request."},
	InvalidTag:                        {http.StatusBadRequest, "The tag provided was not a valid tag."},
	InvalidURI:                        {http.StatusBadRequest, "Couldn't parse the specified URI."},
	IncorrectNumberOfFilesInPost:      {http.StatusBadRequest, "POST requires exactly one file upload per request."},
	KeyTooLongError:                   {http.StatusBadRequest, "Your key is too long."},
	LocationAlreadyExists:             {http.StatusConflict, "The location already exists."},
	LocationInUse:                     {http.StatusConflict, "The location is used by buckets."},
	MalformedPOSTRequest:              {http.StatusBadRequest, "The body of your POST request is not well-formed multipart/form-data."},
	MalformedXML:                      {http.StatusBadRequest, "The XML you provided was not well-formed or did not validate against our published schema."},
	MaxMessageLengthExceeded:          {http.StatusBadRequest, "Your request was too big."},
	MaxPostPreDataLengthExceeded:      {http.StatusBadRequest, "Your POST request fields preceding the upload file were too large."},
	MetadataTooLarge:                  {http.StatusBadRequest, "Your metadata headers exceed the maximum allowed metadata size."},
	MethodNotAllowed:                  {http.StatusMethodNotAllowed, "The specified method is not allowed against this resource."},
	MissingContentLength:              {http.StatusLengthRequired, "You must provide the Content-Length HTTP header."},
	MissingRequestBody:                {http.StatusBadRequest, "Request Body is empty"},
	NoSuchBucket:                      {http.StatusNotFound, "The specified bucket does not exist."},
	NoSuchCORSConfiguration:           {http.StatusNotFound, "The CORS configuration does not exist"},
	NoSuchKey:                         {http.StatusNotFound, "The specified key does not exist."},
	NoSuchLocation:                    {http.StatusNotFound, "The location does not exist."},
	NoSuchObjectLockConfiguration:     {http.StatusNotFound, "Object Lock configuration does not exist for this bucket."},
	NoSuchTagSet:                      {http.StatusNotFound, "The TagSet does not exist."},
	NoSuchUpload:                      {http.StatusNotFound, "The specified multipart upload does not exist."},
	NoSuchVersion:                     {http.StatusNotFound, "The specified version does not exist."},
	NoSuchWebsiteConfiguration:        {http.StatusNotFound, "The specified bucket does not have a website configuration"},
	NotImplemented:                    {http.StatusNotImplemented, "A header or query you provided implies functionality that is not implemented."},
	NotModified:                       {http.StatusNotModified, "Not Modified."},
	PreconditionFailed:                {http.StatusPreconditionFailed, "At least one of the preconditions you specified did not hold."},
	// 499 is nginx's "client closed request": nobody reads this answer,
	// but the access log and metrics should not count it as a failure of ours.
	RequestCanceled:           {499, "The request was canceled."},
	RequestTimeTooSkewed:      {http.StatusForbidden, "The difference between the request time and the server's time is too large."},
	ServiceUnavailable:        {http.StatusServiceUnavailable, "Please reduce your request rate."},
	SignatureDoesNotMatch:     {http.StatusForbidden, "The request signature we calculated does not match the signature you provided. Check your key and signing method."},
	SlowDown:                  {http.StatusServiceUnavailable, "Please reduce your request rate."},
	TooManyParts:              {http.StatusBadRequest, "You have attempted to upload more parts than allowed."},
	XAmzContentSHA256Mismatch: {http.StatusBadRequest, "The provided 'x-amz-content-sha256' header does not match what was computed."},
}
