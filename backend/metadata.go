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
			h.User[strings.ToLower(k[len(userMetaPrefix):])] = EncodeMetaValue(v)
		}
	}
	return h
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

// setMetadata adds the metadata headers of a write to k (any case of
// header names in meta); other headers than metadata ones are dropped, and
// so are empty standard headers, as the SDK drops them.
func setMetadata(k *objectCall, meta map[string]string) {
	for name, v := range meta {
		ck := textproto.CanonicalMIMEHeaderKey(name)
		if lowerName, ok := standardHeaders[ck]; ok {
			if v != "" {
				k.setOnce(lowerName, v)
			}
		} else if strings.HasPrefix(ck, userMetaPrefix) && len(ck) > len(userMetaPrefix) {
			k.setOnce(strings.ToLower(ck), EncodeMetaValue(v))
		}
	}
}

// standardHeaders are the standard headers S3 stores with an object, by
// canonical name, with their lower-case names.
var standardHeaders = map[string]string{
	"Cache-Control": "cache-control", "Content-Disposition": "content-disposition",
	"Content-Encoding": "content-encoding", "Content-Language": "content-language",
	"Content-Type": "content-type", "Expires": "expires",
}
