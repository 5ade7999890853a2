package gateway

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/ringside/ringside/backend"
)

// sdkContentType is the Content-Type the SDK sends for a body when it is
// given none.
const sdkContentType = "application/octet-stream"

func md5ETag(s string) string {
	sum := md5.Sum([]byte(s))
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

func TestPutGetHead(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "ring")
	expires := time.Date(2044, 12, 1, 16, 0, 0, 0, time.UTC)
	put := e.put("data", "dir/a.txt", "hello world", func(in *s3.PutObjectInput) {
		in.ContentType = aws.String("text/plain")
		in.CacheControl = aws.String("max-age=60")
		in.ContentLanguage = aws.String("fr")
		in.ContentDisposition = aws.String(`attachment; filename="a.txt"`)
		in.Expires = aws.Time(expires)
		in.Metadata = map[string]string{"color": "blue"}
	})
	if aws.ToString(put.ETag) != md5ETag("hello world") || aws.ToString(put.VersionId) == "" {
		t.Fatalf("put answered etag %q version %q", aws.ToString(put.ETag), aws.ToString(put.VersionId))
	}

	get, body := e.get("data", "dir/a.txt")
	if body != "hello world" {
		t.Errorf("body = %q", body)
	}
	head, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("dir/a.txt")})
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]struct {
		contentType, cacheControl, language, disposition, etag, version, expires string
		meta                                                                     map[string]string
		length                                                                   int64
	}{
		"get":  {aws.ToString(get.ContentType), aws.ToString(get.CacheControl), aws.ToString(get.ContentLanguage), aws.ToString(get.ContentDisposition), aws.ToString(get.ETag), aws.ToString(get.VersionId), aws.ToString(get.ExpiresString), get.Metadata, aws.ToInt64(get.ContentLength)},
		"head": {aws.ToString(head.ContentType), aws.ToString(head.CacheControl), aws.ToString(head.ContentLanguage), aws.ToString(head.ContentDisposition), aws.ToString(head.ETag), aws.ToString(head.VersionId), aws.ToString(head.ExpiresString), head.Metadata, aws.ToInt64(head.ContentLength)},
	} {
		if got.contentType != "text/plain" || got.cacheControl != "max-age=60" || got.language != "fr" ||
			got.disposition != `attachment; filename="a.txt"` || got.etag != md5ETag("hello world") ||
			got.version != aws.ToString(put.VersionId) || got.expires != expires.Format(http.TimeFormat) ||
			!reflect.DeepEqual(got.meta, map[string]string{"color": "blue"}) || got.length != 11 {
			t.Errorf("%s answered %+v", name, got)
		}
	}
	if head.LastModified == nil || time.Since(*head.LastModified) > time.Hour {
		t.Errorf("last modified = %v", head.LastModified)
	}

	// Only the object's own headers are stored, in the index and on the
	// backend.
	v, err := e.db.Latest("data", "dir/a.txt")
	if err != nil {
		t.Fatal(err)
	}
	for k := range v.Metadata {
		if !backend.IsMetadata(k) {
			t.Errorf("index stores header %s", k)
		}
	}
	if len(v.Metadata) != 6 || v.Size != 11 || v.ETag != md5ETag("hello world") {
		t.Errorf("index record = %+v", v)
	}
	direct, err := e.direct.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("ring"), Key: aws.String("dir/a.txt")})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(direct.Metadata, map[string]string{"color": "blue"}) || aws.ToString(direct.CacheControl) != "max-age=60" {
		t.Errorf("backend object metadata %v cache-control %q", direct.Metadata, aws.ToString(direct.CacheControl))
	}
}

