package s3auth

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/ringside/ringside/internal/s3err"
)

const (
	// maxChunkSize bounds the memory one chunk held back may take. SDKs
	// send 64 KiB chunks; some tools up to a few MiB.
	maxChunkSize = 16 << 20
	// maxChunkLine bounds a chunk header or trailer line.
	maxChunkLine = 4 << 10
	// maxTrailerBytes bounds the trailer section.
	maxTrailerBytes = 16 << 10
)

// chunkedReader decodes an aws-chunked body:
//
//	<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n[trailers]\r\n
//
// It verifies each chunk's signature before handing on its data, and
// holds back the last data chunk until the final chunk, the trailers and
// the decoded length are verified: whoever reads it never sees the end of
// a body that fails.
type chunkedReader struct {
	src        *bufio.Reader
	signer     *chunkSigner // nil when the chunks are unsigned
	trailer    trailerSpec
	decodedLen int64
	guard      *bodyGuard

	started bool
	next    chunkHeader // the header read after the chunk held back
	buf     []byte
	out     []byte // verified data being handed on
	total   int64
	done    bool
	err     error
}

// chunkHeader is a parsed chunk header line.
type chunkHeader struct {
	size      int
	signature string
}

func newChunkedReader(src io.Reader, signed *signedRequest, trailer trailerSpec, decodedLen int64, guard *bodyGuard) *chunkedReader {
	c := &chunkedReader{
		src:        bufio.NewReaderSize(src, 2*maxChunkLine),
		trailer:    trailer,
		decodedLen: decodedLen,
		guard:      guard,
	}
	if isHex(signed.payloadHash, 64) {
		// The hash covers the body as sent, framing included.
		c.src = bufio.NewReaderSize(&verifyingReader{
			src:    src,
			checks: []*bodyCheck{payloadHashCheck(signed.payloadHash)},
			report: guard.fail,
		}, 2*maxChunkLine)
	}
	if signed.payloadHash == streamingSigned || signed.payloadHash == streamingSignedTrailer {
		c.signer = &chunkSigner{key: signed.signingKey, amzDate: signed.amzDate, scope: signed.scope, prev: signed.signature}
	}
	return c
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		switch {
		case c.err != nil:
			return 0, c.err
		case c.done:
			return 0, io.EOF
		}
		c.err = c.advance()
	}
	k := copy(p, c.out)
	c.out = c.out[k:]
	return k, nil
}

// drain reads the whole body, for one whose decoded length is zero.
func (c *chunkedReader) drain() error {
	_, err := io.Copy(io.Discard, c)
	return err
}

// advance reads and verifies the next data chunk, then the header after
// it, and hands the chunk on only when more data follows or when the end
// of the body is verified.
func (c *chunkedReader) advance() error {
	if !c.started {
		c.started = true
		h, err := c.readHeader()
		if err != nil {
			return err
		}
		c.next = h
	}
	if c.next.size == 0 {
		return c.finish()
	}
	data, err := c.readChunk(c.next)
	if err != nil {
		return err
	}
	if c.next, err = c.readHeader(); err != nil {
		return err
	}
	if c.total+int64(c.next.size) > c.decodedLen {
		// Handing this chunk on would complete the declared length before
		// the rest is verified.
		return c.refuse(errTooMuchChunkedData)
	}
	if c.next.size == 0 {
		if err := c.finish(); err != nil {
			return err
		}
	}
	c.out = data
	return nil
}

// readChunk reads and verifies the data of the chunk h heads.
func (c *chunkedReader) readChunk(h chunkHeader) ([]byte, error) {
	if c.total+int64(h.size) > c.decodedLen {
		return nil, c.refuse(errTooMuchChunkedData)
	}
	data, err := c.readData(h.size)
	if err != nil {
		return nil, c.sourceError(err)
	}
	if err := c.expectLineEnd(); err != nil {
		return nil, err
	}
	if c.signer != nil && !c.signer.verifyChunk(data, h.signature) {
		return nil, c.refuse(errChunkSignatureMismatch)
	}
	if c.trailer.hash != nil {
		c.trailer.hash.Write(data)
	}
	c.total += int64(h.size)
	return data, nil
}

// readData reads n bytes of chunk data into the chunk buffer, which grows
// only as the data arrives: a chunk header alone commits no memory.
func (c *chunkedReader) readData(n int) ([]byte, error) {
	const step = 256 << 10
	data := c.buf[:0]
	for len(data) < n {
		if len(data) == cap(data) {
			grown := make([]byte, len(data), min(n, max(2*cap(data), step)))
			copy(grown, data)
			data = grown
		}
		k, err := io.ReadFull(c.src, data[len(data):min(n, cap(data))])
		data = data[:len(data)+k]
		if err != nil {
			return nil, err
		}
	}
	c.buf = data
	return data, nil
}

