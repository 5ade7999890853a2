package s3auth

import (
	"bytes"
	"errors"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/internal/sigv4"
)

// The fuzzed aws-chunked bodies are signed with the test key at a fixed
// time and seed, so the seeds' signatures verify and mutations of them
// exercise the signature checks.
var (
	fuzzChunkTime = mustTime("20130524T000000Z")
	fuzzChunkSeed = strings.Repeat("5e", 32)
)

func mustTime(s string) time.Time {
	t, err := time.Parse(sigv4.AmzDateFormat, s)
	if err != nil {
		panic(err)
	}
	return t
}

// fuzzModes are the body encodings the fuzz target picks from.
var fuzzModes = []string{streamingUnsignedTrailer, streamingSigned, streamingSignedTrailer, sigv4.UnsignedPayload}

func fuzzEncoder(mode string, chunkSize int, trailer string) chunkedEncoder {
	e := chunkedEncoder{chunkSize: chunkSize, trailerAlg: trailer}
	if mode == streamingSigned || mode == streamingSignedTrailer {
		e.key = testKey(testSecretKey, fuzzChunkTime, testRegion)
		e.amzDate = fuzzChunkTime.Format(sigv4.AmzDateFormat)
		e.scope = fuzzChunkTime.Format("20060102") + "/" + testRegion + "/s3/aws4_request"
		e.prev = fuzzChunkSeed
		e.signTrailer = mode == streamingSignedTrailer
	}
	return e
}

// FuzzChunkedDecoder checks that the aws-chunked decoder never panics or
// hangs, refuses every bad body with an S3 error recorded for the
// response, never hands on the whole declared length of a body it then
// refuses, and decodes what it accepts to exactly the declared length.
func FuzzChunkedDecoder(f *testing.F) {
	data := []byte(strings.Repeat("0123456789abcdef", 300))
	trailers := []string{"", "crc32", "crc32c", "crc64nvme", "sha1", "sha256"}
	for m, mode := range fuzzModes {
		for ti, tr := range trailers {
			if tr != "" && (mode == streamingSigned || mode == sigv4.UnsignedPayload) {
				continue
			}
			for _, size := range []int{1000, 4096} {
				f.Add(fuzzEncoder(mode, size, tr).encode(data), uint8(m), uint16(len(data)), uint8(ti))
			}
		}
		f.Add(fuzzEncoder(mode, 10, "").encode(nil), uint8(m), uint16(0), uint8(0))
	}
	f.Add([]byte("3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n"), uint8(0), uint16(3), uint8(1))
	f.Add([]byte("3;chunk-signature=zz\r\nabc\r\n0\r\n\r\n"), uint8(1), uint16(3), uint8(0))
	f.Add([]byte("ffffff\r\nabc"), uint8(0), uint16(3), uint8(0))

	f.Fuzz(func(t *testing.T, body []byte, mode uint8, decodedLen uint16, trailer uint8) {
		r := httptest.NewRequest("PUT", "http://127.0.0.1/b/k", bytes.NewReader(body))
		r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(int(decodedLen)))
		r.Header.Set("Content-Encoding", "aws-chunked")
		if tr := trailers[int(trailer)%len(trailers)]; tr != "" {
			r.Header.Set("X-Amz-Trailer", "x-amz-checksum-"+tr)
		}
		signed := &signedRequest{
			signingKey:  testKey(testSecretKey, fuzzChunkTime, testRegion),
			amzDate:     fuzzChunkTime.Format(sigv4.AmzDateFormat),
			scope:       fuzzChunkTime.Format("20060102") + "/" + testRegion + "/s3/aws4_request",
			signature:   fuzzChunkSeed,
			payloadHash: fuzzModes[int(mode)%len(fuzzModes)],
		}
		guard := &bodyGuard{}
		r2, e := decodeChunked(r, signed, guard)
		if e != nil {
			if e.Code == "" || e.Status < 400 || e.Status > 599 {
				t.Fatalf("refusal without an S3 error: %+v", e)
			}
			return
		}
		out, err := io.ReadAll(io.LimitReader(r2.Body, int64(decodedLen)+1))
		if err == nil {
			if len(out) != int(decodedLen) {
				t.Fatalf("accepted %d bytes for a declared %d", len(out), decodedLen)
			}
			return
		}
		var refused *s3err.Error
		if !errors.As(err, &refused) || refused.Status < 400 || refused.Status > 599 {
			t.Fatalf("failed without an S3 error: %v", err)
		}
		if decodedLen > 0 && len(out) >= int(decodedLen) {
			t.Fatalf("handed on all %d declared bytes of a body it refused (%v)", len(out), err)
		}
		if guard.failed() != refused {
			t.Fatalf("refused with %v but recorded %v for the response", refused, guard.failed())
		}
	})
}
