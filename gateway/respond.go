package gateway

import (
	"encoding/xml"
	"fmt"
	"net/http"
)

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
