package s3auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"sort"
	"strings"

	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/internal/sigv4"
)

// The chunk signature chain and the trailers of an aws-chunked body.

const trailerSignatureName = "x-amz-trailer-signature"

// trailerSpec is what the request announced about the trailers.
type trailerSpec struct {
	signed    bool      // the trailers carry x-amz-trailer-signature
	algorithm string    // the checksum declared in x-amz-trailer, "" if none
	hash      hash.Hash // digests the decoded data for that checksum
}

// trailerChecksum is a verified trailing checksum, as the request header
// it stands for.
type trailerChecksum struct {
	name  string // x-amz-checksum-<algorithm>
	value string // base64
}

// parseTrailerSpec reads X-Amz-Trailer: at most one x-amz-checksum-*
// trailer, which S3 requires to be declared.
func parseTrailerSpec(declared, payloadHash string) (trailerSpec, *s3err.Error) {
	spec := trailerSpec{signed: payloadHash == streamingSignedTrailer}
	for _, name := range strings.Split(declared, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		alg, ok := strings.CutPrefix(name, checksumHeaderPrefix)
		if !ok || checksumAlgorithms[alg] == nil {
			return trailerSpec{}, invalidArgument("The value specified in the x-amz-trailer header is not supported.")
		}
		if spec.algorithm != "" {
			return trailerSpec{}, invalidRequest("Expecting a single x-amz-checksum- trailer. Multiple checksum types are not allowed.")
		}
		spec.algorithm = alg
		spec.hash = checksumAlgorithms[alg]()
	}
	if spec.algorithm != "" && payloadHash == streamingSigned {
		return trailerSpec{}, invalidRequest("x-amz-trailer requires x-amz-content-sha256 STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or STREAMING-UNSIGNED-PAYLOAD-TRAILER.")
	}
	return spec, nil
}

// verify checks the trailers that followed the final chunk: their
// signature when they are signed, and the declared checksum against the
// decoded data. signer holds the final chunk's signature.
func (s trailerSpec) verify(trailers map[string]string, signature string, signer *chunkSigner) (trailerChecksum, *s3err.Error) {
	for name := range trailers {
		alg, ok := strings.CutPrefix(name, checksumHeaderPrefix)
		if ok && alg != s.algorithm {
			return trailerChecksum{}, invalidRequest("The trailer " + quoteShort(name) + " was not declared in x-amz-trailer.")
		}
	}
	if s.signed && (signer == nil || !signer.verifyTrailer(trailers, signature)) {
		return trailerChecksum{}, errChunkSignatureMismatch
	}
	if s.algorithm == "" {
		return trailerChecksum{}, nil
	}
	name := checksumHeaderPrefix + s.algorithm
	value, ok := trailers[name]
	if !ok {
		return trailerChecksum{}, invalidRequest("The " + name + " trailer declared in x-amz-trailer was not sent.")
	}
	want, err := base64.StdEncoding.DecodeString(value)
	if err != nil || len(want) != s.hash.Size() {
		return trailerChecksum{}, invalidRequest("Value for " + name + " trailer is invalid.")
	}
	if !bytes.Equal(s.hash.Sum(nil), want) {
		return trailerChecksum{}, badDigest("The " + strings.ToUpper(s.algorithm) + " you specified did not match the calculated checksum.")
	}
	return trailerChecksum{name: name, value: value}, nil
}

// chunkSigner follows the signature chain of a signed aws-chunked body:
// each chunk's signature signs its data and the signature before it,
// starting from the request's own.
type chunkSigner struct {
	key     []byte
	amzDate string
	scope   string
	prev    string
}

// verifyChunk checks the signature of the next chunk and moves the chain on.
func (s *chunkSigner) verifyChunk(data []byte, signature string) bool {
	sum := sha256.Sum256(data)
	want := hmacHex(s.key, "AWS4-HMAC-SHA256-PAYLOAD\n"+s.amzDate+"\n"+s.scope+"\n"+s.prev+"\n"+
		sigv4.EmptyPayloadHash+"\n"+hex.EncodeToString(sum[:]))
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return false
	}
	s.prev = want
	return true
}

// verifyTrailer checks the trailers' signature, which chains from the
// final chunk's.
func (s *chunkSigner) verifyTrailer(trailers map[string]string, signature string) bool {
	names := make([]string, 0, len(trailers))
	for name := range trailers {
		names = append(names, name)
	}
	sort.Strings(names)
	var canonical strings.Builder
	for _, name := range names {
		canonical.WriteString(name + ":" + trailers[name] + "\n")
	}
	sum := sha256.Sum256([]byte(canonical.String()))
	want := hmacHex(s.key, "AWS4-HMAC-SHA256-TRAILER\n"+s.amzDate+"\n"+s.scope+"\n"+s.prev+"\n"+
		hex.EncodeToString(sum[:]))
	return hmac.Equal([]byte(want), []byte(strings.ToLower(signature)))
}
