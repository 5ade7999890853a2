package s3auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/internal/sigv4"
)

// chunkedEncoder frames data as aws-chunked, as a client would. It signs
// with its own code, apart from the decoder's.
type chunkedEncoder struct {
	chunkSize int
	// Signing, when key is set: the chain starts from prev (the seed).
	key                   []byte
	amzDate, scope, prev  string
	trailerAlg            string // checksum trailer, "" for none
	trailerValue          string // overrides the computed checksum
	signTrailer           bool
	tamperChunk           int // 1-based chunk whose first byte is flipped after signing; 0 for none
	tamperSignature       int // 1-based chunk whose signature is replaced; 0 for none
	tamperTrailerSigature bool
}

func testHMAC(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// testKey derives a SigV4 signing key, apart from the code under test.
func testKey(secret string, t time.Time, region string) []byte {
	k := testHMAC([]byte("AWS4"+secret), t.UTC().Format("20060102"))
	k = testHMAC(k, region)
	k = testHMAC(k, "s3")
	return testHMAC(k, "aws4_request")
}

func (e chunkedEncoder) encode(data []byte) []byte {
	var b bytes.Buffer
	sign := func(s string) string { return hex.EncodeToString(testHMAC(e.key, s)) }
	n := 0
	writeChunk := func(c []byte) {
		n++
		if e.key == nil {
			fmt.Fprintf(&b, "%x\r\n", len(c))
		} else {
			e.prev = sign(strings.Join([]string{"AWS4-HMAC-SHA256-PAYLOAD", e.amzDate, e.scope, e.prev,
				sha256Hex(nil), sha256Hex(c)}, "\n"))
			sig := e.prev
			if n == e.tamperSignature {
				sig = strings.Repeat("0", 64)
			}
			fmt.Fprintf(&b, "%x;chunk-signature=%s\r\n", len(c), sig)
		}
		start := b.Len()
		b.Write(c)
		if n == e.tamperChunk && len(c) > 0 {
			b.Bytes()[start] ^= 1
		}
		if e.trailerAlg == "" || len(c) > 0 {
			b.WriteString("\r\n")
		}
	}
	for off := 0; off < len(data); off += e.chunkSize {
		writeChunk(data[off:min(off+e.chunkSize, len(data))])
	}
	writeChunk(nil)
	if e.trailerAlg != "" {
		value := e.trailerValue
		if value == "" {
			h := checksumAlgorithms[e.trailerAlg]()
			h.Write(data)
			value = base64.StdEncoding.EncodeToString(h.Sum(nil))
		}
		line := "x-amz-checksum-" + e.trailerAlg + ":" + value
		b.WriteString(line + "\r\n")
		if e.signTrailer {
			sig := sign("AWS4-HMAC-SHA256-TRAILER\n" + e.amzDate + "\n" + e.scope + "\n" + e.prev + "\n" + sha256Hex([]byte(line+"\n")))
			if e.tamperTrailerSigature {
				sig = strings.Repeat("1", 64)
			}
			b.WriteString("x-amz-trailer-signature:" + sig + "\r\n")
		}
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// awsChunkExample is the request of AWS's chunked upload example: 66560
// bytes of 'a' in a 64 KiB and a 1 KiB chunk.
func awsChunkExample(trailer bool) *http.Request {
	a := bytes.Repeat([]byte("a"), 1<<16)
	body := "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n" + string(a) + "\r\n" +
		"400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n" + string(a[:1024]) + "\r\n" +
		"0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"
	signedHeaders := "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class"
	seed := "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
	mode := streamingSigned
	if trailer {
		body = "10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n" + string(a) + "\r\n" +
			"400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n" + string(a[:1024]) + "\r\n" +
			"0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n" +
			"x-amz-checksum-crc32c:sOO8/Q==\r\n" +
			"x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n"
		signedHeaders = "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer"
		seed = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
		mode = streamingSignedTrailer
	}
	r := httptest.NewRequest("PUT", "https://s3.amazonaws.com/examplebucket/chunkObject.txt", strings.NewReader(body))
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	r.Header.Set("X-Amz-Content-Sha256", mode)
	r.Header.Set("X-Amz-Date", "20130524T000000Z")
	r.Header.Set("X-Amz-Decoded-Content-Length", "66560")
	r.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	if trailer {
		r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32c")
	}
	r.Header.Set("Authorization", awsAuthorization(signedHeaders, seed))
	return r
}

func TestChunkedAWSDocumentedExamples(t *testing.T) {
	for _, trailer := range []bool{false, true} {
		t.Run(fmt.Sprintf("trailer=%v", trailer), func(t *testing.T) {
			r := awsChunkExample(trailer)
			signed, e := awsDocumentedVerifier().verify(r)
			if e != nil {
				t.Fatalf("seed signature refused: %v", e)
			}
			guard := &bodyGuard{}
			r2, e := decodeChunked(r, signed, guard)
			if e != nil {
				t.Fatal(e)
			}
			got, err := io.ReadAll(r2.Body)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, bytes.Repeat([]byte("a"), 66560)) {
				t.Fatalf("decoded %d bytes, not the 66560 'a' sent", len(got))
			}
			if r2.ContentLength != 66560 || r2.Header.Get("Content-Length") != "66560" {
				t.Fatalf("length %d / %q", r2.ContentLength, r2.Header.Get("Content-Length"))
			}
			for _, h := range []string{"Content-Encoding", "X-Amz-Decoded-Content-Length", "X-Amz-Trailer"} {
				if v, ok := r2.Header[h]; ok {
					t.Errorf("%s still set: %q", h, v)
				}
			}
			if got := r2.Header.Get("X-Amz-Content-Sha256"); got != sigv4.UnsignedPayload {
				t.Errorf("X-Amz-Content-Sha256 %q", got)
			}
			if c := guard.verifiedChecksum(); trailer && (c.name != "x-amz-checksum-crc32c" || c.value != "sOO8/Q==") {
				t.Errorf("verified checksum %+v", c)
			}
		})
	}
}

// decodeWith runs a body through the decoder for a request signed with
// the test key, and returns what it handed on and how reading ended.
func decodeWith(t *testing.T, mode string, header http.Header, body []byte, seed string, at time.Time) ([]byte, *bodyGuard, error) {
	t.Helper()
	r := httptest.NewRequest("PUT", "http://127.0.0.1/bucket/key", bytes.NewReader(body))
	for k, v := range header {
		r.Header[k] = v
	}
	signed := &signedRequest{
		signingKey:  testKey(testSecretKey, at, testRegion),
		amzDate:     at.UTC().Format(sigv4.AmzDateFormat),
		scope:       at.UTC().Format("20060102") + "/" + testRegion + "/s3/aws4_request",
		signature:   seed,
		payloadHash: mode,
	}
	guard := &bodyGuard{}
	r2, e := decodeChunked(r, signed, guard)
	if e != nil {
		return nil, guard, e
	}
	var out bytes.Buffer
	_, err := io.Copy(&out, r2.Body)
	return out.Bytes(), guard, err
}

func TestChunkedDecoder(t *testing.T) {
	at := time.Now()
	data := payload(200_000, 7)
	seed := strings.Repeat("ab", 32)
	signer := func() chunkedEncoder {
		return chunkedEncoder{
			chunkSize: 65536,
			key:       testKey(testSecretKey, at, testRegion),
			amzDate:   at.UTC().Format(sigv4.AmzDateFormat),
			scope:     at.UTC().Format("20060102") + "/" + testRegion + "/s3/aws4_request",
			prev:      seed,
		}
	}
	headers := func(decoded int, trailer string) http.Header {
		h := http.Header{"X-Amz-Decoded-Content-Length": {strconv.Itoa(decoded)}, "Content-Encoding": {"aws-chunked"}}
		if trailer != "" {
			h.Set("X-Amz-Trailer", trailer)
		}
		return h
	}
	for _, tc := range []struct {
		name   string
		mode   string
		header http.Header
		body   []byte
		code   string // "" for success
	}{
		{"unsigned crc32 trailer", streamingUnsignedTrailer, headers(len(data), "x-amz-checksum-crc32"),
			chunkedEncoder{chunkSize: 8192, trailerAlg: "crc32"}.encode(data), ""},
		{"unsigned crc32c trailer, odd chunks", streamingUnsignedTrailer, headers(len(data), "x-amz-checksum-crc32c"),
			chunkedEncoder{chunkSize: 7777, trailerAlg: "crc32c"}.encode(data), ""},
		{"unsigned crc64nvme trailer", streamingUnsignedTrailer, headers(len(data), "x-amz-checksum-crc64nvme"),
			chunkedEncoder{chunkSize: 65536, trailerAlg: "crc64nvme"}.encode(data), ""},
		{"unsigned sha1 trailer", streamingUnsignedTrailer, headers(len(data), "x-amz-checksum-sha1"),
			chunkedEncoder{chunkSize: 65536, trailerAlg: "sha1"}.encode(data), ""},
		{"unsigned sha256 trailer", streamingUnsignedTrailer, headers(len(data), "x-amz-checksum-sha256"),
			chunkedEncoder{chunkSize: 1 << 20, trailerAlg: "sha256"}.encode(data), ""},
		{"unsigned without trailer", streamingUnsignedTrailer, headers(len(data), ""),
			chunkedEncoder{chunkSize: 65536}.encode(data), ""},
		{"aws-chunked with UNSIGNED-PAYLOAD", sigv4.UnsignedPayload, headers(len(data), ""),
			chunkedEncoder{chunkSize: 65536}.encode(data), ""},
		{"empty body with trailer", streamingUnsignedTrailer, headers(0, "x-amz-checksum-crc32"),
			chunkedEncoder{chunkSize: 65536, trailerAlg: "crc32"}.encode(nil), ""},
		{"signed", streamingSigned, headers(len(data), ""), signer().encode(data), ""},
		{"signed trailer", streamingSignedTrailer, headers(len(data), "x-amz-checksum-sha256"),
			func() []byte { e := signer(); e.trailerAlg, e.signTrailer = "sha256", true; return e.encode(data) }(), ""},

		{"wrong trailing checksum", streamingUnsignedTrailer, headers(len(data), "x-amz-checksum-crc32"),
			chunkedEncoder{chunkSize: 8192, trailerAlg: "crc32", trailerValue: "AAAAAA=="}.encode(data), "BadDigest"},
		{"tampered data, unsigned", streamingUnsignedTrailer, headers(len(data), "x-amz-checksum-sha256"),
			chunkedEncoder{chunkSize: 8192, trailerAlg: "sha256", tamperChunk: 3}.encode(data), "BadDigest"},
		{"trailing checksum not base64", streamingUnsignedTrailer, headers(len(data), "x-amz-checksum-crc32"),
			chunkedEncoder{chunkSize: 8192, trailerAlg: "crc32", trailerValue: "!!!"}.encode(data), "InvalidRequest"},
		{"declared trailer not sent", streamingUnsignedTrailer, headers(len(data), "x-amz-checksum-crc32"),
			chunkedEncoder{chunkSize: 8192}.encode(data), "InvalidRequest"},
		{"undeclared trailer", streamingUnsignedTrailer, headers(len(data), ""),
			chunkedEncoder{chunkSize: 8192, trailerAlg: "crc32"}.encode(data), "InvalidRequest"},
		{"unsupported trailer", streamingUnsignedTrailer, headers(len(data), "x-amz-checksum-md5"),
			chunkedEncoder{chunkSize: 8192}.encode(data), "InvalidArgument"},
		{"tampered chunk data", streamingSigned, headers(len(data), ""),
			func() []byte { e := signer(); e.tamperChunk = 2; return e.encode(data) }(), "SignatureDoesNotMatch"},
		{"tampered chunk signature", streamingSigned, headers(len(data), ""),
			func() []byte { e := signer(); e.tamperSignature = 1; return e.encode(data) }(), "SignatureDoesNotMatch"},
		{"tampered final chunk signature", streamingSigned, headers(len(data), ""),
			func() []byte { e := signer(); e.tamperSignature = 5; return e.encode(data) }(), "SignatureDoesNotMatch"},
		{"chunks signed with another seed", streamingSigned, headers(len(data), ""),
			func() []byte { e := signer(); e.prev = strings.Repeat("cd", 32); return e.encode(data) }(), "SignatureDoesNotMatch"},
		{"unsigned chunks in a signed stream", streamingSigned, headers(len(data), ""),
			chunkedEncoder{chunkSize: 65536}.encode(data), "SignatureDoesNotMatch"},
		{"tampered trailer signature", streamingSignedTrailer, headers(len(data), "x-amz-checksum-crc32"),
			func() []byte {
				e := signer()
				e.trailerAlg, e.signTrailer, e.tamperTrailerSigature = "crc32", true, true
				return e.encode(data)
			}(), "SignatureDoesNotMatch"},
		{"missing trailer signature", streamingSignedTrailer, headers(len(data), "x-amz-checksum-crc32"),
			func() []byte { e := signer(); e.trailerAlg = "crc32"; return e.encode(data) }(), "SignatureDoesNotMatch"},
		{"decoded length too small", streamingUnsignedTrailer, headers(len(data)-1, ""),
			chunkedEncoder{chunkSize: 65536}.encode(data), "InvalidRequest"},
		{"decoded length too large", streamingUnsignedTrailer, headers(len(data)+1, ""),
			chunkedEncoder{chunkSize: 65536}.encode(data), "IncompleteBody"},
		{"no decoded length", streamingUnsignedTrailer, http.Header{},
			chunkedEncoder{chunkSize: 65536}.encode(data), "MissingContentLength"},
		{"bad decoded length", streamingUnsignedTrailer, headers(-1, ""),
			chunkedEncoder{chunkSize: 65536}.encode(data), "InvalidArgument"},
		{"truncated", streamingUnsignedTrailer, headers(len(data), ""),
			chunkedEncoder{chunkSize: 65536}.encode(data)[:100_000], "IncompleteBody"},
		{"no final chunk", streamingUnsignedTrailer, headers(len(data), ""),
			bytes.TrimSuffix(chunkedEncoder{chunkSize: 65536}.encode(data), []byte("0\r\n\r\n")), "IncompleteBody"},
		{"data after the end", streamingUnsignedTrailer, headers(len(data), ""),
			append(chunkedEncoder{chunkSize: 65536}.encode(data), "junk"...), "InvalidRequest"},
		{"chunk longer than its size", streamingUnsignedTrailer, headers(3, ""),
			[]byte("3\r\nabcd\r\n0\r\n\r\n"), "InvalidRequest"},
		{"size not hex", streamingUnsignedTrailer, headers(3, ""),
			[]byte("xyz\r\nabc\r\n0\r\n\r\n"), "InvalidRequest"},
		{"chunk over 16 MiB", streamingUnsignedTrailer, headers(32<<20, ""),
			[]byte("2000000\r\nabc"), "InvalidRequest"},
		{"header line too long", streamingUnsignedTrailer, headers(3, ""),
			[]byte("3;" + strings.Repeat("x", 10000) + "\r\nabc\r\n0\r\n\r\n"), "InvalidRequest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, guard, err := decodeWith(t, tc.mode, tc.header, tc.body, seed, at)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				want := data
				if tc.header.Get("X-Amz-Decoded-Content-Length") == "0" {
					want = nil
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("decoded %d bytes, not the %d sent", len(got), len(want))
				}
				return
			}
			var e *s3err.Error
			if !errors.As(err, &e) || e.Code != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
			if len(got) >= len(data) {
				t.Fatalf("handed on all %d bytes of a body that fails", len(got))
			}
			if f := guard.failed(); f != nil && f.Code != tc.code {
				t.Fatalf("guard recorded %v, want %s", f, tc.code)
			}
		})
	}
}

