package s3auth

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/internal/sigv4"
)

func TestPayloadVerifyingReaderHoldsBackTheEnd(t *testing.T) {
	// Several buffers' worth, so that the end is held back across fills
	// and the bad body reuses the pooled buffer of the good one.
	data := payload(3*maxReadSize+12_345, 1)
	for _, tc := range []struct {
		name string
		src  func() io.Reader
	}{
		{"whole", func() io.Reader { return bytes.NewReader(data) }},
		{"one byte at a time", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) }},
		{"half reads", func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) }},
		{"data with EOF", func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good := &verifyingReader{src: tc.src(), checks: []*bodyCheck{payloadHashCheck(sha256Hex(data))}}
			got, err := io.ReadAll(good)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read %d bytes, error %v", len(got), err)
			}

			var reported *s3err.Error
			bad := &verifyingReader{
				src:    tc.src(),
				checks: []*bodyCheck{payloadHashCheck(sha256Hex(data[1:]))},
				report: func(e *s3err.Error) { reported = e },
			}
			// As a backend PUT of known length reads it.
			got, err = io.ReadAll(io.LimitReader(bad, int64(len(data))))
			if err != errPayloadHashMismatch || reported != errPayloadHashMismatch {
				t.Fatalf("error %v, reported %v; want XAmzContentSHA256Mismatch", err, reported)
			}
			if len(got) >= len(data) {
				t.Fatalf("handed on all %d bytes of a body that fails", len(got))
			}
			if _, err := bad.Read(make([]byte, 10)); err != errPayloadHashMismatch {
				t.Fatalf("read after failure: %v", err)
			}
		})
	}
}

func TestPayloadVerifyingReaderPassesReadErrors(t *testing.T) {
	boom := errors.New("connection reset")
	v := &verifyingReader{
		src:    io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom)),
		checks: []*bodyCheck{payloadHashCheck(sha256Hex([]byte("abc")))},
	}
	got, err := io.ReadAll(v)
	if err != boom || len(got) >= 3 {
		t.Fatalf("read %q, error %v; want the source's error before the end", got, err)
	}
}

func TestPayloadChecks(t *testing.T) {
	body := []byte("<Tagging><TagSet/></Tagging>")
	for _, tc := range []struct {
		name   string
		method string
		target string
		header http.Header
		body   []byte
		code   string // refusal before the handler, or at the end of the body
	}{
		{"matching payload hash", "PUT", "/b/k?tagging", http.Header{"X-Amz-Content-Sha256": {sha256Hex(body)}}, body, ""},
		{"payload hash in upper case", "PUT", "/b/k", http.Header{"X-Amz-Content-Sha256": {strings.ToUpper(sha256Hex(body))}}, body, ""},
		{"wrong payload hash", "PUT", "/b/k", http.Header{"X-Amz-Content-Sha256": {sha256Hex(nil)}}, body, "XAmzContentSHA256Mismatch"},
		{"empty body, empty hash", "GET", "/b/k", http.Header{"X-Amz-Content-Sha256": {sigv4.EmptyPayloadHash}}, nil, ""},
		{"empty body, other hash", "DELETE", "/b/k", http.Header{"X-Amz-Content-Sha256": {sha256Hex(body)}}, nil, "XAmzContentSHA256Mismatch"},
		{"empty body, empty hash in upper case", "GET", "/b/k", http.Header{"X-Amz-Content-Sha256": {strings.ToUpper(sigv4.EmptyPayloadHash)}}, nil, ""},
		{"empty body, other hash and bad Content-MD5", "DELETE", "/b/k",
			http.Header{"X-Amz-Content-Sha256": {sha256Hex(body)}, "Content-Md5": {"AAAA"}}, nil, "InvalidDigest"},
		{"empty body, wrong crc32", "PUT", "/b/k", http.Header{"X-Amz-Checksum-Crc32": {crc32B64(body)}}, nil, "BadDigest"},
		{"unsigned payload", "PUT", "/b/k", http.Header{"X-Amz-Content-Sha256": {sigv4.UnsignedPayload}}, body, ""},
		{"Content-MD5", "PUT", "/b/k", http.Header{"Content-Md5": {md5B64(body)}}, body, ""},
		{"wrong Content-MD5", "PUT", "/b/k", http.Header{"Content-Md5": {md5B64(nil)}}, body, "BadDigest"},
		{"short Content-MD5", "PUT", "/b/k", http.Header{"Content-Md5": {"AAAA"}}, body, "InvalidDigest"},
		{"crc32 header", "PUT", "/b/k", http.Header{"X-Amz-Checksum-Crc32": {crc32B64(body)}}, body, ""},
		{"wrong crc32 header", "PUT", "/b/k", http.Header{"X-Amz-Checksum-Crc32": {crc32B64(nil)}}, body, "BadDigest"},
		{"crc32 header named in lower case", "PUT", "/b/k", http.Header{"x-amz-checksum-crc32": {crc32B64(nil)}}, body, "BadDigest"},
		{"unknown checksum header", "PUT", "/b/k", http.Header{"X-Amz-Checksum-Crc7": {crc32B64(nil)}}, body, ""},
		{"crc32 header of the wrong size", "PUT", "/b/k", http.Header{"X-Amz-Checksum-Crc32": {md5B64(body)}}, body, "InvalidRequest"},
		{"checksum type and mode are not checksums", "GET", "/b/k", http.Header{"X-Amz-Checksum-Mode": {"ENABLED"}, "X-Amz-Checksum-Type": {"FULL_OBJECT"}}, nil, ""},
		{"CompleteMultipartUpload's header sums the object", "POST", "/b/k?uploadId=1",
			http.Header{"X-Amz-Checksum-Crc32": {crc32B64([]byte("the object"))}}, body, ""},
		{"a copy's header sums the source", "PUT", "/b/k",
			http.Header{"X-Amz-Checksum-Crc32": {crc32B64([]byte("the source"))}, "X-Amz-Copy-Source": {"/b/src"}}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "http://127.0.0.1"+tc.target, bytes.NewReader(tc.body))
			for k, v := range tc.header {
				r.Header[k] = v
			}
			guard := &bodyGuard{}
			r2, e := checkPayload(r, guard)
			var err error
			if e != nil {
				err = e
			} else {
				_, err = io.ReadAll(r2.Body)
			}
			var got *s3err.Error
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.code != "" && (!errors.As(err, &got) || got.Code != tc.code):
				t.Fatalf("got %v, want %s", err, tc.code)
			}
		})
	}
}

