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
	// tail holds the byte held back after a read straight into the
	// caller's buffer, buf then being tail[:].
	tail [1]byte
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
		case len(p) >= directRead:
			if k := v.readDirect(p); k > 0 || v.err != nil || v.eof {
				return k, nil
			}
			continue
		}
		v.err = v.fill()
	}
}

// directRead is the smallest read that src reads straight into, behind
// the byte held back, rather than through buf: a large PUT's body then
// goes from the client's socket to the backend's without a copy here
// (the copy was 3.6% of ringside's CPU on a PUT of 32 MiB).
const directRead = 64 << 10

// readDirect hands on the byte still held and reads src into p behind it,
// holding back the last byte of what came (all of it once src ended and
// the checks match). It returns how many bytes of p to hand on.
func (v *verifyingReader) readDirect(p []byte) int {
	h := copy(p, v.buf[v.off:v.n])
	k, err := v.src.Read(p[h:])
	v.sum(p[h : h+k])
	n := h + k
	if err != nil {
		if v.err = v.ended(err); v.err != nil {
			return 0
		}
		v.release()
		return n
	}
	if n == 0 {
		return 0
	}
	v.release()
	v.tail[0] = p[n-1]
	v.buf, v.off, v.n = v.tail[:], 0, 1
	return n - 1
}

// sum feeds b to the checks.
func (v *verifyingReader) sum(b []byte) {
	for _, c := range v.checks {
		if c.hash != nil {
			c.hash.Write(b)
		}
	}
}

// ended records the end or failure of src: at its end, the checks must
// match. It returns what reads fail with from now on, nil if none.
func (v *verifyingReader) ended(err error) error {
	if err != io.EOF {
		return err
	}
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

// fill reads more of src behind the byte or two still held, and verifies
// the checks when src ends.
func (v *verifyingReader) fill() error {
	if len(v.buf) < 2 {
		switch {
		case v.size <= 0:
			v.size = maxReadSize
		case v.size < 2:
			// A byte held back and room for one more.
			v.size = 2
		}
		held := v.buf[v.off:v.n]
		v.buf = v.newBuffer()
		v.off, v.n = 0, copy(v.buf, held)
	}
	v.n = copy(v.buf, v.buf[v.off:v.n])
	v.off = 0
	k, err := v.src.Read(v.buf[v.n:])
	v.sum(v.buf[v.n : v.n+k])
	v.n += k
	if err != nil {
		return v.ended(err)
	}
	return nil
}

// maxReadSize bounds the buffer a body is read through when its reader
// asks for less than directRead at a time (a large PUT to the backend is
// read straight into the transport's buffers of 256 KiB instead): 256 KiB
// makes an eighth of the system calls 32 KiB did, and still sits in the L2
// cache between the read and the hash.
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

// release gives the buffer back once the body ended or failed, or once
// reads go straight into the caller's buffers. It is called by Read only,
// never by Close: a backend transport may still be reading the body in its
// own goroutine when the handler closes it.
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