func TestChunkedHoldsBackLastChunkUntilVerified(t *testing.T) {
	data := payload(10*8192, 3)
	body := chunkedEncoder{chunkSize: 8192, trailerAlg: "crc32", trailerValue: "AAAAAA=="}.encode(data)
	r := httptest.NewRequest("PUT", "http://127.0.0.1/b/k", bytes.NewReader(body))
	r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
	r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	guard := &bodyGuard{}
	r2, e := decodeChunked(r, &signedRequest{payloadHash: streamingUnsignedTrailer}, guard)
	if e != nil {
		t.Fatal(e)
	}
	// A reader that stops at the declared length, as a backend PUT of
	// known length does, gets the error before its last byte.
	got, err := io.ReadAll(io.LimitReader(r2.Body, r2.ContentLength))
	if err == nil || len(got) != len(data)-8192 {
		t.Fatalf("read %d of %d bytes, error %v; want all but the last chunk and BadDigest", len(got), len(data), err)
	}
	if f := guard.failed(); f == nil || f.Code != "BadDigest" {
		t.Fatalf("guard recorded %v", f)
	}
}

func TestChunkedHexPayloadHashCoversFraming(t *testing.T) {
	at := time.Now()
	data := payload(50_000, 9)
	body := chunkedEncoder{chunkSize: 10_000}.encode(data)
	h := http.Header{"Content-Encoding": {"aws-chunked"}, "X-Amz-Decoded-Content-Length": {strconv.Itoa(len(data))}}
	got, _, err := decodeWith(t, sha256Hex(body), h, body, "", at)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("decoded %d bytes, error %v", len(got), err)
	}
	got, _, err = decodeWith(t, sha256Hex(append(body, 'x')), h, body, "", at)
	var e *s3err.Error
	if !errors.As(err, &e) || e.Code != "XAmzContentSHA256Mismatch" || len(got) >= len(data) {
		t.Fatalf("decoded %d bytes, error %v; want XAmzContentSHA256Mismatch before the end", len(got), err)
	}
}