// finish verifies what follows the last data chunk: the final chunk's
// signature, the decoded length, the trailers, and the end of the body.
func (c *chunkedReader) finish() error {
	if c.signer != nil && !c.signer.verifyChunk(nil, c.next.signature) {
		return c.refuse(errChunkSignatureMismatch)
	}
	if c.total != c.decodedLen {
		return c.refuse(incompleteBody())
	}
	trailers, signature, err := c.readTrailers()
	if err != nil {
		return err
	}
	checksum, e := c.trailer.verify(trailers, signature, c.signer)
	if e != nil {
		return c.refuse(e)
	}
	if _, err := c.src.ReadByte(); err == nil {
		return c.refuse(malformedChunked("data follows the end of the aws-chunked body"))
	} else if err != io.EOF {
		return c.sourceError(err)
	}
	if checksum.value != "" {
		c.guard.setChecksum(checksum.name, checksum.value)
	}
	c.done = true
	return nil
}

// readTrailers reads the trailer section up to its blank line (or the end
// of the body, which some clients send instead).
func (c *chunkedReader) readTrailers() (map[string]string, string, error) {
	trailers := map[string]string{}
	signature := ""
	size := 0
	for {
		line, err := c.readLine()
		if err == io.EOF || (err == nil && line == "") {
			return trailers, signature, nil
		}
		if err != nil {
			return nil, "", err
		}
		if size += len(line); size > maxTrailerBytes {
			return nil, "", c.refuse(malformedChunked("the trailers are too large"))
		}
		name, value, ok := strings.Cut(line, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		if !ok || name == "" {
			return nil, "", c.refuse(malformedChunked("a trailer is not of the form name:value"))
		}
		if name == trailerSignatureName {
			signature = value
			continue
		}
		if _, dup := trailers[name]; dup {
			return nil, "", c.refuse(malformedChunked("a trailer is repeated"))
		}
		trailers[name] = value
	}
}

// readHeader reads and parses a chunk header line.
func (c *chunkedReader) readHeader() (chunkHeader, error) {
	line, err := c.readLine()
	if err == io.EOF {
		return chunkHeader{}, c.refuse(incompleteBody())
	}
	if err != nil {
		return chunkHeader{}, err
	}
	h, e := parseChunkHeader(line)
	if e != nil {
		return chunkHeader{}, c.refuse(e)
	}
	if c.signer != nil && h.signature == "" {
		return chunkHeader{}, c.refuse(errChunkSignatureMismatch)
	}
	return h, nil
}

// parseChunkHeader parses "<hex size>[;chunk-signature=<hex>][;...]".
func parseChunkHeader(line string) (chunkHeader, *s3err.Error) {
	sizeField, extensions, _ := strings.Cut(line, ";")
	sizeField = strings.TrimSpace(sizeField)
	if sizeField == "" || len(sizeField) > 16 {
		return chunkHeader{}, malformedChunked("a chunk size is missing or too long")
	}
	size, err := strconv.ParseUint(sizeField, 16, 64)
	if err != nil {
		return chunkHeader{}, malformedChunked("a chunk size is not hexadecimal")
	}
	if size > maxChunkSize {
		return chunkHeader{}, malformedChunked("a chunk is larger than 16 MiB")
	}
	h := chunkHeader{size: int(size)}
	for _, ext := range strings.Split(extensions, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(ext), "=")
		if name != "chunk-signature" {
			continue
		}
		if !isHex(value, 64) {
			return chunkHeader{}, malformedChunked("a chunk signature is not 64 hexadecimal digits")
		}
		h.signature = strings.ToLower(value)
	}
	return h, nil
}

// readLine reads one line without its line end. A last line cut short by
// the end of the body is returned as it is; the next call gets io.EOF.
func (c *chunkedReader) readLine() (string, error) {
	line, err := c.src.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return "", c.refuse(malformedChunked("a chunk header or trailer line is too long"))
	case err == io.EOF && len(line) == 0:
		return "", io.EOF
	case err != nil && err != io.EOF:
		return "", c.sourceError(err)
	}
	s := strings.TrimSuffix(string(line), "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

// expectLineEnd reads the CRLF that ends a chunk's data.
func (c *chunkedReader) expectLineEnd() error {
	line, err := c.readLine()
	if err == io.EOF {
		return c.refuse(incompleteBody())
	}
	if err != nil {
		return err
	}
	if line != "" {
		return c.refuse(malformedChunked("a chunk is longer than its size"))
	}
	return nil
}

// sourceError is the error for a failed read of the encoded body: a body
// that ends early is refused; a verification failure below (the payload
// hash) is passed on; anything else is the connection's.
func (c *chunkedReader) sourceError(err error) error {
	var e *s3err.Error
	switch {
	case errors.As(err, &e):
		return e
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return c.refuse(incompleteBody())
	}
	return err
}

// refuse reports e as the request's refusal and returns it.
func (c *chunkedReader) refuse(e *s3err.Error) error {
	c.guard.fail(e)
	return e
}

var errTooMuchChunkedData = invalidRequest("The aws-chunked body holds more data than x-amz-decoded-content-length.")

func malformedChunked(detail string) *s3err.Error {
	return invalidRequest("The aws-chunked body is malformed: " + detail + ".")
}

// chunkedBody is a request body read through a chunkedReader.
type chunkedBody struct {
	*chunkedReader
	closer io.Closer
}

func (b *chunkedBody) Close() error { return b.closer.Close() }
