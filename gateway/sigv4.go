package gateway

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SigV4 verification of a request's Authorization header or presigned
// query, as S3 does it.

const (
	maxClockSkew = 15 * time.Minute

	emptyPayloadHash         = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	unsignedPayload          = "UNSIGNED-PAYLOAD"
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
}

// verify checks r's signature and returns what it vouches for, or the
// refusal S3 gives.
func (v *sigV4Verifier) verify(r *http.Request) (*signedRequest, *Error) {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		// The router reads the same query with the same decoding, so
		// anything it could not parse is refused here.
		return nil, invalidArgument("The request's query string is malformed.")
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
func (v *sigV4Verifier) verifyHeader(r *http.Request, header string) (*signedRequest, *Error) {
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
	if t.Format(scopeDateFormat) != auth.Date {
		return nil, authHeaderMalformed("Invalid credential date. Date is not the same as X-Amz-Date.")
	}
	if skew := v.now().Sub(t); skew > maxClockSkew || skew < -maxClockSkew {
		return nil, errTimeSkewed
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if e := checkPayloadHashValue(payload); e != nil {
		return nil, e
	}
	return v.check(r, auth, secret, t, payload, "")
}

// verifyPresigned checks a request signed in its query (a presigned URL).
func (v *sigV4Verifier) verifyPresigned(r *http.Request, query url.Values) (*signedRequest, *Error) {
	auth, t, expires, e := parsePresigned(query)
	if e != nil {
		return nil, e
	}
	secret, ok := v.secret(auth.AccessKey)
	if !ok {
		return nil, errUnknownAccessKey
	}
	if t.Format(scopeDateFormat) != auth.Date {
		return nil, authQueryMalformed("Invalid credential date. Date is not the same as X-Amz-Date.")
	}
	now := v.now()
	if t.Sub(now) > maxClockSkew {
		return nil, accessDenied("Request is not valid yet.")
	}
	if now.After(t.Add(expires)) {
		return nil, accessDenied("Request has expired.")
	}
	// A presigned URL signs no payload unless the request names a hash.
	payload := unsignedPayload
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
		payload = h
	} else if q := query.Get("X-Amz-Content-Sha256"); q != "" {
		payload = q
	}
	if e := checkPayloadHashValue(payload); e != nil {
		return nil, e
	}
	return v.check(r, auth, secret, t, payload, "X-Amz-Signature")
}

// check compares the signature the client sent with the one computed for
// r; skipParam is a query parameter the signature does not cover.
func (v *sigV4Verifier) check(r *http.Request, auth sigV4Auth, secret string, t time.Time, payload, skipParam string) (*signedRequest, *Error) {
	headers, e := canonicalHeaders(r, auth.SignedHeaders)
	if e != nil {
		return nil, e
	}
	query := canonicalQuery(r.URL.RawQuery, skipParam)
	key := signingKey(secret, auth.Date, auth.Region)
	amzDate := t.UTC().Format(amzDateFormat)
	scope := auth.scope()
	sign := func(path string) string {
		canonical := strings.Join([]string{r.Method, path, query, headers, strings.Join(auth.SignedHeaders, ";"), payload}, "\n")
		return hmacHex(key, stringToSign(amzDate, scope, canonical))
	}
	sig := sign(canonicalPath(r.URL.Path))
	if !hmac.Equal([]byte(sig), []byte(auth.Signature)) {
		// A client may have signed the path as it sent it, percent-encoded
		// otherwise than S3's canonical form; both decode to the same key.
		raw := wirePath(r)
		if raw == canonicalPath(r.URL.Path) || !hmac.Equal([]byte(sign(raw)), []byte(auth.Signature)) {
			return nil, errSignatureMismatch
		}
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

// headerTime is the time a header-signed request was signed: X-Amz-Date,
// or the Date header when there is none.
func headerTime(r *http.Request) (time.Time, *Error) {
	if d := r.Header.Get("X-Amz-Date"); d != "" {
		t, err := time.Parse(amzDateFormat, d)
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
func checkPayloadHashValue(v string) *Error {
	switch {
	case v == "":
		return invalidRequest("Missing required header for this request: x-amz-content-sha256.")
	case v == unsignedPayload, v == streamingSigned, v == streamingSignedTrailer, v == streamingUnsignedTrailer:
		return nil
	case strings.HasPrefix(v, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"):
		return refusal("NotImplemented", http.StatusNotImplemented, "Signature Version 4A is not supported. Please use AWS4-HMAC-SHA256.")
	case isHex(v, 64):
		return nil
	}
	return invalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
}

// stringToSign is SigV4's string to sign for a canonical request.
func stringToSign(amzDate, scope, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return sigV4Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// signingKey derives the SigV4 signing key for a day and region.
func signingKey(secret, date, region string) []byte {
	k := hmacSum([]byte("AWS4"+secret), date)
	k = hmacSum(k, region)
	k = hmacSum(k, scopeService)
	return hmacSum(k, scopeTerminator)
}

func hmacSum(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func hmacHex(key []byte, data string) string {
	return hex.EncodeToString(hmacSum(key, data))
}
