package e2e

// Raw S3 requests for the negative matrix, signed (or mis-signed) as a
// client would: SigV4 in the Authorization header, presigned URLs, and
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD bodies with their chunk signatures.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	sigRegion        = "us-east-1"
	streamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	unsignedTrailer  = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	unsignedPayload  = "UNSIGNED-PAYLOAD"
	// streamChunkSize is the data size of each aws-chunked chunk but the
	// last, as the SDKs send them.
	streamChunkSize = 64 << 10
)

// rawRoute is one S3 operation as a raw request.
type rawRoute struct {
	name      string
	method    string
	path      string // escaped, starting with "/"
	query     url.Values
	header    http.Header // headers of the operation itself (signed)
	body      []byte
	streaming bool // the operation takes an aws-chunked body (PutObject, UploadPart)
	okStatus  int  // the status of the request correctly signed
}

// url is the route's URL on endpoint.
func (r rawRoute) url(endpoint string) string {
	u := endpoint + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	return u
}

// request is the route's request to endpoint, unsigned.
func (r rawRoute) request(t *testing.T, endpoint string) *http.Request {
	t.Helper()
	return r.requestTo(t, r.url(endpoint), r.body)
}

func (r rawRoute) requestTo(t *testing.T, u string, body []byte) *http.Request {
	t.Helper()
	var rd io.Reader = http.NoBody
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(r.method, u, rd)
	if err != nil {
		t.Fatalf("build %s %s: %v", r.method, u, err)
	}
	for k, vs := range r.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	return req
}

// creds is a key pair a request is signed with.
type creds struct{ ak, sk string }

func (c creds) aws() aws.Credentials {
	return aws.Credentials{AccessKeyID: c.ak, SecretAccessKey: c.sk}
}

func newSigner() *v4.Signer {
	return v4.NewSigner(func(o *v4.SignerOptions) {
		// S3 signs the path as sent, and keeps x-amz-* headers of a
		// presigned request as headers.
		o.DisableURIPathEscaping = true
		o.DisableHeaderHoisting = true
	})
}

// sign signs req in its Authorization header at time at, claiming
// payloadHash as the body's hash.
func sign(t *testing.T, req *http.Request, c creds, payloadHash string, at time.Time) {
	t.Helper()
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	if err := newSigner().SignHTTP(context.Background(), c.aws(), req, payloadHash, "s3", sigRegion, at); err != nil {
		t.Fatalf("sign %s %s: %v", req.Method, req.URL, err)
	}
}

// signedRequest is the route's request signed with c at time at, its body
// hash claimed honestly.
func signedRequest(t *testing.T, r rawRoute, endpoint string, c creds, at time.Time) *http.Request {
	t.Helper()
	req := r.request(t, endpoint)
	sign(t, req, c, sha256Hex(r.body), at)
	return req
}

// presign returns a presigned URL for the route, signed at time at and
// valid for expires; its payload is unsigned, as with every presigned URL.
func presign(t *testing.T, r rawRoute, endpoint string, c creds, at time.Time, expires time.Duration) string {
	t.Helper()
	req := r.request(t, endpoint)
	q := req.URL.Query()
	q.Set("X-Amz-Expires", strconv.Itoa(int(expires/time.Second)))
	req.URL.RawQuery = q.Encode()
	u, _, err := newSigner().PresignHTTP(context.Background(), c.aws(), req, unsignedPayload, "s3", sigRegion, at)
	if err != nil {
		t.Fatalf("presign %s %s: %v", r.method, r.path, err)
	}
	return u
}

// chunkTamper says what to spoil in an aws-chunked body.
type chunkTamper int

const (
	chunkIntact chunkTamper = iota
	// chunkBadSignature flips a digit of the last data chunk's signature.
	chunkBadSignature
	// chunkBadData flips a byte of the first chunk's data, signature kept.
	chunkBadData
)

// streamingRequest is the route's request with its body sent as a
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD body, the chunk signatures chained
// from the request's own signature.
func streamingRequest(t *testing.T, r rawRoute, endpoint string, c creds, at time.Time, tamper chunkTamper) *http.Request {
	t.Helper()
	req := r.requestTo(t, r.url(endpoint), nil)
	// The framing's length does not depend on the signatures' values.
	encodedLen := len(encodeChunks(r.body, chunkSigner{}, "", chunkIntact))
	req.ContentLength = int64(encodedLen)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(r.body)))
	sign(t, req, c, streamingPayload, at)
	seed := authSignature(t, req)
	cs := chunkSigner{key: signingKey(c.sk, at, sigRegion), amzDate: at.UTC().Format("20060102T150405Z"),
		scope: at.UTC().Format("20060102") + "/" + sigRegion + "/s3/aws4_request"}
	body := encodeChunks(r.body, cs, seed, tamper)
	if len(body) != encodedLen {
		t.Fatalf("aws-chunked body of %d bytes, announced %d", len(body), encodedLen)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return req
}

