package s3auth

import (
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/internal/sigv4"
)

// Payload integrity: a body is checked against the digests the client sent
// as it streams, and its last byte is held back until they match. The
// handler behind streams bodies straight into a backend PUT of known
// length, so a mismatch found only after the last byte is handed on would
// come too late: the backend would already have the whole object.

// checkPayload verifies r's body against its x-amz-content-sha256 (when a
// hex hash), Content-MD5 and x-amz-checksum-* headers. An empty body is
// verified at once; any other is wrapped so that a mismatch fails its last
// read, and is reported to guard.
func checkPayload(r *http.Request, guard *bodyGuard) (*http.Request, *s3err.Error) {
	empty := r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody
	checks, e := payloadChecks(r, empty)
	if e != nil || len(checks) == 0 {
		return r, e
	}
	if empty {
		for _, c := range checks {
			if e := c.verify(); e != nil {
				return r, e
			}
		}
		return r, nil
	}
	r2 := r.WithContext(r.Context())
	r2.Body = &verifyingBody{
		verifyingReader: verifyingReader{src: r.Body, checks: checks, report: guard.fail, size: readSize(r.ContentLength)},
		closer:          r.Body,
	}
	return r2, nil
}

// payloadChecks lists the digests r's body must match. The payload hash
// of an empty body, which every GET signs, is compared as it is, without
// hashing nothing.
func payloadChecks(r *http.Request, empty bool) ([]*bodyCheck, *s3err.Error) {
	var checks []*bodyCheck
	if claimed := r.Header.Get("X-Amz-Content-Sha256"); isHex(claimed, 64) {
		switch {
		case !empty:
			checks = append(checks, payloadHashCheck(claimed))
		case !strings.EqualFold(claimed, sigv4.EmptyPayloadHash):
			checks = append(checks, failedPayloadHash)
		}
	}
	md5, e := contentMD5Check(r.Header)
	if e != nil {
		return nil, e
	}
	if md5 != nil {
		checks = append(checks, md5)
	}
	sums, e := headerChecksumChecks(r)
	if e != nil {
		return nil, e
	}
	return append(checks, sums...), nil
}

// failedPayloadHash is the check of an empty body whose payload hash is
// not that of nothing.
var failedPayloadHash = &bodyCheck{mismatch: errPayloadHashMismatch}

// verifyingReader hands on what src yields while feeding it to checks, and
// holds back the last byte read until src ends and every check matches:
// whoever reads it never sees the end of a body that fails.
type verifyingReader struct {
	src    io.Reader
	checks []*bodyCheck
	report func(*s3err.Error)
	size   int // of buf; 0 for maxReadSize

	buf    []byte // bytes read from src; buf[off:n] are not yet handed on
	off, n int
	eof    bool
	err    error
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		held := v.n - v.off
		switch {
		case v.err != nil:
			v.release()
			return 0, v.err
		case v.eof && held == 0:
			v.release()
			return 0, io.EOF
		case v.eof:
			k := copy(p, v.buf[v.off:v.n])
			v.off += k
			return k, nil
		case held > 1:
			k := copy(p, v.buf[v.off:v.n-1])
			v.off += k
			return k, nil
		}
		v.err = v.fill()
	}
}

// fill reads more of src behind the byte or two still held, and verifies
// the checks when src ends.
func (v *verifyingReader) fill() error {
	if v.buf == nil {
		switch {
		case v.size <= 0:
			v.size = maxReadSize
		case v.size < 2:
			// A byte held back and room for one more.
			v.size = 2
		}
		v.buf = v.newBuffer()
	}
	v.n = copy(v.buf, v.buf[v.off:v.n])
	v.off = 0
	k, err := v.src.Read(v.buf[v.n:])
	for _, c := range v.checks {
		if c.hash != nil {
			c.hash.Write(v.buf[v.n : v.n+k])
		}
	}
	v.n += k
	if err == io.EOF {
		v.eof = true
		for _, c := range v.checks {
			if e := c.verify(); e != nil {
				if v.report != nil {
					v.report(e)
				}
				return e
			}
		}
		return nil
	}
	return err
}

// maxReadSize bounds the buffer a body is read through. A large PUT is
// read from the client, hashed and written to the backend in pieces of
// this size: 256 KiB makes an eighth of the system calls 32 KiB did, and
// still sits in the L2 cache between the read and the hash.
const maxReadSize = 256 << 10

// readBuffers keep the buffers of maxReadSize, so that large bodies do not
// each allocate (and clear) one of their own.
var readBuffers = sync.Pool{New: func() any {
	b := make([]byte, maxReadSize)
	return &b
}}

// newBuffer is a buffer of v.size bytes, from readBuffers if that size.
func (v *verifyingReader) newBuffer() []byte {
	if v.size == maxReadSize {
		return *readBuffers.Get().(*[]byte)
	}
	return make([]byte, v.size)
}

// release gives the buffer back once the body ended or failed. It is
// called by Read only, never by Close: a backend transport may still be
// reading the body in its own goroutine when the handler closes it.
func (v *verifyingReader) release() {
	if len(v.buf) == maxReadSize {
		b := v.buf
		readBuffers.Put(&b)
	}
	v.buf, v.off, v.n = nil, 0, 0
}

// readSize is the buffer size for a body of length bytes (-1 if unknown):
// a small body fits whole, with a byte to spare to see its end, so that a
// small PUT does not clear a buffer many times its size.
func readSize(length int64) int {
	if length >= 1 && length < maxReadSize {
		return int(length) + 1
	}
	return maxReadSize
}

// verifyingBody is a request body read through a verifyingReader.
type verifyingBody struct {
	verifyingReader
	closer io.Closer
}

func (b *verifyingBody) Close() error { return b.closer.Close() }
