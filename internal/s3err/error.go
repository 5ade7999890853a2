package s3err

import (
	"fmt"
	"net/http"
)

// Error is a refusal with the S3 error code, message and HTTP status a
// client expects. The admin API relays it as JSON.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"-"`
	// RetryAfter, when positive, is sent as the Retry-After header (in
	// seconds): the answer to a backend that is down or a disk that is full
	// tells clients when trying again is worth it.
	RetryAfter int `json:"-"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New returns the refusal code with the table's status and a message built
// from format; an empty format keeps the table's default message. A code
// missing from the table answers 400, as S3 does for request errors.
func New(code Code, format string, args ...any) *Error {
	d := describe(code)
	msg := d.message
	if format != "" {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: string(code), Status: d.status, Message: msg}
}

// Get returns the refusal code with the table's status and default message.
func Get(code Code) *Error { return New(code, "") }

// WithStatus returns a refusal with a status that differs from the table's,
// for the few codes S3 answers with more than one status.
func WithStatus(code Code, status int, format string, args ...any) *Error {
	e := New(code, format, args...)
	e.Status = status
	return e
}

// Unavailable is the answer when a dependency ringside cannot do without
// (the backend, the index disk) is not there: 503 with a Retry-After, so
// that SDKs back off and retry instead of treating it as a server bug.
func Unavailable(retryAfter int, format string, args ...any) *Error {
	e := New(ServiceUnavailable, format, args...)
	e.RetryAfter = retryAfter
	return e
}

// Internal is the answer for ringside's own failures, and only for those.
func Internal() *Error { return Get(InternalError) }

// StatusOf returns the status S3 answers code with (400 when the table
// does not know it).
func StatusOf(code Code) int { return describe(code).status }

// Known reports whether code is in the table.
func Known(code Code) bool {
	_, ok := table[code]
	return ok
}

func describe(code Code) description {
	if d, ok := table[code]; ok {
		return d
	}
	return description{http.StatusBadRequest, "The request is not valid."}
}