func TestPayloadReadSize(t *testing.T) {
	for _, tc := range []struct {
		length int64
		want   int
	}{
		{-1, maxReadSize},
		{0, maxReadSize},
		{1, 2},
		{4096, 4097},
		{maxReadSize - 1, maxReadSize},
		{maxReadSize, maxReadSize},
		{1 << 30, maxReadSize},
	} {
		if got := readSize(tc.length); got != tc.want {
			t.Errorf("readSize(%d) = %d, want %d", tc.length, got, tc.want)
		}
	}
}

func TestPayloadVerifyingReaderSmallBuffers(t *testing.T) {
	data := payload(5000, 2)
	for _, size := range []int{1, 2, 3, 4999, 5000, 5001} {
		v := &verifyingReader{src: bytes.NewReader(data), checks: []*bodyCheck{payloadHashCheck(sha256Hex(data))}, size: size}
		got, err := io.ReadAll(v)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("buffer of %d: read %d bytes, error %v", size, len(got), err)
		}
	}
}

// readInSizes reads r to its end in reads of the sizes given, in turn.
func readInSizes(r io.Reader, sizes []int) ([]byte, error) {
	var got []byte
	bufs := make([][]byte, len(sizes))
	for i, n := range sizes {
		bufs[i] = make([]byte, n)
	}
	for i := 0; ; i++ {
		p := bufs[i%len(bufs)]
		n, err := r.Read(p)
		got = append(got, p[:n]...)
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			return got, err
		}
	}
}

// Reads large enough go straight into the caller's buffer; smaller ones
// through the reader's own. The held-back byte must survive every switch
// between the two.
func TestPayloadVerifyingReaderMixesDirectAndBufferedReads(t *testing.T) {
	data := payload(5*maxReadSize+777, 2)
	for _, tc := range []struct {
		name  string
		sizes []int
		src   func() io.Reader
	}{
		{"direct only", []int{bulkRead}, func() io.Reader { return bytes.NewReader(data) }},
		{"direct, then small", []int{bulkRead, 10, 1, directRead - 1}, func() io.Reader { return bytes.NewReader(data) }},
		{"small, then direct", []int{1, directRead, 3, directRead + 5}, func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) }},
		{"direct from a trickle", []int{directRead, 2}, func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) }},
		{"data with EOF", []int{bulkRead, 7}, func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good := &verifyingReader{src: tc.src(), checks: []*bodyCheck{payloadHashCheck(sha256Hex(data))}}
			got, err := readInSizes(good, tc.sizes)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read %d of %d bytes, error %v", len(got), len(data), err)
			}
			bad := &verifyingReader{src: tc.src(), checks: []*bodyCheck{payloadHashCheck(sha256Hex(data[1:]))}}
			got, err = readInSizes(io.LimitReader(bad, int64(len(data))), tc.sizes)
			if err != errPayloadHashMismatch || len(got) >= len(data) {
				t.Fatalf("read %d of %d bytes of a body that fails, error %v", len(got), len(data), err)
			}
		})
	}
}

// bulkRead is the size of the reads of a backend PUT's body.
const bulkRead = 256 << 10