func TestRangeAndConditions(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "ring")
	e.put("data", "k", "0123456789")
	etag := md5ETag("0123456789")

	get, body := e.get("data", "k", func(in *s3.GetObjectInput) { in.Range = aws.String("bytes=2-5") })
	if body != "2345" || aws.ToString(get.ContentRange) != "bytes 2-5/10" {
		t.Errorf("range read %q, content-range %q", body, aws.ToString(get.ContentRange))
	}
	_, body = e.get("data", "k", func(in *s3.GetObjectInput) { in.Range = aws.String("bytes=-3") })
	if body != "789" {
		t.Errorf("suffix range read %q", body)
	}
	head, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("k"), Range: aws.String("bytes=8-")})
	if err != nil || aws.ToInt64(head.ContentLength) != 2 || aws.ToString(head.ContentRange) != "bytes 8-9/10" {
		t.Errorf("ranged head = %v %v, %v", head.ContentLength, head.ContentRange, err)
	}
	_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("k"), Range: aws.String("bytes=10-")})
	wantS3Code(t, err, "InvalidRange")

	future := time.Now().Add(time.Hour)
	past := time.Now().Add(-time.Hour)
	tests := []struct {
		name   string
		edit   func(*s3.GetObjectInput)
		status int
	}{
		{"if-match", func(in *s3.GetObjectInput) { in.IfMatch = aws.String(etag) }, 200},
		{"if-match other", func(in *s3.GetObjectInput) { in.IfMatch = aws.String(`"other"`) }, 412},
		{"if-none-match", func(in *s3.GetObjectInput) { in.IfNoneMatch = aws.String(etag) }, 304},
		{"if-none-match other", func(in *s3.GetObjectInput) { in.IfNoneMatch = aws.String(`"other"`) }, 200},
		{"if-modified-since future", func(in *s3.GetObjectInput) { in.IfModifiedSince = aws.Time(future) }, 304},
		{"if-modified-since past", func(in *s3.GetObjectInput) { in.IfModifiedSince = aws.Time(past) }, 200},
		{"if-unmodified-since past", func(in *s3.GetObjectInput) { in.IfUnmodifiedSince = aws.Time(past) }, 412},
	}
	for _, tt := range tests {
		in := &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("k")}
		tt.edit(in)
		out, err := e.s3.GetObject(ctx, in)
		status := 200
		if err != nil {
			status = httpStatusOf(err)
		} else {
			out.Body.Close()
		}
		if status != tt.status {
			t.Errorf("%s: status %d (%v), want %d", tt.name, status, err, tt.status)
		}
	}
}

func TestOverwriteReplacesMetadata(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "ring")
	e.put("data", "k", "one", func(in *s3.PutObjectInput) {
		in.Metadata = map[string]string{"one": "1"}
		in.ContentType = aws.String("text/plain")
		in.CacheControl = aws.String("no-cache")
	})
	e.put("data", "k", "two", func(in *s3.PutObjectInput) { in.Metadata = map[string]string{"two": "2"} })
	head, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(head.Metadata, map[string]string{"two": "2"}) || head.CacheControl != nil ||
		aws.ToString(head.ContentType) != sdkContentType {
		t.Errorf("after overwrite: metadata %v cache-control %v content-type %q",
			head.Metadata, aws.ToString(head.CacheControl), aws.ToString(head.ContentType))
	}
}

