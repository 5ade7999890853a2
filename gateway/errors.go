package gateway

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/rclone/gofakes3"

	"github.com/ringside/ringside/backend"
)

// s3Err builds a refusal.
func s3Err(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

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

// fromBackend maps a backend failure to what the client gets.
func (g *Gateway) fromBackend(be *backend.Error) *Error {
	status := be.Status
	if relayedCodes[be.Code] {
		if status == 0 {
			status = gofakes3.ErrorCode(be.Code).Status()
		}
		return &Error{Code: be.Code, Status: status, Message: be.Message}
	}
	g.log.Warn("backend refused a request", "op", be.Op, "code", be.Code, "status", be.Status)
	if status == http.StatusServiceUnavailable || be.Code == "SlowDown" {
		return s3Err("SlowDown", http.StatusServiceUnavailable, "The backend asks to slow down. Please reduce your request rate.")
	}
	return s3Err("InternalError", http.StatusInternalServerError,
		"The backend refused the request (%s). Please try again.", be.Code)
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
	w.ResponseWriter.WriteHeader(status)
}

// ReadFrom passes a body on to the ReadFrom of the writer it wraps, if it
// has one, so that the server can splice it from a backend connection.
func (w *statusWriter) ReadFrom(src io.Reader) (int64, error) {
	return io.Copy(w.ResponseWriter, src)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
