package s3auth

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/ringside/ringside/internal/s3err"
	"github.com/ringside/ringside/internal/s3time"
	"github.com/ringside/ringside/internal/sigv4"
)

// Browser uploads (POST Object): a multipart/form-data POST to a bucket
// whose fields carry a policy document and its SigV4 signature instead of
// an Authorization header. The fields before the file are read here and
// the policy verified; the file itself is handed on as a stream.

// PostUpload is a browser upload whose form its policy allowed.
type PostUpload struct {
	// Fields are the form fields before the file, by lower-case name
	// (the first of a repeated name).
	Fields map[string]string
	// Key is the object key, with ${filename} replaced.
	Key string
	// File streams the file's bytes. It fails with EntityTooSmall or
	// EntityTooLarge outside the policy's content-length-range (or above
	// MaxPostSize), and with BadDigest when an x-amz-checksum-* field does
	// not match: only a reader that reached io.EOF read an allowed file.
	File io.Reader
}

// MaxPostSize is the largest file a browser upload may carry, S3's limit
// of a single PUT.
const MaxPostSize = 5 << 30

// maxPostFields bounds the form fields before the file (S3 allows 20 KB).
const maxPostFields = 20 << 10

type postUploadKey struct{}

// PostUploadOf returns the verified browser upload of a request, or nil
// when the request is not one.
func PostUploadOf(ctx context.Context) *PostUpload {
	u, _ := ctx.Value(postUploadKey{}).(*PostUpload)
	return u
}

// isFormPost reports whether r is to be authenticated by its form: an
// unsigned POST to a bucket that names no subresource.
func isFormPost(r *http.Request) bool {
	if r.Method != http.MethodPost || r.URL.RawQuery != "" || r.Header.Get("Authorization") != "" {
		return false
	}
	_, key, _ := strings.Cut(strings.TrimLeft(r.URL.Path, "/"), "/")
	return key == ""
}

// postAuthFields are the form fields of a signed upload: one present
// requires all.
var postAuthFields = [...]string{"policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"}

// verifyPost reads the form fields of a browser upload up to its file and
// verifies the policy and its signature.
func (v *sigV4Verifier) verifyPost(r *http.Request) (*PostUpload, *s3err.Error) {
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" {
		// S3 names the condition in an element of its own: "Bucket POST
		// must be of the enclosure-type multipart/form-data".
		return nil, s3err.New(s3err.PreconditionFailed, "At least one of the pre-conditions you specified did not hold.")
	}
	if params["boundary"] == "" {
		return nil, s3err.Get(s3err.MalformedPOSTRequest)
	}
	fields, file, e := readPostFields(multipart.NewReader(r.Body, params["boundary"]))
	if e != nil {
		return nil, e
	}
	policy, e := v.verifyPostSignature(fields)
	if e != nil {
		return nil, e
	}
	bucket, _, _ := strings.Cut(strings.TrimLeft(r.URL.Path, "/"), "/")
	if e := policy.check(fields, bucket, v.now()); e != nil {
		return nil, e
	}
	if fields["key"] == "" {
		return nil, missingPostField("key")
	}
	u := &PostUpload{
		Fields: fields,
		Key:    strings.ReplaceAll(fields["key"], "${filename}", file.FileName()),
	}
	f := &postFile{r: file, min: policy.minSize, max: MaxPostSize}
	if policy.maxSize >= 0 && policy.maxSize < f.max {
		f.max = policy.maxSize
	}
	if f.check, e = postChecksum(fields); e != nil {
		return nil, e
	}
	u.File = f
	return u, nil
}

// readPostFields reads the fields that precede the file part, and returns
// them with the file part. Fields after the file are never read, as S3
// ignores them.
func readPostFields(mr *multipart.Reader) (map[string]string, *multipart.Part, *s3err.Error) {
	fields := map[string]string{}
	budget := int64(maxPostFields)
	for {
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return nil, nil, s3err.Get(s3err.IncorrectNumberOfFilesInPost)
		}
		if err != nil {
			return nil, nil, s3err.Get(s3err.MalformedPOSTRequest)
		}
		name := strings.ToLower(part.FormName())
		if name == "file" {
			return fields, part, nil
		}
		value, err := io.ReadAll(io.LimitReader(part, budget+1))
		if err != nil {
			return nil, nil, s3err.Get(s3err.MalformedPOSTRequest)
		}
		if budget -= int64(len(value)); budget < 0 {
			return nil, nil, s3err.Get(s3err.MaxPostPreDataLengthExceeded)
		}
		if _, seen := fields[name]; !seen && name != "" {
			fields[name] = string(value)
		}
	}
}

