package s3auth

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/internal/s3time"
	"github.com/ringside/ringside/internal/sigv4"
)

// Parsing of the credentials a SigV4 request carries, in its Authorization
// header or, for a presigned URL, in its query.

const sigV4aAlgorithm = "AWS4-ECDSA-P256-SHA256"

// sigV4Auth is the credential part of a signed request.
type sigV4Auth struct {
	AccessKey     string
	Date          string // the scope's yyyymmdd
	Region        string
	SignedHeaders []string // lower case, in the order signed
	Signature     string   // lower-case hex
}

// scope is the credential scope the string to sign names.
func (a sigV4Auth) scope() string {
	return sigv4.Scope(a.Date, a.Region)
}

// authComponents are the components of an Authorization header.
var authComponents = [...]string{"Credential", "SignedHeaders", "Signature"}

// parseAuthorization parses an Authorization header value:
//
//	AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=hex
func parseAuthorization(value string) (sigV4Auth, *s3err.Error) {
	algorithm, rest, _ := strings.Cut(strings.TrimSpace(value), " ")
	switch algorithm {
	case sigv4.Algorithm:
	case "AWS":
		return sigV4Auth{}, invalidRequest("The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
	case sigV4aAlgorithm:
		return sigV4Auth{}, s3err.New(s3err.NotImplemented, "Signature Version 4A is not supported. Please use AWS4-HMAC-SHA256.")
	default:
		return sigV4Auth{}, authHeaderMalformed("the authorization mechanism is not AWS4-HMAC-SHA256.")
	}
	if strings.Count(rest, ",") < len(authComponents)-1 {
		return sigV4Auth{}, authHeaderMalformed("the authorization header requires three components: Credential, SignedHeaders, and Signature.")
	}
	// Slots rather than a map: this runs on every request.
	var values [len(authComponents)]string
	var seen [len(authComponents)]bool
	unknown := ""
	for more := true; more; {
		var part string
		part, rest, more = strings.Cut(rest, ",")
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return sigV4Auth{}, authHeaderMalformed("the authorization component " + quoteShort(strings.TrimSpace(part)) + " is malformed.")
		}
		k := slices.Index(authComponents[:], name)
		if k < 0 {
			// S3 names the component that is missing, if one is.
			unknown = name
			continue
		}
		if seen[k] {
			return sigV4Auth{}, authHeaderMalformed("component " + name + " is repeated.")
		}
		seen[k], values[k] = true, strings.TrimSpace(val)
	}
	if unknown != "" && seen[0] && seen[1] && seen[2] {
		return sigV4Auth{}, authHeaderMalformed("unknown component " + quoteShort(unknown) + ".")
	}
	return sigV4AuthFrom(values[0], values[1], values[2], authHeaderMalformed, authHeaderMalformed)
}

