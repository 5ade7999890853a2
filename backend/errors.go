package backend

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Error is a failure the backend reported, with its S3 code and status so
// the gateway can relay it. It never contains credentials.
type Error struct {
	Op      string
	Code    string // e.g. NoSuchKey, NoSuchVersion, PreconditionFailed
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Op + ": " + e.Code + ": " + e.Message }

// statusCodes are the S3 codes of statuses whose answer carries none, as
// HEAD answers and 304s do not.
var statusCodes = map[int]string{
	http.StatusNotModified:                  "NotModified",
	http.StatusBadRequest:                   "BadRequest",
	http.StatusForbidden:                    "AccessDenied",
	http.StatusMethodNotAllowed:             "MethodNotAllowed",
	http.StatusPreconditionFailed:           "PreconditionFailed",
	http.StatusRequestedRangeNotSatisfiable: "InvalidRange",
	http.StatusInternalServerError:          "InternalError",
	http.StatusServiceUnavailable:           "ServiceUnavailable",
}

// fail turns a failed SDK call into an *Error when the backend answered,
// or a wrapped error when no answer came. versionID is the version the call
// named, so that a bare 404 reads as NoSuchVersion rather than NoSuchKey.
func (c *Client) fail(op, key, versionID string, err error) error {
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() == 0 {
		return fmt.Errorf("%s %s: %w", op, c.describe(key), err)
	}
	code, msg := "", ""
	var api smithy.APIError
	if errors.As(err, &api) {
		code, msg = api.ErrorCode(), api.ErrorMessage()
	}
	return c.errorFor(op, re.HTTPStatusCode(), code, msg, versionID)
}

// errorFor builds the *Error of an answer with status and, if the body
// said, an S3 code and message.
func (c *Client) errorFor(op string, status int, code, msg, versionID string) *Error {
	if generic(status, code) {
		code = statusCode(status, versionID)
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &Error{Op: op, Code: code, Status: status, Message: c.scrub(msg)}
}

// generic reports whether code says no more than the status does: what the
// SDK makes up for an answer without a body.
func generic(status int, code string) bool {
	return code == "" || code == "UnknownError" || code == strings.ReplaceAll(http.StatusText(status), " ", "")
}

func statusCode(status int, versionID string) string {
	switch {
	case status == http.StatusNotFound && versionID != "":
		return "NoSuchVersion"
	case status == http.StatusNotFound:
		return "NoSuchKey"
	case statusCodes[status] != "":
		return statusCodes[status]
	}
	return strings.ReplaceAll(http.StatusText(status), " ", "")
}

// describe names an object (or, without a key, the bucket) in errors.
func (c *Client) describe(key string) string {
	if key == "" {
		return fmt.Sprintf("bucket %s at %s", c.bucket, c.endpoint)
	}
	return fmt.Sprintf("%s/%s at %s", c.bucket, key, c.endpoint)
}

// scrub keeps the secret key out of a message a server wrote.
func (c *Client) scrub(s string) string {
	if c.secret == "" {
		return s
	}
	return strings.ReplaceAll(s, c.secret, "[secret]")
}

// ErrUnavailable marks a failure that says nothing about the request and
// everything about the backend: it did not answer in time, refused the
// connection, or its location's breaker is open. The gateway answers such
// a failure with 503 and Retry-After; errors.Is finds it under any wrapping.
var ErrUnavailable = errors.New("backend unavailable")
