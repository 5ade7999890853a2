package gateway

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/ringside/ringside/catalog"
	"github.com/ringside/ringside/internal/s3err"
)

// addressing finds the bucket and key a request names: from the path
// (path style, /bucket/key), or from the Host (virtual-hosted style,
// bucket.<domain>/key) when the Host is a subdomain of one of the base
// domains ringside serves (--domain, as MINIO_DOMAIN). A Host equal to a
// domain, an IP address or any other name means path style.
type addressing struct {
	// domains are lower case, without a port or the dots around them.
	domains []string
}

// newAddressing checks and normalises the base domains; empty entries
// are skipped, so that "a.com," is a.com alone.
func newAddressing(domains []string) (addressing, error) {
	var a addressing
	for _, d := range domains {
		d = strings.Trim(strings.ToLower(strings.TrimSpace(d)), ".")
		switch {
		case d == "":
			continue
		case net.ParseIP(d) != nil:
			return a, fmt.Errorf("domain %q is an IP address: virtual-hosted-style requests need a DNS name under which bucket names resolve", d)
		case strings.ContainsAny(d, ":/ ") || !validDomain(d):
			return a, fmt.Errorf("domain %q is not a DNS name (give it without scheme or port, like s3.example.com)", d)
		}
		a.domains = append(a.domains, d)
	}
	return a, nil
}

// validDomain reports whether d is a DNS name of letters, digits, hyphens
// and dots.
func validDomain(d string) bool {
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, c := range label {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return len(d) <= 253
}

// hostName is the Host header without its port, lower case. It
// allocates only for a host with upper-case letters (net.SplitHostPort
// would, for every host without a port): the metrics read every request.
func hostName(hostport string) string {
	h := hostport
	if strings.HasPrefix(h, "[") {
		if end := strings.IndexByte(h, ']'); end > 0 {
			h = h[1:end]
		}
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.IndexByte(h, ':') == i {
		h = h[:i]
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// hostBucket returns the bucket a host names under the base domains, or
// false for a path-style host. The longest domain that matches wins, so
// that s3.example.com and example.com can both be served; a host equal
// to any domain is path style.
func (a addressing) hostBucket(host string) (string, bool) {
	if len(a.domains) == 0 {
		return "", false
	}
	var bucket string
	best := 0
	for _, d := range a.domains {
		if host == d {
			return "", false
		}
		if len(d) > best && len(host) > len(d)+1 && strings.HasSuffix(host, d) && host[len(host)-len(d)-1] == '.' {
			bucket, best = host[:len(host)-len(d)-1], len(d)
		}
	}
	return bucket, best > 0
}

// split returns the bucket and key r names, and whether the bucket came
// from the Host. In virtual-hosted style the key is the whole path after
// its first slash, as S3 reads it.
func (a addressing) split(r *http.Request) (bucket, key string, virtual bool) {
	if len(a.domains) == 0 {
		bucket, key = splitPath(r.URL.Path)
		return bucket, key, false
	}
	if b, ok := a.hostBucket(hostName(r.Host)); ok {
		return b, strings.TrimPrefix(r.URL.Path, "/"), true
	}
	bucket, key = splitPath(r.URL.Path)
	return bucket, key, false
}

// classify names the S3 operation of a request, for the metrics.
func (a addressing) classify(r *http.Request) op {
	bucket, key, _ := a.split(r)
	return lookup(r.Method, bucket, key, r.URL.RawQuery, r.Header.Get("X-Amz-Copy-Source") != "").op
}

// pathStyle rewrites the URL of a virtual-hosted-style request to path
// style for gofakes3's router, which reads the bucket from the path. The
// signature was checked before, on the path as sent.
func pathStyle(r *http.Request, bucket, key string) {
	u := *r.URL
	u.Path, u.RawPath = "/"+bucket, ""
	if key != "" {
		u.Path += "/" + key
	}
	r.URL = &u
}

// checkPathStyle refuses a path-style request that is, by every sign, a
// virtual-hosted-style one for a Host under no configured domain: the
// Host's first label names an existing gateway bucket, and the path names
// none ("/", or a bucket that does not exist). Served as path style, it
// would be answered for the wrong bucket (a ListObjects taken for
// ListBuckets lists an empty bucket), or create a bucket named after a
// key. A path-style client whose host happens to begin with a bucket's
// name is refused the same way, with the same explanation.
func (g *Gateway) checkPathStyle(r *http.Request, bucket string) error {
	if bucket != "" {
		// The common case, first: a bucket that exists (a cached lookup).
		if _, err := g.target(bucket); !isNoSuchBucket(err) {
			return nil
		}
	}
	host := hostName(r.Host)
	label, rest, ok := strings.Cut(host, ".")
	if !ok || rest == "" || net.ParseIP(host) != nil || catalog.ValidateBucketName(label, s3err.InvalidBucketName, "Bucket") != nil {
		return nil
	}
	if _, err := g.target(label); err != nil {
		return nil
	}
	how := "no --domain is set"
	if len(g.addr.domains) > 0 {
		how = "it is under none of the --domain names (" + strings.Join(g.addr.domains, ", ") + ")"
	}
	return s3err.New(s3err.InvalidRequest,
		"The Host %q names bucket %q in virtual-hosted style, but %s: serve with --domain %s, or use path-style addressing through a host that does not begin with a bucket's name.",
		cutForMessage(r.Host), label, how, cutForMessage(rest))
}

// isNoSuchBucket reports whether err is the refusal of a bucket that does
// not exist.
func isNoSuchBucket(err error) bool {
	if err == nil {
		// Spares the target of errors.As, which escapes, on every request.
		return false
	}
	var e *s3err.Error
	return errors.As(err, &e) && e.Code == string(s3err.NoSuchBucket)
}

// cutForMessage cuts a client-supplied string short for an error message.
func cutForMessage(s string) string {
	const max = 100
	s = strings.ToValidUTF8(s, "?")
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