// presignedParams are the query parameters every presigned URL has.
var presignedParams = [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"}

// errPresignedParams is S3's refusal of a presigned URL without one of
// presignedParams.
var errPresignedParams = authQueryMalformed("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")

// parsePresigned parses the SigV4 parameters of a presigned URL's query.
// It returns the request time and how long the URL stays valid. The
// refusals are S3's, in its words, which SDKs and test suites compare.
func parsePresigned(q url.Values) (sigV4Auth, time.Time, time.Duration, *s3err.Error) {
	for _, p := range presignedParams {
		if q.Get(p) == "" {
			return sigV4Auth{}, time.Time{}, 0, errPresignedParams
		}
	}
	if alg := q.Get("X-Amz-Algorithm"); alg != sigv4.Algorithm {
		return sigV4Auth{}, time.Time{}, 0, authQueryMalformed("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
	}
	credMalformed := func(m string) *s3err.Error {
		return authQueryMalformed("Error parsing the X-Amz-Credential parameter; " + m)
	}
	auth, e := sigV4AuthFrom(q.Get("X-Amz-Credential"), q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature"), authQueryMalformed, credMalformed)
	if e != nil {
		return sigV4Auth{}, time.Time{}, 0, e
	}
	t, err := s3time.ParseAmzDate(q.Get("X-Amz-Date"))
	if err != nil {
		return sigV4Auth{}, time.Time{}, 0, authQueryMalformed("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	}
	expires, e := parseExpires(q.Get("X-Amz-Expires"))
	if e != nil {
		return sigV4Auth{}, time.Time{}, 0, e
	}
	return auth, t, expires, nil
}

// parseExpires parses X-Amz-Expires: whole seconds, at most seven days.
func parseExpires(s string) (time.Duration, *s3err.Error) {
	const maxSeconds = 7 * 24 * 60 * 60
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return 0, authQueryMalformed("X-Amz-Expires should be a number")
	case n < 0:
		return 0, authQueryMalformed("X-Amz-Expires must be non-negative")
	case n > maxSeconds:
		return 0, authQueryMalformed("X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds")
	}
	return time.Duration(n) * time.Second, nil
}

// sigV4AuthFrom checks and assembles the three SigV4 components;
// malformed builds the refusal for the place they came from, and
// credMalformed that of a malformed credential.
func sigV4AuthFrom(credential, signedHeaders, signature string, malformed, credMalformed func(string) *s3err.Error) (sigV4Auth, *s3err.Error) {
	switch {
	case credential == "":
		return sigV4Auth{}, malformed("missing Credential.")
	case signedHeaders == "":
		return sigV4Auth{}, malformed("missing SignedHeaders.")
	case signature == "":
		return sigV4Auth{}, malformed("missing Signature.")
	}
	auth, e := parseCredential(credential, credMalformed)
	if e != nil {
		return sigV4Auth{}, e
	}
	auth.SignedHeaders = make([]string, 0, strings.Count(signedHeaders, ";")+1)
	for more := true; more; {
		var h string
		h, signedHeaders, more = strings.Cut(signedHeaders, ";")
		if h == "" || !isLower(h) || strings.ContainsAny(h, " \t") {
			return sigV4Auth{}, malformed("SignedHeaders must be lower-case header names separated by ';'.")
		}
		auth.SignedHeaders = append(auth.SignedHeaders, h)
	}
	if !isHex(signature, 64) {
		return sigV4Auth{}, malformed("the Signature must be 64 hexadecimal characters.")
	}
	if !isLower(signature) {
		signature = strings.ToLower(signature)
	}
	auth.Signature = signature
	return auth, nil
}

// parseCredential parses "ACCESSKEY/yyyymmdd/region/s3/aws4_request",
// refusing it in S3's words (malformed adds where it was read).
func parseCredential(s string, malformed func(string) *s3err.Error) (sigV4Auth, *s3err.Error) {
	// The access key may itself hold slashes: the four scope fields are
	// taken from the end.
	var parts [5]string
	rest := s
	for i := len(parts) - 1; i > 0; i-- {
		j := strings.LastIndexByte(rest, '/')
		if j < 0 {
			return sigV4Auth{}, malformed(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`)
		}
		rest, parts[i] = rest[:j], rest[j+1:]
	}
	parts[0] = rest
	auth := sigV4Auth{AccessKey: parts[0], Date: parts[1], Region: parts[2]}
	const malformedCredential = `the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`
	if auth.AccessKey == "" || auth.Region == "" {
		return sigV4Auth{}, malformed(malformedCredential)
	}
	// With more than five fields, which are the scope's is anyone's guess
	// unless they are right.
	extra := strings.Contains(auth.AccessKey, "/")
	switch {
	case parts[4] != sigv4.Terminator && extra, parts[3] != sigv4.Service && extra:
		return sigV4Auth{}, malformed(malformedCredential)
	case parts[4] != sigv4.Terminator:
		return sigV4Auth{}, malformed(`incorrect terminal ` + quoteShort(parts[4]) + `. This endpoint uses "aws4_request".`)
	case parts[3] != sigv4.Service:
		return sigV4Auth{}, malformed(`incorrect service ` + quoteShort(parts[3]) + `. This endpoint belongs to "s3".`)
	}
	if _, err := s3time.ParseScopeDay(auth.Date); err != nil || len(auth.Date) != 8 {
		return sigV4Auth{}, malformed(`incorrect date format ` + quoteShort(auth.Date) + `. This date in the credential must be in the format "yyyyMMdd".`)
	}
	return auth, nil
}

// isLower reports whether s is its own strings.ToLower, answering for
// ASCII without the copy ToLower makes to find out.
func isLower(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return s == strings.ToLower(s)
		}
		if 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// isHex reports whether s is n hexadecimal digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !hexDigits[s[i]] {
			return false
		}
	}
	return true
}

// hexDigits marks the hexadecimal digits: a lookup costs less than the
// range tests on the 64-digit hashes and signatures of every request.
var hexDigits = func() (t [256]bool) {
	for _, c := range "0123456789abcdefABCDEF" {
		t[c] = true
	}
	return t
}()

// quoteShort quotes a client-supplied string for an error message,
// cutting it short so a refusal never echoes much of a request.
func quoteShort(s string) string {
	const max = 40
	if len(s) > max {
		s = s[:max] + "..."
	}
	return "\"" + strings.ToValidUTF8(s, "?") + "\""
}

// SigningRegion is the region of the credential scope r is signed for,
// "" when it carries no well-formed signature. ringside accepts every
// region; the few answers that name one (GetBucketLocation, the location
// constraint of CreateBucket) use the client's own.
func SigningRegion(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		auth, e := parseAuthorization(h)
		if e != nil {
			return ""
		}
		return auth.Region
	}
	cred := r.URL.Query().Get("X-Amz-Credential")
	if cred == "" {
		return ""
	}
	auth, e := parseCredential(cred, authQueryMalformed)
	if e != nil {
		return ""
	}
	return auth.Region
}