func TestDeleteAndVersions(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "ring")
	v1 := aws.ToString(e.put("data", "k", "v1").VersionId)
	v2 := aws.ToString(e.put("data", "k", "v2!").VersionId)
	if v1 == "" || v2 == "" || v1 == v2 {
		t.Fatalf("versions %q %q", v1, v2)
	}
	if _, body := e.get("data", "k", func(in *s3.GetObjectInput) { in.VersionId = aws.String(v1) }); body != "v1" {
		t.Errorf("GET versionId v1 = %q", body)
	}
	head, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("k"), VersionId: aws.String(v1)})
	if err != nil || aws.ToInt64(head.ContentLength) != 2 || aws.ToString(head.VersionId) != v1 || aws.ToString(head.ETag) != md5ETag("v1") {
		t.Errorf("HEAD versionId v1 = %v %v %v, %v", head.ContentLength, head.VersionId, head.ETag, err)
	}

	del, err := e.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("data"), Key: aws.String("k")})
	if err != nil || !aws.ToBool(del.DeleteMarker) || aws.ToString(del.VersionId) == "" {
		t.Fatalf("delete = %+v, %v", del, err)
	}
	marker := aws.ToString(del.VersionId)
	_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("k")})
	wantS3Code(t, err, "NoSuchKey")
	_, err = e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("k")})
	if httpStatusOf(err) != http.StatusNotFound {
		t.Errorf("HEAD after delete = %v", err)
	}
	_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("k"), VersionId: aws.String(marker)})
	if httpStatusOf(err) != http.StatusMethodNotAllowed {
		t.Errorf("GET of the delete marker = %v, want 405", err)
	}
	if _, body := e.get("data", "k", func(in *s3.GetObjectInput) { in.VersionId = aws.String(v2) }); body != "v2!" {
		t.Errorf("GET versionId v2 after delete = %q", body)
	}
	versions := e.listVersions("data")
	if want := []string{"k@" + marker + " dm latest", "k@" + v2, "k@" + v1}; !reflect.DeepEqual(versions, want) {
		t.Errorf("versions = %v, want %v", versions, want)
	}

	// Removing the delete marker brings the object back; removing v2
	// leaves v1, on the backend too.
	for _, id := range []string{marker, v2} {
		out, err := e.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("data"), Key: aws.String("k"), VersionId: aws.String(id)})
		if err != nil || aws.ToString(out.VersionId) != id {
			t.Fatalf("delete version %s = %+v, %v", id, out, err)
		}
	}
	if _, body := e.get("data", "k"); body != "v1" {
		t.Errorf("GET after version deletes = %q", body)
	}
	direct, err := e.direct.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("ring")})
	if err != nil || len(direct.Versions) != 1 || len(direct.DeleteMarkers) != 0 || aws.ToString(direct.Versions[0].VersionId) != v1 {
		t.Errorf("backend versions = %+v, %v", direct.Versions, err)
	}
	_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("k"), VersionId: aws.String(v2)})
	if httpStatusOf(err) != http.StatusNotFound && httpStatusOf(err) != http.StatusBadRequest {
		t.Errorf("GET of a removed version = %v", err)
	}
}

// listVersions lists a gateway bucket's versions as "key@id[ dm][ latest]".
func (e *s3Env) listVersions(bucket string) []string {
	e.t.Helper()
	out, err := e.s3.ListObjectVersions(context.Background(), &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
	if err != nil {
		e.t.Fatal(err)
	}
	var got []string
	for _, m := range out.DeleteMarkers {
		s := aws.ToString(m.Key) + "@" + aws.ToString(m.VersionId) + " dm"
		if aws.ToBool(m.IsLatest) {
			s += " latest"
		}
		got = append(got, s)
	}
	for _, v := range out.Versions {
		got = append(got, aws.ToString(v.Key)+"@"+aws.ToString(v.VersionId))
	}
	return got
}

func TestDeleteObjects(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "ring")
	a1 := aws.ToString(e.put("data", "a", "a1").VersionId)
	e.put("data", "a", "a2")
	e.put("data", "b", "b1")
	out, err := e.s3.DeleteObjects(ctx, &s3.DeleteObjectsInput{
		Bucket: aws.String("data"),
		Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{
			{Key: aws.String("a"), VersionId: aws.String(a1)},
			{Key: aws.String("b")},
			{Key: aws.String("c"), ETag: aws.String(`"nomatch"`)},
			{Key: aws.String("a"), ETag: aws.String(`"nomatch"`)},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 3 || len(out.Errors) != 1 {
		t.Fatalf("deleted %+v errors %+v", out.Deleted, out.Errors)
	}
	if d := out.Deleted[0]; aws.ToString(d.Key) != "a" || aws.ToString(d.VersionId) != a1 || aws.ToBool(d.DeleteMarker) {
		t.Errorf("version delete answered %+v", d)
	}
	if d := out.Deleted[1]; aws.ToString(d.Key) != "b" || !aws.ToBool(d.DeleteMarker) || aws.ToString(d.DeleteMarkerVersionId) == "" {
		t.Errorf("key delete answered %+v", d)
	}
	if er := out.Errors[0]; aws.ToString(er.Key) != "a" || aws.ToString(er.Code) != "PreconditionFailed" {
		t.Errorf("conditional delete answered %+v", er)
	}
	if _, body := e.get("data", "a"); body != "a2" {
		t.Errorf("a = %q after its old version was deleted", body)
	}
	_, err = e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("b")})
	if httpStatusOf(err) != http.StatusNotFound {
		t.Errorf("HEAD b after delete = %v", err)
	}
	if got := e.listVersions("data"); len(got) != 4 { // a2, b's marker, b1, c's marker
		t.Errorf("versions = %v", got)
	}
	direct, err := e.direct.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("ring")})
	if err != nil || len(direct.Versions) != 2 || len(direct.DeleteMarkers) != 2 {
		t.Errorf("backend has %d versions, %d markers (%v)", len(direct.Versions), len(direct.DeleteMarkers), err)
	}
}

