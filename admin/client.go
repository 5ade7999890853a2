package admin

// The admin API's client, used by the ringside CLI and by tests.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/mirror"
)

// Client calls a running ringside's admin API.
type Client struct {
	base  string
	token string
	http  *http.Client
}

// NewClient makes a client for the admin API at baseURL
// (http://host:port) with the admin token; hc nil means
// http.DefaultClient. Calls are bounded by their context only, since a
// rescan with wait or a resync may take long.
func NewClient(baseURL, token string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), token: token, http: hc}
}

// Healthy reports whether the server answers /healthz.
func (c *Client) Healthy(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/healthz", nil, nil)
}

// Ready reports whether the server answers /readyz with 200.
func (c *Client) Ready(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/readyz", nil, nil)
}

// Locations lists every location.
func (c *Client) Locations(ctx context.Context) ([]Location, error) {
	var out []Location
	err := c.do(ctx, http.MethodGet, "/api/v1/locations", nil, &out)
	return out, err
}

// AddLocation adds a location; the server checks its target bucket.
func (c *Client) AddLocation(ctx context.Context, l NewLocation) (Location, error) {
	var out Location
	err := c.do(ctx, http.MethodPost, "/api/v1/locations", l, &out)
	return out, err
}

// Location shows one location.
func (c *Client) Location(ctx context.Context, name string) (Location, error) {
	var out Location
	err := c.do(ctx, http.MethodGet, "/api/v1/locations/"+url.PathEscape(name), nil, &out)
	return out, err
}

// UpdateLocation changes the given fields of a location; the server
// checks the new settings against the backend before storing them.
func (c *Client) UpdateLocation(ctx context.Context, name string, u LocationUpdate) (Location, error) {
	var out Location
	err := c.do(ctx, http.MethodPatch, "/api/v1/locations/"+url.PathEscape(name), u, &out)
	return out, err
}

// FeedToken shows a webhook location's path and token again.
func (c *Client) FeedToken(ctx context.Context, name string) (FeedToken, error) {
	var out FeedToken
	err := c.do(ctx, http.MethodGet, "/api/v1/locations/"+url.PathEscape(name)+"/feed-token", nil, &out)
	return out, err
}

// RemoveLocation removes a location no bucket uses.
func (c *Client) RemoveLocation(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/locations/"+url.PathEscape(name), nil, nil)
}

// Buckets lists the gateway buckets.
func (c *Client) Buckets(ctx context.Context) ([]Bucket, error) {
	var out []Bucket
	err := c.do(ctx, http.MethodGet, "/api/v1/buckets", nil, &out)
	return out, err
}

// CreateBucket creates a gateway bucket on a location, in mirror mode if
// asked.
func (c *Client) CreateBucket(ctx context.Context, name, location string, mirrorMode bool) (index.Bucket, error) {
	var out index.Bucket
	req := CreateBucketRequest{Name: name, Location: location, Mirror: mirrorMode}
	err := c.do(ctx, http.MethodPost, "/api/v1/buckets", req, &out)
	return out, err
}

// Bucket shows one gateway bucket.
func (c *Client) Bucket(ctx context.Context, name string) (Bucket, error) {
	var out Bucket
	err := c.do(ctx, http.MethodGet, "/api/v1/buckets/"+url.PathEscape(name), nil, &out)
	return out, err
}

// DeleteBucket deletes an empty gateway bucket.
func (c *Client) DeleteBucket(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/buckets/"+url.PathEscape(name), nil, nil)
}

// ResyncBucket rebuilds a bucket's index from the backend and returns when
// it is done.
func (c *Client) ResyncBucket(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodPost, "/api/v1/buckets/"+url.PathEscape(name)+"/resync", nil, nil)
}

// MirrorStatusAll returns every mirror bucket's status.
func (c *Client) MirrorStatusAll(ctx context.Context) ([]mirror.Status, error) {
	var out []mirror.Status
	err := c.do(ctx, http.MethodGet, "/api/v1/mirror", nil, &out)
	return out, err
}

// MirrorStatus returns one mirror bucket's status.
func (c *Client) MirrorStatus(ctx context.Context, bucket string) (mirror.Status, error) {
	var out mirror.Status
	err := c.do(ctx, http.MethodGet, mirrorPath(bucket, ""), nil, &out)
	return out, err
}

// PauseMirror pauses a mirror bucket's passes and returns its status.
func (c *Client) PauseMirror(ctx context.Context, bucket string) (mirror.Status, error) {
	var out mirror.Status
	err := c.do(ctx, http.MethodPost, mirrorPath(bucket, "/pause"), nil, &out)
	return out, err
}

// ResumeMirror resumes a mirror bucket's passes and returns its status.
func (c *Client) ResumeMirror(ctx context.Context, bucket string) (mirror.Status, error) {
	var out mirror.Status
	err := c.do(ctx, http.MethodPost, mirrorPath(bucket, "/resume"), nil, &out)
	return out, err
}

// Rescan starts a full pass of a mirror bucket; with wait it returns once
// a full pass has finished. It returns the bucket's status after.
func (c *Client) Rescan(ctx context.Context, bucket string, wait bool) (mirror.Status, error) {
	var out mirror.Status
	path := mirrorPath(bucket, "/rescan")
	if wait {
		path += "?wait=true"
	}
	err := c.do(ctx, http.MethodPost, path, nil, &out)
	return out, err
}

func mirrorPath(bucket, action string) string {
	return "/api/v1/mirror/" + url.PathEscape(bucket) + action
}

// do sends one request and decodes a 2xx answer into out (if not nil). A
// failure answer becomes a *Error with the code, message and status the
// gateway sent.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("build %s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("reach the admin API at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return decodeError(resp)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode the answer to %s %s: %w", method, path, err)
	}
	return nil
}

// decodeError reads a failure answer; one that is not the admin API's JSON
// (a proxy, a wrong port) is reported with its status and the start of its
// body.
func decodeError(resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var e Error
	if json.Unmarshal(raw, &e) == nil && e.Code != "" {
		e.Status = resp.StatusCode
		return &e
	}
	msg := strings.TrimSpace(string(raw))
	if len(msg) > 200 {
		msg = msg[:200]
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return &Error{Code: fmt.Sprintf("HTTP%d", resp.StatusCode), Message: msg, Status: resp.StatusCode}
}
