package gateway

import (
	"io"
	"net/http"
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
func checkPayload(r *http.Request, guard *bodyGuard) (*http.Request, *Error) {
	checks, e := payloadChecks(r)
	if e != nil || len(checks) == 0 {
		return r, e
	}
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		for _, c := range checks {
			if e := c.verify(); e != nil {
				return r, e
			}
		}
		return r, nil
	}
	r2 := r.WithContext(r.Context())
	r2.Body = &verifyingBody{
		verifyingReader: verifyingReader{src: r.Body, checks: checks, report: guard.fail},
		closer:          r.Body,
	}
	return r2, nil
}

// payloadChecks lists the digests r's body must match.
func payloadChecks(r *http.Request) ([]*bodyCheck, *Error) {
	var checks []*bodyCheck
	if claimed := r.Header.Get("X-Amz-Content-Sha256"); isHex(claimed, 64) {
		checks = append(checks, payloadHashCheck(claimed))
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

// verifyingReader hands on what src yields while feeding it to checks, and
// holds back the last byte read until src ends and every check matches:
// whoever reads it never sees the end of a body that fails.
type verifyingReader struct {
	src    io.Reader
	checks []*bodyCheck
	report func(*Error)

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
			return 0, v.err
		case v.eof && held == 0:
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
		v.buf = make([]byte, 32<<10)
	}
	v.n = copy(v.buf, v.buf[v.off:v.n])
	v.off = 0
	k, err := v.src.Read(v.buf[v.n:])
	for _, c := range v.checks {
		c.hash.Write(v.buf[v.n : v.n+k])
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

// verifyingBody is a request body read through a verifyingReader.
type verifyingBody struct {
	verifyingReader
	closer io.Closer
}

func (b *verifyingBody) Close() error { return b.closer.Close() }
