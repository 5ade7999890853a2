package gateway

import (
	"net/url"
	"strings"
	"time"
)

// Parsing of the credentials a SigV4 request carries, in its Authorization
// header or, for a presigned URL, in its query.

const (
	sigV4Algorithm  = "AWS4-HMAC-SHA256"
	sigV4aAlgorithm = "AWS4-ECDSA-P256-SHA256"
	amzDateFormat   = "20060102T150405Z"
	scopeDateFormat = "20060102"
	scopeService    = "s3"
	scopeTerminator = "aws4_request"
)

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
	return a.Date + "/" + a.Region + "/" + scopeService + "/" + scopeTerminator
}

// parseAuthorization parses an Authorization header value:
//
//	AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=hex
func parseAuthorization(value string) (sigV4Auth, *Error) {
	algorithm, rest, _ := strings.Cut(strings.TrimSpace(value), " ")
	switch algorithm {
	case sigV4Algorithm:
	case "AWS":
		return sigV4Auth{}, invalidRequest("The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
	case sigV4aAlgorithm:
		return sigV4Auth{}, refusal("NotImplemented", 501, "Signature Version 4A is not supported. Please use AWS4-HMAC-SHA256.")
	default:
		return sigV4Auth{}, authHeaderMalformed("the authorization mechanism is not AWS4-HMAC-SHA256.")
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return sigV4Auth{}, authHeaderMalformed("a component is not of the form name=value.")
		}
		switch name {
		case "Credential", "SignedHeaders", "Signature":
		default:
			return sigV4Auth{}, authHeaderMalformed("unknown component " + quoteShort(name) + ".")
		}
		if _, dup := fields[name]; dup {
			return sigV4Auth{}, authHeaderMalformed("component " + name + " is repeated.")
		}
		fields[name] = strings.TrimSpace(val)
	}
	return sigV4AuthFrom(fields["Credential"], fields["SignedHeaders"], fields["Signature"], authHeaderMalformed)
}

// parsePresigned parses the SigV4 parameters of a presigned URL's query.
// It returns the request time and how long the URL stays valid.
func parsePresigned(q url.Values) (sigV4Auth, time.Time, time.Duration, *Error) {
	if alg := q.Get("X-Amz-Algorithm"); alg != sigV4Algorithm {
		return sigV4Auth{}, time.Time{}, 0, authQueryMalformed("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\".")
	}
	auth, e := sigV4AuthFrom(q.Get("X-Amz-Credential"), q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature"), authQueryMalformed)
	if e != nil {
		return sigV4Auth{}, time.Time{}, 0, e
	}
	t, err := time.Parse(amzDateFormat, q.Get("X-Amz-Date"))
	if err != nil {
		return sigV4Auth{}, time.Time{}, 0, authQueryMalformed("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".")
	}
	expires, e := parseExpires(q.Get("X-Amz-Expires"))
	if e != nil {
		return sigV4Auth{}, time.Time{}, 0, e
	}
	return auth, t, expires, nil
}

// parseExpires parses X-Amz-Expires: whole seconds, at most seven days.
func parseExpires(s string) (time.Duration, *Error) {
	const maxSeconds = 7 * 24 * 60 * 60
	if s == "" || len(s) > 7 {
		return 0, authQueryMalformed("X-Amz-Expires must be a number of seconds from 1 to 604800.")
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, authQueryMalformed("X-Amz-Expires must be a number of seconds from 1 to 604800.")
		}
		n = n*10 + int(c-'0')
	}
	if n < 1 {
		return 0, authQueryMalformed("X-Amz-Expires must be a number of seconds from 1 to 604800.")
	}
	if n > maxSeconds {
		return 0, authQueryMalformed("X-Amz-Expires must be less than a week (in seconds) that is 604800.")
	}
	return time.Duration(n) * time.Second, nil
}

// sigV4AuthFrom checks and assembles the three SigV4 components; malformed
// builds the refusal for the place they came from.
func sigV4AuthFrom(credential, signedHeaders, signature string, malformed func(string) *Error) (sigV4Auth, *Error) {
	if credential == "" || signedHeaders == "" || signature == "" {
		return sigV4Auth{}, malformed("Credential, SignedHeaders and Signature are all required.")
	}
	auth, e := parseCredential(credential, malformed)
	if e != nil {
		return sigV4Auth{}, e
	}
	for _, h := range strings.Split(signedHeaders, ";") {
		if h == "" || h != strings.ToLower(h) || strings.ContainsAny(h, " \t") {
			return sigV4Auth{}, malformed("SignedHeaders must be lower-case header names separated by ';'.")
		}
		auth.SignedHeaders = append(auth.SignedHeaders, h)
	}
	if !isHex(signature, 64) {
		return sigV4Auth{}, malformed("the Signature must be 64 hexadecimal characters.")
	}
	auth.Signature = strings.ToLower(signature)
	return auth, nil
}

// parseCredential parses "ACCESSKEY/yyyymmdd/region/s3/aws4_request".
func parseCredential(s string, malformed func(string) *Error) (sigV4Auth, *Error) {
	parts := strings.Split(s, "/")
	if len(parts) < 5 {
		return sigV4Auth{}, malformed("the Credential must be <access key>/<date>/<region>/s3/aws4_request.")
	}
	n := len(parts)
	auth := sigV4Auth{
		AccessKey: strings.Join(parts[:n-4], "/"),
		Date:      parts[n-4],
		Region:    parts[n-3],
	}
	if auth.AccessKey == "" {
		return sigV4Auth{}, malformed("the Credential has no access key.")
	}
	if _, err := time.Parse(scopeDateFormat, auth.Date); err != nil || len(auth.Date) != 8 {
		return sigV4Auth{}, malformed("the Credential date must be yyyymmdd.")
	}
	if auth.Region == "" {
		return sigV4Auth{}, malformed("the Credential has no region.")
	}
	if parts[n-2] != scopeService {
		return sigV4Auth{}, malformed("the Credential service must be s3.")
	}
	if parts[n-1] != scopeTerminator {
		return sigV4Auth{}, malformed("the Credential must end with aws4_request.")
	}
	return auth, nil
}

// isHex reports whether s is n hexadecimal digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// quoteShort quotes a client-supplied string for an error message,
// cutting it short so a refusal never echoes much of a request.
func quoteShort(s string) string {
	const max = 40
	if len(s) > max {
		s = s[:max] + "..."
	}
	return "\"" + strings.ToValidUTF8(s, "?") + "\""
}
