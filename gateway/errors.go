package gateway

import (
	"context"
	"errors"
	"net/http"

	"github.com/rclone/gofakes3"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/internal/s3err"
)

// The refusals the S3 handlers raise in more than one place, built once.
var (
	errMalformedXML     = s3err.Get(s3err.MalformedXML)
	errMethodNotAllowed = s3err.Get(s3err.MethodNotAllowed)
	errKeyTooLong       = s3err.Get(s3err.KeyTooLongError)
	errRequestTooBig    = s3err.Get(s3err.MaxMessageLengthExceeded)
	errInvalidEncoding  = s3err.New(s3err.InvalidArgument, "Invalid Encoding Method specified in Request.")
	// errKeyNotUTF8 refuses a key that is not UTF-8 up front, as S3 does
	// (400 InvalidURI): the backend could not be sent it signed, nor list
	// it in an XML document.
	errKeyNotUTF8 = s3err.New(s3err.InvalidURI, "Couldn't parse the specified URI: the object key is not valid UTF-8.")
	// errIncompleteBody is a body shorter than its Content-Length.
	errIncompleteBody       = s3err.Get(s3err.IncompleteBody)
	errMissingContentLength = s3err.New(s3err.MissingContentLength,
		"You must provide the Content-Length HTTP header: ringside streams uploads to the backend and needs their length.")
)

// retryAfter is the Retry-After, in seconds, of the 503s that say the
// backend is down or busy: about the interval at which a location's
// breaker probes its backend.
const retryAfter = 2

// ownFaultCodes are backend refusals of ringside itself rather than of
// the client's request: the backend did not accept the gateway's own
// credentials, clock or configuration (its target bucket, region or
// endpoint). The client authenticated to ringside, so relaying them would
// tell it its own keys or bucket are wrong; it gets 503 instead, and the
// operator an error in the log.
var ownFaultCodes = map[string]bool{
	"AccessDenied": true, "AccountProblem": true, "AllAccessDisabled": true,
	"AuthorizationHeaderMalformed": true, "ExpiredToken": true,
	"InvalidAccessKeyId": true, "InvalidSecurity": true, "InvalidToken": true,
	"NoSuchBucket": true, "PermanentRedirect": true,
	"RequestTimeTooSkewed": true, "SignatureDoesNotMatch": true,
}

// toS3 returns the refusal a client gets for err: its own refusal, the
// backend's answer relayed, 503 when the backend did not answer, and 500
// only for ringside's own failures.
func (g *Gateway) toS3(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var be *backend.Error
	if errors.As(err, &be) {
		return g.fromBackend(be)
	}
	if errors.Is(err, backend.ErrUnavailable) {
		g.log.Warn("backend unavailable", "err", err)
		return s3err.Unavailable(retryAfter, "The backend storage did not answer. Please try again.")
	}
	var fe gofakes3.Error
	if errors.As(err, &fe) {
		code := fe.ErrorCode()
		msg := code.Message()
		var er *gofakes3.ErrorResponse
		if errors.As(err, &er) && er.Message != "" {
			msg = er.Message
		}
		return s3err.WithStatus(s3err.Code(code), code.Status(), "%s", msg)
	}
	if errors.Is(err, context.Canceled) {
		// The client went away; nobody reads this answer.
		return s3err.Get(s3err.RequestCanceled)
	}
	g.log.Error("s3 request failed", "err", err)
	return s3err.Internal()
}

// fromBackend maps a backend answer to what the client gets. A refusal of
// the client's request (any 4xx, and 304) is relayed with its code, status
// and message; a refusal of ringside's own credentials or configuration
// (see ownFaultCodes), a server error and throttling are 503 with
// Retry-After, which clients retry.
func (g *Gateway) fromBackend(be *backend.Error) *Error {
	status := be.Status
	if status == 0 {
		status = s3err.StatusOf(s3err.Code(be.Code))
	}
	switch {
	case status == http.StatusTooManyRequests || be.Code == "SlowDown" || be.Code == "Throttling":
		g.log.Warn("backend asks to slow down", "op", be.Op, "code", be.Code, "status", be.Status)
		e := s3err.New(s3err.SlowDown, "The backend storage asks to slow down. Please reduce your request rate.")
		e.RetryAfter = retryAfter
		return e
	case ownFault(be.Code, status) && !backend.IsLockRefusal(be):
		g.log.Error("backend refused the gateway itself: check the location's credentials, clock and target bucket",
			"op", be.Op, "code", be.Code, "status", be.Status, "message", be.Message)
		return s3err.Unavailable(retryAfter, "The backend storage refused the gateway's own request (%s). Please try again later.", be.Code)
	case status >= 500:
		g.log.Warn("backend failed a request", "op", be.Op, "code", be.Code, "status", be.Status)
		return s3err.Unavailable(retryAfter, "The backend storage failed the request (%s). Please try again.", be.Code)
	case status >= 400 || status == http.StatusNotModified:
		return &Error{Code: be.Code, Status: status, Message: be.Message}
	}
	// A redirect or an unexpected status: the backend is not the S3
	// server the location says it is.
	g.log.Error("backend answered with an unexpected status", "op", be.Op, "code", be.Code, "status", be.Status)
	return s3err.Unavailable(retryAfter, "The backend storage answered unexpectedly (%d). Please try again later.", status)
}

// ownFault reports a backend refusal of ringside itself. InvalidObjectState
// is the one 403 about the object, not the requester.
func ownFault(code string, status int) bool {
	if ownFaultCodes[code] {
		return true
	}
	return (status == http.StatusUnauthorized || status == http.StatusForbidden) && code != "InvalidObjectState"
}
