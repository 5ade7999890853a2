package catalog

import (
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// Names.
//
// A location name is 1 to 63 characters: lowercase letters, digits, '-'
// and '_', starting with a letter or a digit. It never contains ':', which
// separates it from ":ingest" in a location constraint.
//
// Bucket names, of gateway buckets and of target buckets alike, follow S3's
// rules for new buckets without dots: 3 to 63 lowercase letters, digits and
// hyphens, starting and ending with a letter or a digit.
var (
	locationNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	bucketNamePattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)
	hostLabelPattern    = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$`)
)

func validateLocationName(name string) error {
	if !locationNamePattern.MatchString(name) {
		return s3err.New(s3err.InvalidArgument,
			"Location name %q is invalid: use 1 to 63 lowercase letters, digits, '-' or '_', starting with a letter or a digit.", name)
	}
	return nil
}

// ValidateBucketName checks a bucket name; what says which bucket it is
// for the message, code which refusal a bad name gets.
func ValidateBucketName(name string, code s3err.Code, what string) error {
	if !bucketNamePattern.MatchString(name) {
		return s3err.New(code,
			"%s name %q is invalid: use 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or a digit.", what, name)
	}
	return nil
}

// normalizeEndpoint turns an endpoint (a URL, or a host or IP with an
// optional port) into scheme://host:port. http without a port means 80,
// https 443, and a bare host means http.
func normalizeEndpoint(endpoint string) (string, error) {
	invalid := func(why string) error {
		return s3err.New(s3err.InvalidArgument,
			"Endpoint %q is invalid: %s. Give a URL (http://host:port, https://host) or a host or IP with an optional port.", endpoint, why)
	}
	s := strings.TrimSpace(endpoint)
	if s == "" {
		return "", invalid("it is empty")
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", invalid("it does not parse")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", invalid("the scheme must be http or https")
	case u.User != nil:
		return "", invalid("credentials do not belong in the endpoint")
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "":
		return "", invalid("it must not have a path or query")
	case !validHost(u.Hostname()):
		return "", invalid("the host is not a host name or IP address")
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", invalid("the port must be between 1 and 65535")
	}
	return u.Scheme + "://" + net.JoinHostPort(u.Hostname(), port), nil
}

// validHost reports whether h is an IP address or a DNS host name.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if !hostLabelPattern.MatchString(label) {
			return false
		}
	}
	return true
}

// CheckLocation validates a location as AddLocation does, without the
// backend, and returns it with its defaults filled in and its endpoint
// normalised.
func CheckLocation(l index.Location) (index.Location, error) { return checkLocation(l) }
