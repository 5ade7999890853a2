package backend

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SignedGet sends one SigV4-signed GET of path, a path from the root of the
// endpoint (unescaped, such as "/bucket" or
// "/_/metadata/admin/buckets/bucket/id"), with query, and returns the
// answer whatever its status: the caller reads and closes its body. It is
// sent once, never retried, and has no deadline but ctx's, so that a change
// feed can read an answer that streams for as long as it is connected.
// op names the call for Observe and errors.
func (c *Client) SignedGet(ctx context.Context, op, path string, query url.Values) (*http.Response, error) {
	raw := strings.TrimRight(c.endpoint.Path, "/") + path
	escaped := escape(raw, true)
	canonical := canonicalQuery(query)
	u := &url.URL{Scheme: c.endpoint.Scheme, Host: c.endpoint.Host, Path: raw, RawQuery: canonical}
	if escaped != raw {
		u.RawPath = escaped
	}
	req, err := http.NewRequestWithContext(withOperation(ctx, op), http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, path, err)
	}
	req.Host = c.host
	req.Header["User-Agent"] = userAgent
	c.sign.sign(req, nil, c.host, escaped, canonical, emptySHA256, time.Now())
	// Not signed, and asked for so that Go's transport does not ask for
	// gzip: a compressing server may hold a stream back to fill a block.
	req.Header["Accept-Encoding"] = []string{"identity"}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, path, err)
	}
	return resp, nil
}
