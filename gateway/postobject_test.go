package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ringside/ringside/internal/sigv4"
)

// postForm is a browser upload form as a test builds it: fields in order,
// then the file, then fields after the file.
type postForm struct {
	fields [][2]string
	file   string
	after  [][2]string
}

// signedPostForm is the form a client signs for bucket and key with the
// given extra conditions and fields, as boto3's generate_presigned_post
// does: every field it sends is named by a condition.
func signedPostForm(bucket, key, secret string, expires time.Time, conds []any, fields ...[2]string) postForm {
	now := time.Now().UTC()
	cred := clientAccess + "/" + now.Format(sigv4.ScopeDateFormat) + "/us-east-1/s3/aws4_request"
	base := [][2]string{
		{"key", key},
		{"x-amz-algorithm", sigv4.Algorithm},
		{"x-amz-credential", cred},
		{"x-amz-date", now.Format(sigv4.AmzDateFormat)},
	}
	conds = append([]any{map[string]string{"bucket": bucket}}, conds...)
	for _, f := range append(base[:len(base):len(base)], fields...) {
		conds = append(conds, map[string]string{f[0]: f[1]})
	}
	doc, _ := json.Marshal(map[string]any{"expiration": expires.Format(time.RFC3339), "conditions": conds})
	policy := base64.StdEncoding.EncodeToString(doc)
	sig := sigv4.HMAC(sigv4.SigningKey(secret, now.Format(sigv4.ScopeDateFormat), "us-east-1"), policy)
	all := append(base, fields...)
	all = append(all, [2]string{"policy", policy}, [2]string{"x-amz-signature", hexOf(sig)})
	return postForm{fields: all, file: "hello, form"}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}

// post sends the form to bucket.
func (e *s3Env) post(bucket string, f postForm) *http.Response {
	e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, kv := range f.fields {
		_ = w.WriteField(kv[0], kv[1])
	}
	fw, _ := w.CreateFormFile("file", "photo.jpg")
	_, _ = io.WriteString(fw, f.file)
	for _, kv := range f.after {
		_ = w.WriteField(kv[0], kv[1])
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, e.url+"/"+bucket, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	// A redirect is the answer under test, not to be followed.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func errorCodeOf(t *testing.T, resp *http.Response) (string, string) {
	t.Helper()
	var doc struct{ Code, Message string }
	b, _ := io.ReadAll(resp.Body)
	_ = xml.Unmarshal(b, &doc)
	return doc.Code, doc.Message
}

func TestPostObjectStoresTheFile(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("forms", "shared")
	later := time.Now().Add(time.Hour)
	cases := []struct {
		name       string
		form       postForm
		wantStatus int
		wantKey    string
	}{
		{"default 204", signedPostForm("forms", "a.txt", clientSecret, later, nil), http.StatusNoContent, "a.txt"},
		{"status 200", signedPostForm("forms", "b.txt", clientSecret, later, nil,
			[2]string{"success_action_status", "200"}), http.StatusOK, "b.txt"},
		{"status 201", signedPostForm("forms", "c.txt", clientSecret, later, nil,
			[2]string{"success_action_status", "201"}), http.StatusCreated, "c.txt"},
		{"filename substituted", signedPostForm("forms", "up/${filename}", clientSecret, later, nil), http.StatusNoContent, "up/photo.jpg"},
		{"redirect", signedPostForm("forms", "d.txt", clientSecret, later, nil,
			[2]string{"success_action_redirect", "http://example.test/done?x=1"}), http.StatusSeeOther, "d.txt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := e.post("forms", c.form)
			if resp.StatusCode != c.wantStatus {
				code, msg := errorCodeOf(t, resp)
				t.Fatalf("status %d (%s: %s), want %d", resp.StatusCode, code, msg, c.wantStatus)
			}
			_, body := e.get("forms", c.wantKey)
			if body != "hello, form" {
				t.Fatalf("stored %q", body)
			}
			if c.wantStatus == http.StatusSeeOther {
				to, _ := url.Parse(resp.Header.Get("Location"))
				if to.Host != "example.test" || to.Query().Get("key") != c.wantKey || to.Query().Get("bucket") != "forms" || to.Query().Get("x") != "1" {
					t.Fatalf("redirect to %s", to)
				}
			}
			if c.wantStatus == http.StatusCreated {
				var doc postResponse
				b, _ := io.ReadAll(resp.Body)
				if err := xml.Unmarshal(b, &doc); err != nil || doc.Key != c.wantKey || doc.Bucket != "forms" || doc.ETag == "" {
					t.Fatalf("PostResponse %s (%v)", b, err)
				}
			}
		})
	}
}

