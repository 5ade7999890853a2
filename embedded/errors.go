package embedded

import (
	"encoding/xml"
	"errors"
	"net/http"

	"github.com/rclone/gofakes3"
)

// errorBody is an S3 error response.
type errorBody struct {
	XMLName xml.Name `xml:"Error"`
	Code    string
	Message string
}

// messages are S3's words for the errors the front end answers itself;
// gofakes3's resource errors carry none.
var messages = map[gofakes3.ErrorCode]string{
	gofakes3.ErrNoSuchBucket:       "The specified bucket does not exist",
	gofakes3.ErrNoSuchKey:          "The specified key does not exist.",
	gofakes3.ErrNoSuchVersion:      "The specified version does not exist.",
	gofakes3.ErrPreconditionFailed: "At least one of the pre-conditions you specified did not hold",
	gofakes3.ErrMethodNotAllowed:   "The specified method is not allowed against this resource.",
	gofakes3.ErrInvalidRange:       "The requested range is not satisfiable",
}

// writeError answers r with err, an error from gofakes3 or the store.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := gofakes3.ErrInternal, "We encountered an internal error. Please try again."
	var ge gofakes3.Error
	if errors.As(err, &ge) {
		code, msg = ge.ErrorCode(), messages[ge.ErrorCode()]
		var detailed *gofakes3.ErrorResponse
		if errors.As(err, &detailed) && detailed.Message != "" {
			msg = detailed.Message
		}
	}
	status := code.Status()
	if code == gofakes3.ErrMethodNotAllowed {
		status = http.StatusMethodNotAllowed // gofakes3 says 400; S3 says 405
	}
	writeErrorStatus(w, r, string(code), msg, status)
}

// writeErrorStatus answers r with an S3 error; a HEAD answer has no body.
func writeErrorStatus(w http.ResponseWriter, r *http.Request, code, msg string, status int) {
	if r.Method == http.MethodHead {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	writeXMLBody(w, errorBody{Code: code, Message: msg})
}

// writeXML answers with a 200 and body as XML.
func writeXML(w http.ResponseWriter, body any) {
	w.Header().Set("Content-Type", "application/xml")
	writeXMLBody(w, body)
}

func writeXMLBody(w http.ResponseWriter, body any) {
	_, _ = w.Write([]byte(xml.Header))
	// A failure here is the client going away: nothing more can be said.
	_ = xml.NewEncoder(w).Encode(body)
}
