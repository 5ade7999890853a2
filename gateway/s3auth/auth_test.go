package s3auth

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
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
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ringside/ringside/internal/sigv4"
)

// streamingRequest makes an aws-chunked PUT of data signed at the given
// time: the headers by the SDK's signer, the chunks by enc (whose key,
// scope and seed it fills in). With length false the body goes with
// Transfer-Encoding: chunked.
func (f *authFixture) streamingRequest(key string, data []byte, mode string, enc chunkedEncoder, length bool, at time.Time) *http.Request {
	f.t.Helper()
	req, err := http.NewRequest("PUT", f.url(key), nil)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
	if enc.trailerAlg != "" {
		req.Header.Set("X-Amz-Trailer", "x-amz-checksum-"+enc.trailerAlg)
		req.Header.Set("X-Amz-Sdk-Checksum-Algorithm", strings.ToUpper(enc.trailerAlg))
	}
	if mode == streamingSigned || mode == streamingSignedTrailer {
		enc.key = testKey(testSecretKey, at, testRegion)
		enc.amzDate = at.UTC().Format(sigv4.AmzDateFormat)
		enc.scope = at.UTC().Format("20060102") + "/" + testRegion + "/s3/aws4_request"
		enc.prev = strings.Repeat("0", 64)
	}
	// Signatures have a fixed length, so a dummy encoding has the length.
	size := len(enc.encode(data))
	req.ContentLength = -1
	if length {
		req.ContentLength = int64(size)
	}
	signRequest(f.t, req, testAccessKey, testSecretKey, mode, at)
	enc.prev = seedSignature(req)
	body := enc.encode(data)
	if len(body) != size {
		f.t.Fatalf("encoded %d bytes, expected %d", len(body), size)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	return req
}

// presign presigns a request with the SDK's presign client.
func (f *authFixture) presign(method, key string, expires time.Duration) (string, http.Header) {
	f.t.Helper()
	pc := s3.NewPresignClient(f.client(testAccessKey, testSecretKey), func(o *s3.PresignOptions) { o.Expires = expires })
	ctx := context.Background()
	var (
		url    string
		header http.Header
	)
	switch method {
	case "GET":
		r, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
		if err != nil {
			f.t.Fatal(err)
		}
		url, header = r.URL, r.SignedHeader
	case "PUT":
		r, err := pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
		if err != nil {
			f.t.Fatal(err)
		}
		url, header = r.URL, r.SignedHeader
	}
	return url, header
}

// presignedRequest makes a request from a presigned URL.
func presignedRequest(t *testing.T, method, url string, header http.Header, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	for k, v := range header {
		if !strings.EqualFold(k, "host") {
			req.Header[k] = v
		}
	}
	return req
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func md5B64(b []byte) string {
	sum := md5.Sum(b)
	return b64(sum[:])
}

func crc32B64(b []byte) string {
	h := crc32.NewIEEE()
	h.Write(b)
	return b64(h.Sum(nil))
}

// TestAuthNegativeMatrix sends requests that must be refused, and checks
// the S3 error, that the handler behind never got a complete body, and
// that nothing was written.
func TestAuthNegativeMatrix(t *testing.T) {
	f := newAuthFixture(t, fixtureOptions{})
	data := payload(300_000, 11)
	other := payload(300_000, 12)
	now := time.Now()
	for _, tc := range []struct {
		name   string
		key    string
		req    func(key string) *http.Request
		status int
		code   string
	}{
		{"no signature", "anon", func(key string) *http.Request {
			r, _ := http.NewRequest("PUT", f.url(key), bytes.NewReader(data))
			return r
		}, 403, "AccessDenied"},
		{"wrong secret", "wrong-secret", func(key string) *http.Request {
			r := f.signedRequest("PUT", f.url(key), data, sha256Hex(data), now, nil)
			signRequest(t, r, testAccessKey, "not-the-secret", sha256Hex(data), now)
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"unknown key", "unknown-key", func(key string) *http.Request {
			r := f.signedRequest("PUT", f.url(key), data, sha256Hex(data), now, nil)
			signRequest(t, r, "AKIDNOSUCHKEY", testSecretKey, sha256Hex(data), now)
			return r
		}, 403, "InvalidAccessKeyId"},
		{"tampered header", "tampered-header", func(key string) *http.Request {
			r := f.signedRequest("PUT", f.url(key), data, sha256Hex(data), now, http.Header{"X-Amz-Meta-Owner": {"alice"}})
			r.Header.Set("X-Amz-Meta-Owner", "mallory")
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"tampered path", "tampered-path", func(key string) *http.Request {
			r := f.signedRequest("PUT", f.url("elsewhere"), data, sha256Hex(data), now, nil)
			r.URL.Path = "/" + testBucket + "/" + key
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"unsigned x-amz header", "unsigned-header", func(key string) *http.Request {
			r := f.signedRequest("PUT", f.url(key), data, sha256Hex(data), now, nil)
			r.Header.Set("X-Amz-Meta-Extra", "smuggled")
			return r
		}, 403, "AccessDenied"},
		{"clock 20 minutes slow", "skewed", func(key string) *http.Request {
			return f.signedRequest("PUT", f.url(key), data, sha256Hex(data), now.Add(-20*time.Minute), nil)
		}, 403, "RequestTimeTooSkewed"},
		{"tampered presigned URL", "presigned-tampered", func(key string) *http.Request {
			u, h := f.presign("PUT", "presigned-other", time.Hour)
			return presignedRequest(t, "PUT", strings.Replace(u, "presigned-other", key, 1), h, data)
		}, 403, "SignatureDoesNotMatch"},
		{"presigned URL with a longer expiry", "presigned-expiry", func(key string) *http.Request {
			u, h := f.presign("PUT", key, time.Hour)
			return presignedRequest(t, "PUT", strings.Replace(u, "X-Amz-Expires=3600", "X-Amz-Expires=7200", 1), h, data)
		}, 403, "SignatureDoesNotMatch"},
		{"expired presigned URL", "presigned-expired", func(key string) *http.Request {
			req, _ := http.NewRequest("PUT", f.url(key)+"?X-Amz-Expires=3600", nil)
			signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
			u, h, err := signer.PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey},
				req, sigv4.UnsignedPayload, "s3", testRegion, now.Add(-61*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			return presignedRequest(t, "PUT", u, h, data)
		}, 403, "AccessDenied"},
		{"presigned PUT with an unsigned x-amz header", "presigned-copy", func(key string) *http.Request {
			u, h := f.presign("PUT", key, time.Hour)
			r := presignedRequest(t, "PUT", u, h, nil)
			r.Header.Set("X-Amz-Copy-Source", "/"+testBucket+"/anything")
			return r
		}, 403, "AccessDenied"},
		{"tampered chunk signature", "chunk-signature", func(key string) *http.Request {
			return f.streamingRequest(key, data, streamingSigned, chunkedEncoder{chunkSize: 65536, tamperSignature: 3}, true, now)
		}, 403, "SignatureDoesNotMatch"},
		{"tampered chunk data", "chunk-data", func(key string) *http.Request {
			return f.streamingRequest(key, data, streamingSignedTrailer,
				chunkedEncoder{chunkSize: 65536, trailerAlg: "crc32", signTrailer: true, tamperChunk: 4}, false, now)
		}, 403, "SignatureDoesNotMatch"},
		{"tampered trailer signature", "trailer-signature", func(key string) *http.Request {
			return f.streamingRequest(key, data, streamingSignedTrailer,
				chunkedEncoder{chunkSize: 65536, trailerAlg: "sha256", signTrailer: true, tamperTrailerSigature: true}, true, now)
		}, 403, "SignatureDoesNotMatch"},
		{"wrong payload hash", "payload-hash", func(key string) *http.Request {
			r := f.signedRequest("PUT", f.url(key), other, sha256Hex(other), now, nil)
			r.Body = io.NopCloser(bytes.NewReader(data))
			return r
		}, 400, "XAmzContentSHA256Mismatch"},
		{"wrong payload hash, small body", "payload-hash-small", func(key string) *http.Request {
			r := f.signedRequest("PUT", f.url(key), []byte("good"), sha256Hex([]byte("good")), now, nil)
			r.Body = io.NopCloser(strings.NewReader("evil"))
			return r
		}, 400, "XAmzContentSHA256Mismatch"},
		{"wrong trailing checksum", "trailing-checksum", func(key string) *http.Request {
			return f.streamingRequest(key, data, streamingUnsignedTrailer,
				chunkedEncoder{chunkSize: 65536, trailerAlg: "crc32", trailerValue: crc32B64(other)}, false, now)
		}, 400, "BadDigest"},
		{"wrong trailing checksum, signed", "trailing-checksum-signed", func(key string) *http.Request {
			return f.streamingRequest(key, data, streamingSignedTrailer,
				chunkedEncoder{chunkSize: 65536, trailerAlg: "crc32c", trailerValue: "AAAAAA==", signTrailer: true}, true, now)
		}, 400, "BadDigest"},
		{"wrong Content-MD5", "content-md5", func(key string) *http.Request {
			return f.signedRequest("PUT", f.url(key), data, sigv4.UnsignedPayload, now, http.Header{"Content-Md5": {md5B64(other)}})
		}, 400, "BadDigest"},
		{"malformed Content-MD5", "content-md5-malformed", func(key string) *http.Request {
			return f.signedRequest("PUT", f.url(key), data, sigv4.UnsignedPayload, now, http.Header{"Content-Md5": {"not base64"}})
		}, 400, "InvalidDigest"},
		{"wrong x-amz-checksum-crc32", "checksum-header", func(key string) *http.Request {
			return f.signedRequest("PUT", f.url(key), data, sigv4.UnsignedPayload, now, http.Header{"X-Amz-Checksum-Crc32": {crc32B64(other)}})
		}, 400, "BadDigest"},
		{"truncated aws-chunked body", "truncated", func(key string) *http.Request {
			r := f.streamingRequest(key, data, streamingUnsignedTrailer, chunkedEncoder{chunkSize: 65536}, false, now)
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body[:len(body)-100]))
			return r
		}, 400, "IncompleteBody"},
		{"SigV2", "sigv2", func(key string) *http.Request {
			r, _ := http.NewRequest("PUT", f.url(key), bytes.NewReader(data))
			r.Header.Set("Authorization", "AWS "+testAccessKey+":frJIUN8DYpKDtOLCwo//yllqDzg=")
			return r
		}, 400, "InvalidRequest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.sink.count()
			resp := f.do(tc.req(tc.key))
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if code := s3ErrorOf(t, resp); code != tc.code {
				t.Errorf("error %s, want %s", code, tc.code)
			}
			for _, rd := range f.sink.since(before) {
				if rd.method != "PUT" {
					continue
				}
				if rd.eof || rd.err == nil || rd.n >= int64(len(data)) {
					t.Errorf("the handler read %d bytes, eof %v, error %v: a complete body got through", rd.n, rd.eof, rd.err)
				}
			}
			if !f.missing(tc.key) {
				t.Errorf("object %s was written", tc.key)
			}
		})
	}
}

// TestAuthRefusedXMLBodyChangesNothing checks that a DeleteObjects whose
// body does not match its signed hash deletes nothing.
func TestAuthRefusedXMLBodyChangesNothing(t *testing.T) {
	f := newAuthFixture(t, fixtureOptions{})
	ctx := context.Background()
	cli := f.client(testAccessKey, testSecretKey)
	if _, err := cli.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(testBucket), Key: aws.String("keep"),
		Body: strings.NewReader("kept")}); err != nil {
		t.Fatal(err)
	}
	signedBody := []byte(`<Delete><Object><Key>kept</Key></Object></Delete>`)
	sentBody := []byte(`<Delete><Object><Key>keep</Key></Object></Delete>`)
	for _, tc := range []struct {
		name   string
		header http.Header
		hash   string
		code   string
	}{
		{"payload hash", nil, sha256Hex(signedBody), "XAmzContentSHA256Mismatch"},
		{"Content-MD5", http.Header{"Content-Md5": {md5B64(signedBody)}}, sigv4.UnsignedPayload, "BadDigest"},
		{"x-amz-checksum-crc32", http.Header{"X-Amz-Checksum-Crc32": {crc32B64(signedBody)}}, sigv4.UnsignedPayload, "BadDigest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.signedRequest("POST", f.srv.URL+"/"+testBucket+"?delete", signedBody, tc.hash, time.Now(), tc.header)
			r.Body = io.NopCloser(bytes.NewReader(sentBody))
			resp := f.do(r)
			if code := s3ErrorOf(t, resp); code != tc.code || resp.StatusCode != 400 {
				t.Fatalf("got %d %s, want 400 %s", resp.StatusCode, code, tc.code)
			}
			if f.missing("keep") {
				t.Fatal("a refused DeleteObjects deleted an object")
			}
		})
	}
}

