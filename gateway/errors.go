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

// relayedCodes are backend error codes that describe the client's own
// request, so the client gets them as they are. Any other backend failure
// (access denied, missing target bucket, server errors) is the gateway's
// problem, not the client's.
var relayedCodes = map[string]bool{
	"BadDigest": true, "EntityTooLarge": true, "EntityTooSmall": true,
	"IncompleteBody": true, "InvalidArgument": true, "InvalidDigest": true,
	"InvalidPart": true, "InvalidPartOrder": true, "InvalidRange": true,
	"InvalidRequest": true, "InvalidTag": true, "KeyTooLongError": true,
	"MalformedXML": true, "MetadataTooLarge": true, "NoSuchKey": true,
	"NoSuchUpload": true, "NoSuchVersion": true, "NotModified": true,
	"PreconditionFailed": true, "MethodNotAllowed": true,
	"InvalidObjectState": true, "TooManyParts": true,
}

// toS3 returns the refusal a client gets for err.
func (g *Gateway) toS3(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var be *backend.Error
	if errors.As(err, &be) {
		return g.fromBackend(be)
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

// fromBackend maps a backend failure to what the client gets.
func (g *Gateway) fromBackend(be *backend.Error) *Error {
	status := be.Status
	if relayedCodes[be.Code] {
		if status == 0 {
			status = gofakes3.ErrorCode(be.Code).Status()
		}
		return s3err.WithStatus(s3err.Code(be.Code), status, "%s", be.Message)
	}
	g.log.Warn("backend refused a request", "op", be.Op, "code", be.Code, "status", be.Status)
	if status == http.StatusServiceUnavailable || be.Code == "SlowDown" {
		return s3err.New(s3err.SlowDown, "The backend asks to slow down. Please reduce your request rate.")
	}
	return s3err.New(s3err.InternalError, "The backend refused the request (%s). Please try again.", be.Code)
}
