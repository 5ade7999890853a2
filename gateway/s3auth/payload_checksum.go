package s3auth

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"strings"

	"github.com/ringside/ringside/internal/s3err"
)

// The digests a client may send with a body: x-amz-content-sha256,
// Content-MD5 and the x-amz-checksum-* family, as headers or as aws-chunked
// trailers.

// crc64NVME is CRC-64/NVME (polynomial 0xad93d23594c93659, reflected).
var crc64NVME = crc64.MakeTable(0x9a6c9329ac4bc9b5)

// checksumAlgorithms are the x-amz-checksum-<name> algorithms S3 knows.
var checksumAlgorithms = map[string]func() hash.Hash{
	"crc32":     func() hash.Hash { return crc32.NewIEEE() },
	"crc32c":    func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) },
	"crc64nvme": func() hash.Hash { return crc64.New(crc64NVME) },
	"sha1":      sha1.New,
	"sha256":    sha256.New,
}

const checksumHeaderPrefix = "x-amz-checksum-"

// bodyCheck is one digest of a body to compare with what the client sent.
type bodyCheck struct {
	hash     hash.Hash // nil for a check known to fail
	want     []byte
	mismatch *s3err.Error
}

func (c *bodyCheck) verify() *s3err.Error {
	if c.hash == nil || !bytes.Equal(c.hash.Sum(nil), c.want) {
		return c.mismatch
	}
	return nil
}

// payloadHashCheck checks the body against a hex x-amz-content-sha256.
func payloadHashCheck(hexHash string) *bodyCheck {
	want, _ := hex.DecodeString(hexHash)
	return &bodyCheck{hash: sha256.New(), want: want, mismatch: errPayloadHashMismatch}
}

// contentMD5Check checks the body against Content-MD5, if sent.
func contentMD5Check(h http.Header) (*bodyCheck, *s3err.Error) {
	values, ok := h["Content-Md5"]
	if !ok {
		return nil, nil
	}
	want, err := base64.StdEncoding.DecodeString(strings.TrimSpace(values[0]))
	if err != nil || len(want) != md5.Size || len(values) != 1 {
		return nil, errInvalidMD5
	}
	return &bodyCheck{hash: md5.New(), want: want, mismatch: errMD5Mismatch}, nil
}

// checksumCheck checks the body against the base64 value of the checksum
// algorithm (e.g. "crc32"); the caller knows the algorithm exists.
func checksumCheck(algorithm, value string) (*bodyCheck, *s3err.Error) {
	h := checksumAlgorithms[algorithm]()
	want, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
	if err != nil || len(want) != h.Size() {
		return nil, invalidRequest("Value for " + checksumHeaderPrefix + algorithm + " is invalid.")
	}
	return &bodyCheck{
		hash: h,
		want: want,
		mismatch: badDigest("The " + strings.ToUpper(algorithm) +
			" you specified did not match the calculated checksum."),
	}, nil
}

// headerChecksumChecks checks the body against the x-amz-checksum-<alg>
// headers of a request whose body is the data they sum. CompleteMultipart
// Upload's header sums the object, and a copy's the source: neither is
// checked here.
func headerChecksumChecks(r *http.Request) ([]*bodyCheck, *s3err.Error) {
	if r.Header.Get("X-Amz-Copy-Source") != "" {
		return nil, nil
	}
	if r.Method == http.MethodPost && r.URL.Query().Has("uploadId") {
		return nil, nil
	}
	var checks []*bodyCheck
	for name, values := range r.Header {
		// Only the rare matching name is lowered: every request has a
		// dozen headers to skip.
		if len(name) <= len(checksumHeaderPrefix) || !strings.EqualFold(name[:len(checksumHeaderPrefix)], checksumHeaderPrefix) {
			continue
		}
		alg := strings.ToLower(name[len(checksumHeaderPrefix):])
		if checksumAlgorithms[alg] == nil || len(values) == 0 {
			continue
		}
		c, e := checksumCheck(alg, values[0])
		if e != nil {
			return nil, e
		}
		checks = append(checks, c)
	}
	return checks, nil
}

// IsChecksumAlgorithm reports whether x-amz-checksum-<name> is a checksum
// S3 knows (name in lower case), which the verifier checked if sent.
func IsChecksumAlgorithm(name string) bool { return checksumAlgorithms[name] != nil }
