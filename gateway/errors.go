package gateway

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/rclone/gofakes3"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/internal/s3err"
)

// s3Err builds a refusal.
func s3Err(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

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
		return &Error{Code: string(code), Status: code.Status(), Message: msg}
	}
	if errors.Is(err, context.Canceled) {
		// The client went away; nobody reads this answer.
		return s3Err("RequestCanceled", 499, "The request was canceled.")
	}
	g.log.Error("s3 request failed", "err", err)
	return s3Err("InternalError", http.StatusInternalServerError,
		"We encountered an internal error. Please try again.")
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
	case ownFault(be.Code, status):
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

// forRouter turns err into an error gofakes3 renders. gofakes3 derives the
// HTTP status from the code, so a code it does not know has its real
// status recorded for the statusWriter to apply.
func (g *Gateway) forRouter(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	e := g.toS3(err)
	code := gofakes3.ErrorCode(e.Code)
	if code.Status() != e.Status {
		requestOf(ctx).errStatus = e.Status
	}
	return &gofakes3.ErrorResponse{Code: code, Message: e.Message}
}

// errorBody is S3's error document.
type errorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource,omitempty"`
	RequestID string   `xml:"RequestId,omitempty"`
}

// writeError answers a request handled by the gateway's own handlers.
func (g *Gateway) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := g.toS3(err)
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	if r.Method == http.MethodHead || e.Status == http.StatusNotModified {
		w.WriteHeader(e.Status)
		return
	}
	writeXML(w, e.Status, errorBody{
		Code:      e.Code,
		Message:   e.Message,
		Resource:  r.URL.Path,
		RequestID: w.Header().Get("x-amz-request-id"),
	})
}

// writeXML sends an XML document with status.
func writeXML(w http.ResponseWriter, status int, v any) {
	body, err := xml.Marshal(v)
	if err != nil {
		// Only a programming error gets here: every document is a
		// fixed struct.
		panic(fmt.Sprintf("encode %T: %v", v, err))
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", fmt.Sprint(len(xml.Header)+len(body)))
	w.WriteHeader(status)
	// The status is sent; a failed write means the client went away.
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

// statusWriter corrects the status of an error gofakes3 renders with a
// code it does not know (see forRouter).
type statusWriter struct {
	http.ResponseWriter
	req *request
}

func (w *statusWriter) WriteHeader(status int) {
	if status >= 400 && w.req.errStatus != 0 {
		status = w.req.errStatus
	}
	// gofakes3 renders no Retry-After; every 503 toS3 makes carries
	// the same one.
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	w.ResponseWriter.WriteHeader(status)
}

// ReadFrom passes a body on to the ReadFrom of the writer it wraps, if it
// has one, so that the server can splice it from a backend connection.
func (w *statusWriter) ReadFrom(src io.Reader) (int64, error) {
	return io.Copy(w.ResponseWriter, src)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