func TestPointRead(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("mirrored", "ring:ingest")
	for _, k := range []string{"oob.txt", "oob2.txt"} {
		if _, err := e.direct.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String("ring"), Key: aws.String(k), Body: strings.NewReader("out of band"),
			ContentType: aws.String("text/x-oob"), Metadata: map[string]string{"writer": "batch"},
		}); err != nil {
			t.Fatal(err)
		}
	}
	get, body := e.get("mirrored", "oob.txt")
	if body != "out of band" || aws.ToString(get.ContentType) != "text/x-oob" || get.Metadata["writer"] != "batch" {
		t.Errorf("point read = %q %q %v", body, aws.ToString(get.ContentType), get.Metadata)
	}
	if v, err := e.db.Latest("mirrored", "oob.txt"); err != nil || v.Size != 11 || v.Metadata["X-Amz-Meta-Writer"] != "batch" {
		t.Errorf("index after the point read = %+v, %v", v, err)
	}
	head, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mirrored"), Key: aws.String("oob2.txt")})
	if err != nil || aws.ToInt64(head.ContentLength) != 11 {
		t.Errorf("point HEAD = %v, %v", head, err)
	}
	if _, err := e.db.Latest("mirrored", "oob2.txt"); err != nil {
		t.Errorf("point HEAD not indexed: %v", err)
	}
	_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mirrored"), Key: aws.String("nowhere")})
	wantS3Code(t, err, "NoSuchKey")
}

func TestHeadAndListWithoutBackend(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "ring")
	e.put("data", "k", "indexed")
	e.backend.Close()
	head, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("k")})
	if err != nil || aws.ToInt64(head.ContentLength) != 7 {
		t.Errorf("HEAD with the backend down = %v, %v", head, err)
	}
	list, err := e.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("data")})
	if err != nil || len(list.Contents) != 1 {
		t.Errorf("LIST with the backend down = %v, %v", list, err)
	}
	_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("k")})
	if httpStatusOf(err) < 500 {
		t.Errorf("GET with the backend down = %v, want a server error", err)
	}
}

func TestPrefixMode(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("plain", "shared")
	e.createBucket("other", "shared")
	e.put("plain", "a/b.txt", "in plain")
	e.put("other", "a/b.txt", "in other")
	if got := e.backendKeys("shared"); !reflect.DeepEqual(got, []string{"other/a/b.txt", "plain/a/b.txt"}) {
		t.Errorf("backend keys = %v", got)
	}
	if _, body := e.get("plain", "a/b.txt"); body != "in plain" {
		t.Errorf("plain/a/b.txt = %q", body)
	}
	if _, err := e.direct.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("plain/direct"), Body: strings.NewReader("d")}); err != nil {
		t.Fatal(err)
	}
	if _, body := e.get("plain", "direct"); body != "d" {
		t.Errorf("point read in prefix mode = %q", body)
	}
	list, err := e.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("other")})
	if err != nil || len(list.Contents) != 1 || aws.ToString(list.Contents[0].Key) != "a/b.txt" {
		t.Errorf("list other = %v, %v", list, err)
	}
}

func TestUploadRefusals(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	e.createBucket("data", "ring")
	sum := md5.Sum([]byte("something else"))
	_, err := e.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("data"), Key: aws.String("bad"), Body: strings.NewReader("payload"),
		ContentMD5: aws.String(base64.StdEncoding.EncodeToString(sum[:])),
	})
	wantS3Code(t, err, "BadDigest")

	// A body without a length cannot be streamed to the backend.
	resp := e.rawChunked("PUT", "/data/chunked", "payload")
	if resp.StatusCode != http.StatusLengthRequired {
		t.Errorf("chunked PUT status = %d, want 411", resp.StatusCode)
	}
	if keys := e.backendKeys("ring"); len(keys) != 0 {
		t.Errorf("backend keys after refused uploads = %v", keys)
	}
	if _, err := e.db.Latest("data", "bad"); err == nil {
		t.Error("refused upload indexed")
	}
}
