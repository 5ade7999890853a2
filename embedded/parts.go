package embedded

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// A completed multipart upload keeps its part sizes and gets S3's ETag of
// one: the MD5 of the parts' MD5s, a dash and the part count. Reads with
// partNumber answer that part as S3 does: 206 with its Content-Range and
// x-amz-mp-parts-count; part 1 of a single-part object is the whole
// object, and a part past the last is 416 InvalidPartNumber.

// multipartETag is S3's ETag of an object assembled from parts with the
// given (quoted hex) ETags.
func multipartETag(partETags []string) string {
	h := md5.New()
	for _, e := range partETags {
		b, _ := hex.DecodeString(strings.Trim(e, `"`))
		h.Write(b)
	}
	return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(h.Sum(nil)), len(partETags))
}

// partSpan is the byte range of part n of v, or an S3 error status and
// code when there is no such part.
func partSpan(v *version, n int) (first, last int64, ok bool) {
	sizes := v.parts
	if sizes == nil {
		sizes = []int64{int64(len(v.body))}
	}
	if n < 1 || n > len(sizes) {
		return 0, 0, false
	}
	for _, s := range sizes[:n-1] {
		first += s
	}
	return first, first + sizes[n-1] - 1, true
}

// readPart answers a GET or HEAD of one part of v, through gofakes3 as a
// ranged GET.
func (f *front) readPart(w http.ResponseWriter, r *http.Request, v *version, partNumber string) {
	n, err := strconv.Atoi(partNumber)
	if err != nil || n < 1 || n > 10000 {
		writeErrorStatus(w, r, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive.", http.StatusBadRequest)
		return
	}
	if r.Header.Get("Range") != "" {
		writeErrorStatus(w, r, "InvalidRequest", "Cannot specify both Range header and partNumber query parameter", http.StatusBadRequest)
		return
	}
	first, last, ok := partSpan(v, n)
	if !ok {
		writeErrorStatus(w, r, "InvalidPartNumber", "The requested partnumber is not satisfiable.", http.StatusRequestedRangeNotSatisfiable)
		return
	}
	if v.parts != nil {
		w.Header().Set("x-amz-mp-parts-count", strconv.Itoa(len(v.parts)))
	}
	get := r.Clone(r.Context())
	get.Method = http.MethodGet
	q := get.URL.Query()
	q.Del("partNumber")
	get.URL.RawQuery = q.Encode()
	var out http.ResponseWriter = w
	if r.Method == http.MethodHead {
		out = headWriter{w}
	}
	if last < first {
		// An empty object has no byte to range over: it is answered whole.
		f.fake.ServeHTTP(out, get)
		return
	}
	get.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", first, last))
	f.fake.ServeHTTP(out, get)
}

// etagWriter puts the ETag of a multipart version in an answer of
// gofakes3, which renders every ETag as the hex of an MD5. gofakes3 may
// leave the status implicit (a HEAD writes no body): serve ends by setting
// the ETag of an answer whose headers were not sent yet.
type etagWriter struct {
	http.ResponseWriter
	etag  string
	wrote bool
}

func (e *etagWriter) WriteHeader(status int) {
	if !e.wrote && (status/100 == 2 || status == http.StatusNotModified) {
		e.Header().Set("ETag", e.etag)
	}
	e.wrote = true
	e.ResponseWriter.WriteHeader(status)
}

func (e *etagWriter) Write(p []byte) (int, error) {
	if !e.wrote {
		e.WriteHeader(http.StatusOK)
	}
	return e.ResponseWriter.Write(p)
}

// serve runs h on the request with e as its writer.
func (e *etagWriter) serve(h http.HandlerFunc, r *http.Request) {
	h(e, r)
	if !e.wrote {
		e.Header().Set("ETag", e.etag)
	}
}

// gofakes3 checks the If-Match and If-None-Match of a write against the
// hex MD5 of the current object, and the store checks them again as it
// writes (addChecked) in the same form. A condition naming the multipart
// ETag of the current version is put in that form first, so that both
// checks see what S3 would: the version's ETag.
func (f *front) writeConditionsAsMD5(r *http.Request, bucket, key string) {
	ifMatch, ifNoneMatch := r.Header.Get("If-Match"), r.Header.Get("If-None-Match")
	if ifMatch == "" && ifNoneMatch == "" {
		return
	}
	v, err := f.store.lookup(bucket, key, "")
	if err != nil || v.mpETag == "" {
		return
	}
	mp, plain := v.mpETag, `"`+hex.EncodeToString(v.md5)+`"`
	for _, name := range []string{"If-Match", "If-None-Match"} {
		if list := r.Header.Get(name); list != "" && list != "*" && etagMatches(list, mp) {
			r.Header.Set(name, plain)
		}
	}
}
