package backend

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ringside/ringside/internal/s3time"
	"github.com/ringside/ringside/internal/sigv4"
)

// The object calls on the data path are signed here rather than by the
// SDK's signer, which rebuilds the canonical headers in maps and derives
// the signing key through a locked cache on every request. The rules are
// the SDK's (see TestSignerMatchesSDK): every header set on the request is
// signed but User-Agent, and so are the host and a non-zero
// Content-Length. The caller names each header it sets in lower case, so
// that nothing is lowered or sorted through a map per request.

// unsignedPayload is the payload hash of a body sent as a stream: it is
// not read twice to hash it first.
const unsignedPayload = sigv4.UnsignedPayload

// signer signs S3 requests with one access key, in one region.
type signer struct {
	accessKey, secretKey, region string
	key                          atomic.Pointer[dayKey]
}

// dayKey is the signing key of one day.
type dayKey struct {
	day   string // yyyymmdd
	scope string // day/region/s3/aws4_request
	key   []byte
}

func newSigner(accessKey, secretKey, region string) *signer {
	return &signer{accessKey: accessKey, secretKey: secretKey, region: region}
}

// keyFor returns the signing key of the day of amzDate, deriving it on
// the first request of a day.
func (s *signer) keyFor(amzDate []byte) *dayKey {
	if k := s.key.Load(); k != nil && k.day == string(amzDate[:8]) {
		return k
	}
	day := string(amzDate[:8])
	k := &dayKey{day: day, scope: sigv4.Scope(day, s.region), key: sigv4.SigningKey(s.secretKey, day, s.region)}
	// Two requests racing over midnight derive the same key twice; either
	// may win.
	s.key.Store(k)
	return k
}

// signedHeader is one header of a request as the signature covers it.
type signedHeader struct{ name, value string }

// signBuffers hold the canonical request and the string to sign while a
// request is signed.
var signBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

// sign adds X-Amz-Content-Sha256, X-Amz-Date and Authorization to req.
// headers are the other headers set on req, by lower-case name; path and
// query are the escaped path and canonical query string req is sent with.
func (s *signer) sign(req *http.Request, headers []signedHeader, host, path, query, payloadHash string, now time.Time) {
	bp := signBuffers.Get().(*[]byte)
	defer signBuffers.Put(bp)
	var dateBuf [len(sigv4.AmzDateFormat)]byte
	amzDate := s3time.AppendAmzDate(dateBuf[:0], now)
	date := string(amzDate)
	req.Header["X-Amz-Date"] = []string{date}
	req.Header["X-Amz-Content-Sha256"] = []string{payloadHash}
	headers = append(headers,
		signedHeader{"host", host},
		signedHeader{"x-amz-content-sha256", payloadHash},
		signedHeader{"x-amz-date", date})
	if req.ContentLength > 0 {
		headers = append(headers, signedHeader{"content-length", strconv.FormatInt(req.ContentLength, 10)})
	}
	// A handful of headers: insertion sort allocates nothing.
	for i := 1; i < len(headers); i++ {
		for j := i; j > 0 && headers[j].name < headers[j-1].name; j-- {
			headers[j], headers[j-1] = headers[j-1], headers[j]
		}
	}

	b := (*bp)[:0]
	b = append(b, req.Method...)
	b = append(b, '\n')
	b = append(b, path...)
	b = append(b, '\n')
	b = append(b, query...)
	b = append(b, '\n')
	for _, h := range headers {
		b = append(b, h.name...)
		b = append(b, ':')
		b = appendTrimmed(b, h.value)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	signedStart := len(b)
	for i, h := range headers {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, h.name...)
	}
	signedHeaders := string(b[signedStart:])
	b = append(b, '\n')
	b = append(b, payloadHash...)
	requestHash := sha256.Sum256(b)

	key := s.keyFor(amzDate)
	var requestHex [2 * sha256.Size]byte
	hex.Encode(requestHex[:], requestHash[:])
	signature := sigv4.Signature(key.key, date, key.scope, requestHex)

	b = append(b[:0], sigv4.Algorithm+" Credential="...)
	b = append(b, s.accessKey...)
	b = append(b, '/')
	b = append(b, key.scope...)
	b = append(b, ", SignedHeaders="...)
	b = append(b, signedHeaders...)
	b = append(b, ", Signature="...)
	b = hex.AppendEncode(b, signature[:])
	req.Header["Authorization"] = []string{string(b)}
	*bp = b
}

// appendTrimmed appends v as a canonical header value: without leading
// and trailing spaces, and with runs of spaces inside made one.
func appendTrimmed(b []byte, v string) []byte {
	v = strings.TrimSpace(v)
	space := false
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b = append(b, v[i])
	}
	return b
}