func missingPostField(name string) *s3err.Error {
	return invalidArgument("Bucket POST must contain a field named '" + name +
		"'.  If it is specified, please check the order of the fields.")
}

// verifyPostSignature checks the form's SigV4 fields: the signature is
// the HMAC of the base64 policy under the credential's signing key.
func (v *sigV4Verifier) verifyPostSignature(fields map[string]string) (*postPolicy, *s3err.Error) {
	signed := false
	for _, name := range postAuthFields {
		_, ok := fields[name]
		signed = signed || ok
	}
	if !signed {
		// An anonymous upload: ringside's buckets are private.
		return nil, s3err.Get(s3err.AccessDenied)
	}
	for _, name := range postAuthFields {
		if _, ok := fields[name]; !ok {
			return nil, missingPostField(name)
		}
	}
	if alg := fields["x-amz-algorithm"]; alg != sigv4.Algorithm {
		return nil, invalidArgument("Only AWS4-HMAC-SHA256 is supported")
	}
	t, err := s3time.ParseAmzDate(fields["x-amz-date"])
	if err != nil {
		return nil, invalidArgument("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".")
	}
	auth, e := parseCredential(fields["x-amz-credential"], func(string) *s3err.Error {
		return invalidArgument(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`)
	})
	if e != nil {
		return nil, e
	}
	if !s3time.IsScopeDay(t, auth.Date) {
		return nil, invalidArgument("Invalid credential date. Date is not the same as X-Amz-Date.")
	}
	secret, ok := v.secret(auth.AccessKey)
	if !ok {
		return nil, errUnknownAccessKey
	}
	key := sigv4.SigningKey(secret, auth.Date, auth.Region)
	want := sigv4.HMAC(key, fields["policy"])
	got, err := hex.DecodeString(strings.ToLower(fields["x-amz-signature"]))
	if err != nil || !hmac.Equal(got, want) {
		return nil, errSignatureMismatch
	}
	return parsePostPolicy(fields["policy"])
}

// postChecksum is the check of the x-amz-checksum-* field of the form, if
// it has one; two are refused, as S3 refuses two checksum headers.
func postChecksum(fields map[string]string) (*bodyCheck, *s3err.Error) {
	var check *bodyCheck
	for name, value := range fields {
		alg, ok := strings.CutPrefix(name, checksumHeaderPrefix)
		if !ok || alg == "algorithm" || alg == "type" {
			continue
		}
		if checksumAlgorithms[alg] == nil {
			return nil, invalidRequest("The algorithm type you specified in x-amz-checksum- header is invalid.")
		}
		if check != nil {
			return nil, invalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		var e *s3err.Error
		if check, e = checksumCheck(alg, value); e != nil {
			return nil, e
		}
	}
	return check, nil
}

// postFile is the file of a browser upload, held to its size bounds and
// checksum.
type postFile struct {
	r        io.Reader
	n        int64
	min, max int64
	check    *bodyCheck // nil without a checksum field
	err      error
}

func (f *postFile) Read(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.r.Read(p)
	f.n += int64(n)
	if f.check != nil {
		f.check.hash.Write(p[:n])
	}
	switch {
	case f.n > f.max:
		f.err = s3err.Get(s3err.EntityTooLarge)
	case errors.Is(err, io.EOF) && f.n < f.min:
		f.err = s3err.Get(s3err.EntityTooSmall)
	case errors.Is(err, io.EOF) && f.check != nil:
		if e := f.check.verify(); e != nil {
			f.err = e
		}
	case err != nil && !errors.Is(err, io.EOF):
		// A form cut short ends its file without a closing boundary.
		f.err = s3err.Get(s3err.IncompleteBody)
	}
	if f.err != nil {
		return 0, f.err
	}
	return n, err
}
