package backend

import (
	"context"
	"net/textproto"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

const userMetaPrefix = "X-Amz-Meta-"

// headers is object metadata in the SDK's fields. User metadata keys are
// lower case and without their prefix, as S3 returns them.
type headers struct {
	CacheControl, ContentDisposition, ContentEncoding, ContentLanguage, ContentType *string
	// Expires travels as the raw header: the SDK only takes a time, and S3
	// keeps whatever string it was given.
	Expires *string
	User    map[string]string
}

// toHeaders reads a metadata map (any case of header names); other
// headers than metadata ones are dropped.
func toHeaders(meta map[string]string) headers {
	var h headers
	for k, v := range meta {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		switch {
		case ck == "Cache-Control":
			h.CacheControl = aws.String(v)
		case ck == "Content-Disposition":
			h.ContentDisposition = aws.String(v)
		case ck == "Content-Encoding":
			h.ContentEncoding = aws.String(v)
		case ck == "Content-Language":
			h.ContentLanguage = aws.String(v)
		case ck == "Content-Type":
			h.ContentType = aws.String(v)
		case ck == "Expires":
			h.Expires = aws.String(v)
		case strings.HasPrefix(ck, userMetaPrefix) && len(k) > len(userMetaPrefix):
			if h.User == nil {
				h.User = map[string]string{}
			}
			h.User[strings.ToLower(k[len(userMetaPrefix):])] = v
		}
	}
	return h
}

// metadata is the metadata map of headers read back from S3.
func (h headers) metadata() map[string]string {
	meta := map[string]string{}
	for name, v := range map[string]*string{
		"Cache-Control": h.CacheControl, "Content-Disposition": h.ContentDisposition,
		"Content-Encoding": h.ContentEncoding, "Content-Language": h.ContentLanguage,
		"Content-Type": h.ContentType, "Expires": h.Expires,
	} {
		if v != nil && *v != "" {
			meta[name] = *v
		}
	}
	for k, v := range h.User {
		meta[userMetaPrefix+textproto.CanonicalMIMEHeaderKey(k)] = v
	}
	return meta
}

// withExpires sets the raw Expires header on a write, if there is one.
func (h headers) withExpires(o *s3.Options) {
	if h.Expires == nil {
		return
	}
	raw := *h.Expires
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Build.Add(middleware.BuildMiddlewareFunc("ringsideExpires",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					req.Header.Set("Expires", raw)
				}
				return next.HandleBuild(ctx, in)
			}), middleware.After)
	})
}