func TestAuthPresignedExpiry(t *testing.T) {
	f := newAuthFixture(t, fixtureOptions{})
	data := payload(1000, 5)
	u, h := f.presign("PUT", "presigned", time.Minute)
	if resp := f.do(presignedRequest(t, "PUT", u, h, data)); resp.StatusCode != 200 {
		t.Fatalf("presigned PUT: %d %s", resp.StatusCode, s3ErrorOf(t, resp))
	}
	get, gh := f.presign("GET", "presigned", time.Minute)
	f.clock.shift(2 * time.Minute)
	resp := f.do(presignedRequest(t, "GET", get, gh, nil))
	if code := s3ErrorOf(t, resp); resp.StatusCode != 403 || code != "AccessDenied" {
		t.Fatalf("expired presigned GET: %d %s, want 403 AccessDenied", resp.StatusCode, code)
	}

	// Expiry is capped at seven days.
	q := mustQuery(t, get)
	q.Set("X-Amz-Expires", strconv.Itoa(7*24*3600+1))
	resp = f.do(presignedRequest(t, "GET", strings.Split(get, "?")[0]+"?"+q.Encode(), gh, nil))
	if code := s3ErrorOf(t, resp); resp.StatusCode != 400 || code != "AuthorizationQueryParametersError" {
		t.Fatalf("presigned URL for over a week: %d %s", resp.StatusCode, code)
	}
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// TestAuthPositiveMatrix round-trips objects through the authenticator
// with the clients' real encodings and compares every byte.
func TestAuthPositiveMatrix(t *testing.T) {
	ctx := context.Background()
	for _, tls := range []bool{false, true} {
		f := newAuthFixture(t, fixtureOptions{tls: tls})
		scheme := map[bool]string{false: "http", true: "https"}[tls]
		cli := f.client(testAccessKey, testSecretKey)
		for _, size := range []int{0, 1, 65536, 1<<20 + 17} {
			for _, alg := range []string{"", "CRC32C", "CRC64NVME", "SHA1", "SHA256"} {
				if alg != "" && size != 65536 {
					continue
				}
				name := fmt.Sprintf("%s/sdk defaults/%d bytes/%s", scheme, size, alg)
				t.Run(name, func(t *testing.T) {
					data := payload(size, uint64(size))
					key := name
					in := &s3.PutObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key), Body: bytes.NewReader(data)}
					if alg != "" {
						in.ChecksumAlgorithm = s3ChecksumAlgorithm(alg)
					}
					out, err := cli.PutObject(ctx, in)
					if err != nil {
						t.Fatal(err)
					}
					if got := f.object(key); !bytes.Equal(got, data) {
						t.Fatalf("read back %d bytes that differ from the %d put", len(got), len(data))
					}
					if tls && alg == "" && aws.ToString(out.ChecksumCRC32) != crc32B64(data) {
						t.Fatalf("PutObject answered checksum %q, want %q", aws.ToString(out.ChecksumCRC32), crc32B64(data))
					}
				})
			}
		}
		t.Run(scheme+"/unseekable body", func(t *testing.T) {
			data := payload(700_000, 21)
			opts := []func(*s3.Options){}
			if !tls {
				// Over HTTP the SDK must hash the body first, which an
				// unseekable body forbids: sign it UNSIGNED-PAYLOAD.
				opts = append(opts, s3.WithAPIOptions(v4SwapUnsigned), func(o *s3.Options) {
					o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
				})
			}
			_, err := cli.PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String(testBucket), Key: aws.String("unseekable"),
				Body: io.MultiReader(bytes.NewReader(data[:1000]), bytes.NewReader(data[1000:])), ContentLength: aws.Int64(int64(len(data))),
			}, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.object("unseekable"); !bytes.Equal(got, data) {
				t.Fatalf("read back %d bytes that differ", len(got))
			}
		})
		t.Run(scheme+"/multipart", func(t *testing.T) {
			testMultipartRoundTrip(t, f, cli)
		})
		t.Run(scheme+"/presigned GET and PUT", func(t *testing.T) {
			data := payload(200_000, 31)
			u, h := f.presign("PUT", "presigned object", time.Hour)
			if resp := f.do(presignedRequest(t, "PUT", u, h, data)); resp.StatusCode != 200 {
				t.Fatalf("presigned PUT: %d %s", resp.StatusCode, s3ErrorOf(t, resp))
			}
			u, h = f.presign("GET", "presigned object", time.Hour)
			resp := f.do(presignedRequest(t, "GET", u, h, nil))
			got, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != 200 || !bytes.Equal(got, data) {
				t.Fatalf("presigned GET: %d, %d bytes, %v", resp.StatusCode, len(got), err)
			}
		})
		for _, tc := range []struct {
			mode   string
			enc    chunkedEncoder
			length bool
		}{
			{streamingSigned, chunkedEncoder{chunkSize: 65536}, true},
			{streamingSigned, chunkedEncoder{chunkSize: 8000}, false},
			{streamingSignedTrailer, chunkedEncoder{chunkSize: 65536, trailerAlg: "crc32c", signTrailer: true}, true},
			{streamingSignedTrailer, chunkedEncoder{chunkSize: 100_000, trailerAlg: "crc64nvme", signTrailer: true}, false},
			{streamingUnsignedTrailer, chunkedEncoder{chunkSize: 65536, trailerAlg: "sha1"}, false},
		} {
			name := fmt.Sprintf("%s/%s/length=%v/%s", scheme, tc.mode, tc.length, tc.enc.trailerAlg)
			t.Run(name, func(t *testing.T) {
				data := payload(333_333, 41)
				resp := f.do(f.streamingRequest(name, data, tc.mode, tc.enc, tc.length, time.Now()))
				if resp.StatusCode != 200 {
					t.Fatalf("%d %s", resp.StatusCode, s3ErrorOf(t, resp))
				}
				if tc.enc.trailerAlg != "" && resp.Header.Get("X-Amz-Checksum-"+tc.enc.trailerAlg) == "" {
					t.Errorf("the response does not echo the trailing checksum")
				}
				if got := f.object(name); !bytes.Equal(got, data) {
					t.Fatalf("read back %d bytes that differ from the %d put", len(got), len(data))
				}
				rd := f.sink.lastPut(name)
				for _, h := range []string{"Content-Encoding", "X-Amz-Decoded-Content-Length", "X-Amz-Trailer"} {
					if v, ok := rd.header[h]; ok {
						t.Errorf("the handler got %s: %q", h, v)
					}
				}
				if rd.header.Get("Content-Length") != strconv.Itoa(len(data)) || rd.header.Get("X-Amz-Content-Sha256") != sigv4.UnsignedPayload {
					t.Errorf("the handler got Content-Length %q, X-Amz-Content-Sha256 %q",
						rd.header.Get("Content-Length"), rd.header.Get("X-Amz-Content-Sha256"))
				}
			})
		}
	}
}

func s3ChecksumAlgorithm(name string) types.ChecksumAlgorithm { return types.ChecksumAlgorithm(name) }

// v4SwapUnsigned makes the SDK sign a body UNSIGNED-PAYLOAD.
var v4SwapUnsigned = v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware

// testMultipartRoundTrip uploads an object in parts with the SDK's default
// settings and reads it back.
func testMultipartRoundTrip(t *testing.T, f *authFixture, cli *s3.Client) {
	ctx := context.Background()
	key := "multipart/object"
	parts := [][]byte{payload(600_000, 51), payload(300_001, 52)}
	up, err := cli.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	var done []types.CompletedPart
	for i, p := range parts {
		out, err := cli.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(testBucket), Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p),
		})
		if err != nil {
			t.Fatalf("upload part %d: %v", i+1, err)
		}
		done = append(done, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	if _, err := cli.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(testBucket), Key: aws.String(key), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done},
	}); err != nil {
		t.Fatalf("complete: %v", err)
	}
	if got := f.object(key); !bytes.Equal(got, append(append([]byte(nil), parts[0]...), parts[1]...)) {
		t.Fatalf("read back %d bytes that differ from the %d uploaded", len(got), len(parts[0])+len(parts[1]))
	}
}
