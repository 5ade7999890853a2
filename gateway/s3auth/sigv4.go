package s3auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/internal/s3time"
	"github.com/ringside/ringside/internal/sigv4"
)

// SigV4 verification of a request's Authorization header or presigned
// query, as S3 does it.

const (
	maxClockSkew = 15 * time.Minute

	streamingSigned          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingSignedTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	streamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// signedRequest is what a verified signature vouches for: the key the
// streaming chunk signatures chain from and the payload hash it covered.
type signedRequest struct {
	accessKey   string
	signingKey  []byte
	amzDate     string // the request time as signed
	scope       string
	signature   string // the seed of a chunk signature chain
	payloadHash string // as signed: a hex hash, UNSIGNED-PAYLOAD or STREAMING-*
}

// sigV4Verifier checks request signatures against a credential lookup.
type sigV4Verifier struct {
	// secret returns the secret key of an access key, or false if the key
	// is unknown.
	secret func(accessKey string) (string, bool)
	now    func() time.Time
	keys   signingKeyCache
}

// verify checks r's signature and returns what it vouches for, or the
// refusal S3 gives.
func (v *sigV4Verifier) verify(r *http.Request) (*signedRequest, *s3err.Error) {
	var query url.Values // most requests have none, and nil reads as empty
	if r.URL.RawQuery != "" {
		var err error
		if query, err = url.ParseQuery(r.URL.RawQuery); err != nil {
			// The router reads the same query with the same decoding, so
			// anything it could not parse is refused here.
			return nil, invalidArgument("The request's query string is malformed.")
		}
	}
	header := r.Header.Get("Authorization")
	presigned := query.Has("X-Amz-Signature") || query.Has("X-Amz-Credential") || query.Has("X-Amz-Algorithm")
	switch {
	case header != "" && presigned:
		return nil, invalidArgument("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.")
	case presigned:
		return v.verifyPresigned(r, query)
	case header != "":
		return v.verifyHeader(r, header)
	case query.Has("AWSAccessKeyId") || query.Has("Signature"):
		return nil, invalidRequest("The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
	}
	return nil, errAnonymous
}

// verifyHeader checks a request signed in its Authorization header.
func (v *sigV4Verifier) verifyHeader(r *http.Request, header string) (*signedRequest, *s3err.Error) {
	auth, e := parseAuthorization(header)
	if e != nil {
		return nil, e
	}
	secret, ok := v.secret(auth.AccessKey)
	if !ok {
		return nil, errUnknownAccessKey
	}
	t, e := headerTime(r)
	if e != nil {
		return nil, e
	}
	if !s3time.IsScopeDay(t, auth.Date) {
		return nil, authHeaderMalformed("Invalid credential date. Date is not the same as X-Amz-Date.")
	}
	if skew := v.now().Sub(t); skew > maxClockSkew || skew < -maxClockSkew {
		return nil, errTimeSkewed
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if e := checkPayloadHashValue(payload); e != nil {
		return nil, e
	}
	return v.check(r, auth, secret, t, r.Header.Get("X-Amz-Date"), payload, "")
}

// verifyPresigned checks a request signed in its query (a presigned URL).
func (v *sigV4Verifier) verifyPresigned(r *http.Request, query url.Values) (*signedRequest, *s3err.Error) {
	auth, t, expires, e := parsePresigned(query)
	if e != nil {
		return nil, e
	}
	secret, ok := v.secret(auth.AccessKey)
	if !ok {
		return nil, errUnknownAccessKey
	}
	if !s3time.IsScopeDay(t, auth.Date) {
		return nil, authQueryMalformed("Invalid credential date " + quoteShort(auth.Date) +
			". This date is not the same as X-Amz-Date: \"" + t.Format(sigv4.ScopeDateFormat) + "\".")
	}
	now := v.now()
	if t.Sub(now) > maxClockSkew {
		return nil, accessDenied("Request is not valid yet.")
	}
	if now.After(t.Add(expires)) {
		return nil, accessDenied("Request has expired.")
	}
	// A presigned URL signs no payload unless the request names a hash.
	payload := sigv4.UnsignedPayload
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
		payload = h
	} else if q := query.Get("X-Amz-Content-Sha256"); q != "" {
		payload = q
	}
	if e := checkPayloadHashValue(payload); e != nil {
		return nil, e
	}
	return v.check(r, auth, secret, t, query.Get("X-Amz-Date"), payload, "X-Amz-Signature")
}

// check compares the signature the client sent with the one computed for
// r, signed at t (sentDate is the X-Amz-Date t was read from, if any);
// skipParam is a query parameter the signature does not cover.
func (v *sigV4Verifier) check(r *http.Request, auth sigV4Auth, secret string, t time.Time, sentDate, payload, skipParam string) (*signedRequest, *s3err.Error) {
	want, ok := decodeSignature(auth.Signature)
	if !ok {
		return nil, errSignatureMismatch
	}
	if e := checkSignedHeaders(r, auth.SignedHeaders); e != nil {
		return nil, e
	}
	query := canonicalQuery(r.URL.RawQuery, skipParam)
	key, cached := v.keys.get(secret, auth.Date, auth.Region)
	if !cached {
		key = sigv4.SigningKey(secret, auth.Date, auth.Region)
	}
	amzDate := amzDateOf(t, sentDate)
	scope := auth.scope()
	matches := func(path string) bool {
		canonical := canonicalRequestHash(r, path, query, auth.SignedHeaders, payload)
		sig := sigv4.Signature(key, amzDate, scope, canonical)
		return hmac.Equal(sig[:], want[:])
	}
	path := canonicalPath(r.URL.Path)
	if !matches(path) {
		// A client may have signed the path as it sent it, percent-encoded
		// otherwise than S3's canonical form; both decode to the same key.
		raw := wirePath(r)
		if raw == path || !matches(raw) {
			return nil, errSignatureMismatch
		}
	}
	if !cached {
		// Only once the signature holds: a client that cannot sign must
		// not be able to fill the cache with scopes of its choosing.
		v.keys.put(secret, auth.Date, auth.Region, key)
	}
	return &signedRequest{
		accessKey:   auth.AccessKey,
		signingKey:  key,
		amzDate:     amzDate,
		scope:       scope,
		signature:   auth.Signature,
		payloadHash: payload,
	}, nil
}

// canonicalRequestHash is the hex SHA-256 of SigV4's canonical request.
// The request is assembled in a buffer on the stack, as long as its
// headers are of the usual size.
func canonicalRequestHash(r *http.Request, path, query string, signedHeaders []string, payload string) [2 * sha256.Size]byte {
	var buf [1024]byte
	b := append(buf[:0], r.Method...)
	b = append(b, '\n')
	b = append(b, path...)
	b = append(b, '\n')
	b = append(b, query...)
	b = append(b, '\n')
	b = appendCanonicalHeaders(b, r, signedHeaders)
	b = append(b, '\n')
	for i, name := range signedHeaders {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, name...)
	}
	b = append(b, '\n')
	b = append(b, payload...)
	sum := sha256.Sum256(b)
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return out
}

// decodeSignature decodes a hex signature in place of hex.Decode, whose
// []byte argument would cost an allocation per request.
func decodeSignature(s string) (sig [sha256.Size]byte, ok bool) {
	if !isHex(s, 2*sha256.Size) {
		return sig, false
	}
	for i := range sig {
		sig[i] = unhex(s[2*i])<<4 | unhex(s[2*i+1])
	}
	return sig, true
}

// amzDateOf is t in X-Amz-Date's format: sent itself when it already is,
// as it is on every request that has one, sparing a new string.
func amzDateOf(t time.Time, sent string) string {
	var buf [len(sigv4.AmzDateFormat)]byte
	b := s3time.AppendAmzDate(buf[:0], t)
	if string(b) == sent {
		return sent
	}
	return string(b)
}

// headerTime is the time a header-signed request was signed: X-Amz-Date,
// or the Date header when there is none.
func headerTime(r *http.Request) (time.Time, *s3err.Error) {
	if d := r.Header.Get("X-Amz-Date"); d != "" {
		t, err := s3time.ParseAmzDate(d)
		if err != nil {
			return time.Time{}, accessDenied("AWS authentication requires a valid Date or x-amz-date header.")
		}
		return t, nil
	}
	t, err := http.ParseTime(r.Header.Get("Date"))
	if err != nil {
		return time.Time{}, accessDenied("AWS authentication requires a valid Date or x-amz-date header.")
	}
	return t.UTC(), nil
}

// checkPayloadHashValue checks the form of X-Amz-Content-Sha256.
func checkPayloadHashValue(v string) *s3err.Error {
	switch {
	case v == "":
		return invalidRequest("Missing required header for this request: x-amz-content-sha256.")
	case v == sigv4.UnsignedPayload, v == streamingSigned, v == streamingSignedTrailer, v == streamingUnsignedTrailer:
		return nil
	case strings.HasPrefix(v, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"):
		return s3err.New(s3err.NotImplemented, "Signature Version 4A is not supported. Please use AWS4-HMAC-SHA256.")
	case isHex(v, 64):
		return nil
	}
	return invalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
}

// maxSigningKeys bounds the signing key cache. Each entry is one secret's
// key for a day and region, so a deployment's working set is its number
// of credentials (at most twice that around midnight UTC).
const maxSigningKeys = 256

// signingKeyCache keeps derived signing keys: deriving one takes four
// HMACs, the same for every request of a credential for a whole day. It is
// keyed by the secret itself, not the access key, so a secret replaced in
// the credentials file can never verify a request again.
type signingKeyCache struct {
	mu   sync.RWMutex
	keys map[signingScope][]byte
}

// signingScope is what a signing key is derived from (the service is
// always s3).
type signingScope struct {
	secret, date, region string
}

// get returns the cached signing key of a scope. The key is shared: its
// users only read it.
func (c *signingKeyCache) get(secret, date, region string) ([]byte, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	k, ok := c.keys[signingScope{secret, date, region}]
	return k, ok
}

// put caches a signing key, starting over when the cache is full: old
// days and replaced secrets go, and the keys in use come back on their
// next request.
func (c *signingKeyCache) put(secret, date, region string, key []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil || len(c.keys) >= maxSigningKeys {
		c.keys = make(map[signingScope][]byte)
	}
	c.keys[signingScope{secret, date, region}] = key
}

func hmacHex(key []byte, data string) string {
	return hex.EncodeToString(sigv4.HMAC(key, data))
}
