package gateway

import (
	"encoding/xml"
	"net/http"
	"strconv"
)

// The refusals of request authentication and body checks, with the codes
// and statuses S3 uses for them.

func refusal(code string, status int, message string) *Error {
	return &Error{Code: code, Status: status, Message: message}
}

func accessDenied(message string) *Error {
	return refusal("AccessDenied", http.StatusForbidden, message)
}

func authHeaderMalformed(message string) *Error {
	return refusal("AuthorizationHeaderMalformed", http.StatusBadRequest,
		"The authorization header is malformed; "+message)
}

func authQueryMalformed(message string) *Error {
	return refusal("AuthorizationQueryParametersError", http.StatusBadRequest, message)
}

func invalidArgument(message string) *Error {
	return refusal("InvalidArgument", http.StatusBadRequest, message)
}

func invalidRequest(message string) *Error {
	return refusal("InvalidRequest", http.StatusBadRequest, message)
}

func badDigest(message string) *Error {
	return refusal("BadDigest", http.StatusBadRequest, message)
}

func incompleteBody() *Error {
	return refusal("IncompleteBody", http.StatusBadRequest,
		"You did not provide the number of bytes specified by the Content-Length HTTP header.")
}

var (
	errAnonymous = accessDenied("Access Denied. Requests must be signed with AWS Signature Version 4.")

	errUnknownAccessKey = refusal("InvalidAccessKeyId", http.StatusForbidden,
		"The AWS Access Key Id you provided does not exist in our records.")

	errSignatureMismatch = refusal("SignatureDoesNotMatch", http.StatusForbidden,
		"The request signature we calculated does not match the signature you provided. Check your key and signing method.")

	errChunkSignatureMismatch = refusal("SignatureDoesNotMatch", http.StatusForbidden,
		"The chunk signature we calculated does not match the signature you provided.")

	errTimeSkewed = refusal("RequestTimeTooSkewed", http.StatusForbidden,
		"The difference between the request time and the server's time is too large.")

	errPayloadHashMismatch = refusal("XAmzContentSHA256Mismatch", http.StatusBadRequest,
		"The provided 'x-amz-content-sha256' header does not match what was computed.")

	errMD5Mismatch = badDigest("The Content-MD5 you specified did not match what we received.")

	errInvalidMD5 = refusal("InvalidDigest", http.StatusBadRequest,
		"The Content-MD5 you specified is not valid.")

	errMissingDecodedLength = refusal("MissingContentLength", http.StatusLengthRequired,
		"You must provide the x-amz-decoded-content-length header with an aws-chunked body.")

	errMissingContentLength = refusal("MissingContentLength", http.StatusLengthRequired,
		"You must provide the Content-Length HTTP header: ringside streams uploads to the backend and needs their length.")
)

// refusalBody is S3's error document.
type refusalBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource,omitempty"`
	RequestID string   `xml:"RequestId,omitempty"`
}

// writeRefusal answers r with e as S3 does: the status, and the XML error
// document unless the request is a HEAD.
func writeRefusal(w http.ResponseWriter, r *http.Request, e *Error) {
	body, err := xml.Marshal(refusalBody{
		Code:      e.Code,
		Message:   e.Message,
		Resource:  r.URL.Path,
		RequestID: w.Header().Get("x-amz-request-id"),
	})
	if err != nil {
		// A fixed struct of strings always encodes.
		panic("encode S3 error: " + err.Error())
	}
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	if r.Method == http.MethodHead {
		w.WriteHeader(e.Status)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(xml.Header)+len(body)))
	w.WriteHeader(e.Status)
	// The status is sent; a failed write means the client went away.
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}
