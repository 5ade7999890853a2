package s3auth

import "github.com/ringside/ringside/internal/s3err"

// The refusals of request authentication and body checks. Their codes and
// statuses are s3err's; the messages say which check failed.

func accessDenied(message string) *s3err.Error {
	return s3err.New(s3err.AccessDenied, "%s", message)
}

func authHeaderMalformed(message string) *s3err.Error {
	return s3err.New(s3err.AuthorizationHeaderMalformed, "The authorization header is malformed; %s", message)
}

func authQueryMalformed(message string) *s3err.Error {
	return s3err.New(s3err.AuthorizationQueryParametersError, "%s", message)
}

func invalidArgument(message string) *s3err.Error {
	return s3err.New(s3err.InvalidArgument, "%s", message)
}

func invalidRequest(message string) *s3err.Error {
	return s3err.New(s3err.InvalidRequest, "%s", message)
}

func badDigest(message string) *s3err.Error {
	return s3err.New(s3err.BadDigest, "%s", message)
}

func incompleteBody() *s3err.Error { return s3err.Get(s3err.IncompleteBody) }

var (
	errAnonymous = accessDenied("Access Denied. Requests must be signed with AWS Signature Version 4.")

	errUnknownAccessKey = s3err.Get(s3err.InvalidAccessKeyID)

	errSignatureMismatch = s3err.Get(s3err.SignatureDoesNotMatch)

	errChunkSignatureMismatch = s3err.New(s3err.SignatureDoesNotMatch,
		"The chunk signature we calculated does not match the signature you provided.")

	errTimeSkewed = s3err.Get(s3err.RequestTimeTooSkewed)

	errPayloadHashMismatch = s3err.Get(s3err.XAmzContentSHA256Mismatch)

	errMD5Mismatch = s3err.Get(s3err.BadDigest)

	errInvalidMD5 = s3err.Get(s3err.InvalidDigest)

	errMissingDecodedLength = s3err.New(s3err.MissingContentLength,
		"You must provide the x-amz-decoded-content-length header with an aws-chunked body.")
)
