package backend

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Object lock is the backend's: its bucket's configuration, and the
// retention and legal hold of its versions. The gateway relays the
// documents as they are, so that the backend's own checks and answers
// are the client's.

// LockHeaders are the object lock headers of a write (and of a read's
// answer): S3 keeps them with a version, as it keeps metadata, but they
// are set per version rather than copied with it.
var LockHeaders = []string{"X-Amz-Object-Lock-Mode", "X-Amz-Object-Lock-Retain-Until-Date", "X-Amz-Object-Lock-Legal-Hold"}

// IsLockHeader reports whether the canonical header name k is one of
// LockHeaders.
func IsLockHeader(k string) bool {
	for _, h := range LockHeaders {
		if k == h {
			return true
		}
	}
	return false
}

// lockOps are the S3 operations of the object lock subresources, by
// method and subresource.
var lockOps = map[string]string{
	"GET object-lock": "GetObjectLockConfiguration", "PUT object-lock": "PutObjectLockConfiguration",
	"GET retention": "GetObjectRetention", "PUT retention": "PutObjectRetention",
	"GET legal-hold": "GetObjectLegalHold", "PUT legal-hold": "PutObjectLegalHold",
}

// maxLockDocument bounds an object lock document read from the backend.
const maxLockDocument = 64 << 10

// LockRequest is one object lock call: sub is "object-lock" (on the
// bucket, key empty), "retention" or "legal-hold" (on a version).
type LockRequest struct {
	Method, Key, VersionID, Sub string
	// Body is the document of a PUT, sent with its Content-MD5 as S3
	// requires.
	Body []byte
	// BypassGovernance sends x-amz-bypass-governance-retention.
	BypassGovernance bool
}

// ObjectLock relays an object lock call and returns the document the
// backend answered (empty for a PUT).
func (c *Client) ObjectLock(ctx context.Context, req LockRequest) ([]byte, error) {
	op, ok := lockOps[req.Method+" "+req.Sub]
	if !ok {
		return nil, fmt.Errorf("object lock call %s ?%s: not an S3 operation", req.Method, req.Sub)
	}
	query := req.Sub + "="
	if req.VersionID != "" {
		query += "&versionId=" + escape(req.VersionID, false)
	}
	k := &objectCall{op: op, method: req.Method, key: req.Key, versionID: req.VersionID, query: query}
	if req.Method == http.MethodPut {
		sum := md5.Sum(req.Body)
		k.set("content-md5", base64.StdEncoding.EncodeToString(sum[:]))
		k.body, k.size = bytes.NewReader(req.Body), int64(len(req.Body))
	}
	if req.BypassGovernance {
		k.set("x-amz-bypass-governance-retention", "true")
	}
	resp, err := c.do(ctx, k)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	doc, err := io.ReadAll(io.LimitReader(resp.Body, maxLockDocument))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read the answer: %w", op, c.describe(req.Key), err)
	}
	return doc, nil
}

// ObjectLockEnabled reports whether the backend bucket has object lock
// enabled.
func (c *Client) ObjectLockEnabled(ctx context.Context) (bool, error) {
	doc, err := c.ObjectLock(ctx, LockRequest{Method: http.MethodGet, Sub: "object-lock"})
	var be *Error
	if errors.As(err, &be) && (be.Code == "ObjectLockConfigurationNotFoundError" || be.Status == http.StatusNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var cfg struct {
		Enabled string `xml:"ObjectLockEnabled"`
	}
	if err := xml.Unmarshal(doc, &cfg); err != nil {
		return false, fmt.Errorf("read the object lock configuration of %s: %w", c.bucket, err)
	}
	return cfg.Enabled == "Enabled", nil
}

// IsLockRefusal reports whether err is the backend refusing a change
// that object lock forbids (a locked version deleted, a retention
// shortened), rather than refusing the gateway's own credentials: both
// are 403 AccessDenied, told apart by the operation, which only object
// lock refuses once the gateway may write, and by the message, which
// names the lock (MinIO: "Object is WORM protected", AWS: "... protected
// by object lock", S3 Connector: "... locked ...").
func IsLockRefusal(err error) bool {
	var be *Error
	if !errors.As(err, &be) || be.Code != "AccessDenied" {
		return false
	}
	switch be.Op {
	case "DeleteObject", "DeleteObjects", "PutObjectRetention", "PutObjectLegalHold":
	default:
		return false
	}
	msg := strings.ToLower(be.Message)
	for _, word := range []string{"lock", "worm", "retention", "legal hold"} {
		if strings.Contains(msg, word) {
			return true
		}
	}
	return false
}

// withHeaders sets raw headers on an SDK call: the object lock headers
// pass through as the client sent them, which the SDK's typed fields
// (a parsed date) would not keep.
func withHeaders(h map[string]string) func(*s3.Options) {
	return func(o *s3.Options) {
		if len(h) == 0 {
			return
		}
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Build.Add(middleware.BuildMiddlewareFunc("ringsideHeaders",
				func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
					if req, ok := in.Request.(*smithyhttp.Request); ok {
						for k, v := range h {
							req.Header.Set(k, v)
						}
					}
					return next.HandleBuild(ctx, in)
				}), middleware.After)
		})
	}
}
