package s3err

import (
	"encoding/xml"
	"net/http"
	"strconv"
)

// document is S3's error document.
type document struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource,omitempty"`
	RequestID string   `xml:"RequestId,omitempty"`
}

// Write answers r with e as S3 does: the status, Retry-After when e has
// one, and the XML error document unless the request is a HEAD or the
// status is 304 (neither may carry a body).
func Write(w http.ResponseWriter, r *http.Request, e *Error) {
	h := w.Header()
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	if r.Method == http.MethodHead || e.Status == http.StatusNotModified {
		w.WriteHeader(e.Status)
		return
	}
	body, err := xml.Marshal(document{
		Code:      e.Code,
		Message:   e.Message,
		Resource:  r.URL.Path,
		RequestID: h.Get("X-Amz-Request-Id"),
	})
	if err != nil {
		// A fixed struct of strings always encodes.
		panic("encode S3 error: " + err.Error())
	}
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(xml.Header)+len(body)))
	w.WriteHeader(e.Status)
	// The status is sent; a failed write means the client went away.
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}
