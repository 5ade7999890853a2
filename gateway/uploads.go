package gateway

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/url"
)

// listUploads answers ListMultipartUploads through gofakes3, which keeps
// the uploads in progress but answers NoSuchUpload for a bucket that has
// none: clients expect an empty list.
func listUploads(router http.Handler, w http.ResponseWriter, r *http.Request, bucket string) {
	rec := &heldAnswer{header: http.Header{}, status: http.StatusOK}
	router.ServeHTTP(rec, r)
	if rec.status == http.StatusNotFound && bytes.Contains(rec.body.Bytes(), []byte("<Code>NoSuchUpload</Code>")) {
		q := r.URL.Query()
		writeXML(w, http.StatusOK, emptyUploads{
			Xmlns:      "http://s3.amazonaws.com/doc/2006-03-01/",
			Bucket:     bucket,
			Prefix:     q.Get("prefix"),
			Delimiter:  q.Get("delimiter"),
			MaxUploads: 1000,
		})
		return
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}

// isListUploads reports whether r is a ListMultipartUploads.
func isListUploads(r *http.Request, q url.Values, key string) bool {
	return r.Method == http.MethodGet && key == "" && q.Has("uploads")
}

type emptyUploads struct {
	XMLName     xml.Name `xml:"ListMultipartUploadsResult"`
	Xmlns       string   `xml:"xmlns,attr"`
	Bucket      string   `xml:"Bucket"`
	KeyMarker   string   `xml:"KeyMarker"`
	UploadIDMrk string   `xml:"UploadIdMarker"`
	Prefix      string   `xml:"Prefix"`
	Delimiter   string   `xml:"Delimiter,omitempty"`
	MaxUploads  int      `xml:"MaxUploads"`
	IsTruncated bool     `xml:"IsTruncated"`
}

// heldAnswer holds a small answer (an XML listing) before it is sent.
type heldAnswer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *heldAnswer) Header() http.Header         { return r.header }
func (r *heldAnswer) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *heldAnswer) WriteHeader(status int)      { r.status = status }