func TestChunkedContentEncodingRewrite(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"aws-chunked"}, ""},
		{[]string{"gzip,aws-chunked"}, "gzip"},
		{[]string{"aws-chunked, gzip"}, "gzip"},
		{[]string{"AWS-Chunked", "br, deflate"}, "br, deflate"},
	} {
		if got := withoutAWSChunked(tc.in); got != tc.want {
			t.Errorf("withoutAWSChunked(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestChunkedTrailerChecksumReachesHandler checks that the handler behind
// learns the verified trailing checksum once it has read the body, and
// that the response echoes it as S3's does.
func TestChunkedTrailerChecksumReachesHandler(t *testing.T) {
	auth, err := newWith(Config{Credentials: map[string]string{testAccessKey: testSecretKey}}, time.Hour, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer auth.Close()
	var before, after string
	var got []byte
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		before, _ = BodyChecksum(r.Context())
		got, _ = io.ReadAll(r.Body)
		name, value := BodyChecksum(r.Context())
		after = name + ":" + value
	})
	srv := httptest.NewServer(auth.Middleware(handler))
	defer srv.Close()
	f := &authFixture{t: t, srv: srv}
	data := payload(100_000, 3)
	resp := f.do(f.streamingRequest("k", data, streamingUnsignedTrailer, chunkedEncoder{chunkSize: 65536, trailerAlg: "crc32c"}, false, time.Now()))
	h := checksumAlgorithms["crc32c"]()
	h.Write(data)
	want := base64.StdEncoding.EncodeToString(h.Sum(nil))
	if resp.StatusCode != 200 || !bytes.Equal(got, data) {
		t.Fatalf("status %d, handler read %d bytes of %d", resp.StatusCode, len(got), len(data))
	}
	if before != "" || after != "x-amz-checksum-crc32c:"+want {
		t.Fatalf("checksum before the body %q, after %q; want none, then %s", before, after, want)
	}
	if echoed := resp.Header.Get("X-Amz-Checksum-Crc32c"); echoed != want {
		t.Fatalf("response echoes %q, want %q", echoed, want)
	}
}