// trailerRequest is the route's request with its body sent as a
// STREAMING-UNSIGNED-PAYLOAD-TRAILER body (what aws-sdk-go-v2 sends by
// default over HTTPS): unsigned chunks, then a CRC32 trailer, computed over
// other bytes if wrongChecksum.
func trailerRequest(t *testing.T, r rawRoute, endpoint string, c creds, at time.Time, wrongChecksum bool) *http.Request {
	t.Helper()
	summed := r.body
	if wrongChecksum {
		summed = append([]byte("not the body:"), r.body...)
	}
	crc := make([]byte, 4)
	binary.BigEndian.PutUint32(crc, crc32.ChecksumIEEE(summed))
	var b bytes.Buffer
	for off := 0; off < len(r.body); off += streamChunkSize {
		chunk := r.body[off:min(off+streamChunkSize, len(r.body))]
		fmt.Fprintf(&b, "%x\r\n", len(chunk))
		b.Write(chunk)
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "0\r\nx-amz-checksum-crc32:%s\r\n\r\n", base64.StdEncoding.EncodeToString(crc))
	body := b.Bytes()
	req := r.requestTo(t, r.url(endpoint), body)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(r.body)))
	req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	sign(t, req, c, unsignedTrailer, at)
	return req
}

// authSignature is the Signature of a signed request's Authorization.
func authSignature(t *testing.T, req *http.Request) string {
	t.Helper()
	_, sig, ok := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	if !ok || len(sig) != 64 {
		t.Fatalf("no signature in %q", req.Header.Get("Authorization"))
	}
	return sig
}

// chunkSigner signs the chunks of one body.
type chunkSigner struct {
	key     []byte
	amzDate string
	scope   string
}

func (s chunkSigner) sign(prev string, data []byte) string {
	if s.key == nil {
		return strings.Repeat("0", 64)
	}
	sts := strings.Join([]string{"AWS4-HMAC-SHA256-PAYLOAD", s.amzDate, s.scope, prev, sha256Hex(nil), sha256Hex(data)}, "\n")
	return hex.EncodeToString(hmacSHA256(s.key, sts))
}

// encodeChunks frames data as aws-chunked: chunks of streamChunkSize, a
// short last one, and the final empty chunk, each signed in a chain from
// seed.
func encodeChunks(data []byte, s chunkSigner, seed string, tamper chunkTamper) []byte {
	var chunks [][]byte
	for off := 0; off < len(data); off += streamChunkSize {
		chunks = append(chunks, data[off:min(off+streamChunkSize, len(data))])
	}
	chunks = append(chunks, nil)
	var b bytes.Buffer
	prev := seed
	for i, chunk := range chunks {
		sig := s.sign(prev, chunk)
		prev = sig
		sent := chunk
		switch {
		case tamper == chunkBadSignature && i == len(chunks)-2:
			sig = flipHex(sig)
		case tamper == chunkBadData && i == 0 && len(chunk) > 0:
			sent = append([]byte(nil), chunk...)
			sent[len(sent)/2] ^= 0x01
		}
		fmt.Fprintf(&b, "%x;chunk-signature=%s\r\n", len(sent), sig)
		b.Write(sent)
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// signingKey derives SigV4's signing key for a day and region.
func signingKey(secret string, at time.Time, region string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), at.UTC().Format("20060102"))
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, "s3")
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func contentMD5(b []byte) string {
	h := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(h[:])
}

// flipHex changes the last digit of a hex string.
func flipHex(s string) string {
	last := s[len(s)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return s[:len(s)-1] + string(repl)
}

// s3Answer is a response's status and S3 error code.
type s3Answer struct {
	Status int
	Code   string
	Body   string
}

func (a s3Answer) String() string {
	if a.Code != "" {
		return fmt.Sprintf("%d %s", a.Status, a.Code)
	}
	return strconv.Itoa(a.Status)
}

var rawClient = &http.Client{
	Timeout: time.Minute,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// send sends req and reads the answer's status and error code.
func send(t *testing.T, hc *http.Client, req *http.Request) s3Answer {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read the answer: %v", req.Method, req.URL, err)
	}
	a := s3Answer{Status: resp.StatusCode, Body: string(body)}
	var doc struct {
		XMLName xml.Name `xml:"Error"`
		Code    string   `xml:"Code"`
	}
	if resp.StatusCode >= 300 && xml.Unmarshal(body, &doc) == nil {
		a.Code = doc.Code
	}
	return a
}