func TestPostObjectFieldsBecomeMetadata(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("forms", "shared")
	f := signedPostForm("forms", "m.txt", clientSecret, time.Now().Add(time.Hour), nil,
		[2]string{"Content-Type", "text/plain"},
		[2]string{"x-amz-meta-owner", "alice"},
		[2]string{"tagging", "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>"})
	f.after = [][2]string{{"x-amz-meta-late", "ignored"}}
	if resp := e.post("forms", f); resp.StatusCode != http.StatusNoContent {
		code, msg := errorCodeOf(t, resp)
		t.Fatalf("status %d %s %s", resp.StatusCode, code, msg)
	}
	out, err := e.s3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String("forms"), Key: aws.String("m.txt")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ContentType) != "text/plain" || out.Metadata["owner"] != "alice" || out.Metadata["late"] != "" {
		t.Fatalf("content type %q, metadata %v", aws.ToString(out.ContentType), out.Metadata)
	}
	tags, err := e.s3.GetObjectTagging(t.Context(), &s3.GetObjectTaggingInput{Bucket: aws.String("forms"), Key: aws.String("m.txt")})
	if err != nil || len(tags.TagSet) != 1 || aws.ToString(tags.TagSet[0].Key) != "k" {
		t.Fatalf("tags %+v, %v", tags, err)
	}
}

func TestPostObjectRefusals(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("forms", "shared")
	later := time.Now().Add(time.Hour)
	withoutField := func(f postForm, name string) postForm {
		var kept [][2]string
		for _, kv := range f.fields {
			if kv[0] != name {
				kept = append(kept, kv)
			}
		}
		f.fields = kept
		return f
	}
	extra := signedPostForm("forms", "x", clientSecret, later, nil)
	extra.fields = append(extra.fields, [2]string{"Content-Type", "text/plain"})
	big := signedPostForm("forms", "x", clientSecret, later, []any{[]any{"content-length-range", 1, 4}})
	small := signedPostForm("forms", "x", clientSecret, later, []any{[]any{"content-length-range", 100, 200}})
	cases := []struct {
		name       string
		bucket     string
		form       postForm
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{"no signature fields", "forms", postForm{fields: [][2]string{{"key", "x"}}, file: "x"}, 403, "AccessDenied", "Access Denied."},
		{"missing signature", "forms", withoutField(signedPostForm("forms", "x", clientSecret, later, nil), "x-amz-signature"), 400, "InvalidArgument", "x-amz-signature"},
		{"bad secret", "forms", signedPostForm("forms", "x", "wrong-secret", later, nil), 403, "SignatureDoesNotMatch", ""},
		{"expired", "forms", signedPostForm("forms", "x", clientSecret, time.Now().Add(-time.Minute), nil), 403, "AccessDenied", "Invalid according to Policy: Policy expired."},
		{"condition failed", "forms", signedPostForm("forms", "x", clientSecret, later, []any{[]any{"eq", "$key", "expected-key"}}), 403, "AccessDenied", `Policy Condition failed: ["eq","$key","expected-key"]`},
		{"wrong bucket", "other", signedPostForm("forms", "x", clientSecret, later, nil), 403, "AccessDenied", "Policy Condition failed"},
		{"extra field", "forms", extra, 403, "AccessDenied", "Extra input fields: content-type"},
		{"too large", "forms", big, 400, "EntityTooLarge", ""},
		{"too small", "forms", small, 400, "EntityTooSmall", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := e.post(c.bucket, c.form)
			code, msg := errorCodeOf(t, resp)
			if resp.StatusCode != c.wantStatus || code != c.wantCode || !strings.Contains(msg, c.wantMsg) {
				t.Fatalf("got %d %s %q, want %d %s %q", resp.StatusCode, code, msg, c.wantStatus, c.wantCode, c.wantMsg)
			}
			if keys := e.backendKeys("shared"); len(keys) != 0 {
				t.Fatalf("the backend holds %v after a refusal", keys)
			}
		})
	}
}

func TestPostObjectLeavesNoSpoolFile(t *testing.T) {
	dir := t.TempDir()
	e := newS3EnvWith(t, "", func(c *Config) { c.SpoolDir = dir })
	e.createBucket("forms", "shared")
	later := time.Now().Add(time.Hour)
	ok := signedPostForm("forms", "s.txt", clientSecret, later, nil)
	tooBig := signedPostForm("forms", "t.txt", clientSecret, later, []any{[]any{"content-length-range", 0, 3}})
	for _, f := range []postForm{ok, tooBig} {
		e.post("forms", f)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("spool files left: %v", left)
	}
	if _, body := e.get("forms", "s.txt"); body != "hello, form" {
		t.Fatalf("stored %q", body)
	}
}

func TestPostObjectNeedsALength(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("forms", "shared")
	f := signedPostForm("forms", "n.txt", clientSecret, time.Now().Add(time.Hour), nil)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, kv := range f.fields {
		_ = w.WriteField(kv[0], kv[1])
	}
	fw, _ := w.CreateFormFile("file", "n.txt")
	_, _ = io.WriteString(fw, "unbounded")
	_ = w.Close()
	// A reader of unknown length: the form goes out chunked.
	req, _ := http.NewRequest(http.MethodPost, e.url+"/forms", io.MultiReader(&body))
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if code, _ := errorCodeOf(t, resp); resp.StatusCode != http.StatusLengthRequired || code != "MissingContentLength" {
		t.Fatalf("got %d %s, want 411 MissingContentLength", resp.StatusCode, code)
	}
	if keys := e.backendKeys("shared"); len(keys) != 0 {
		t.Fatalf("the backend holds %v", keys)
	}
}
