package console

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// pageSize is how many entries an objects page lists, unless ?max= asks
// for fewer.
const pageSize = 100

type objectRow struct {
	Key, Name string
	Size      int64
	Modified  time.Time
	ETag      string
}

type objectsView struct {
	Bucket, Prefix, Token, Next string
	Max                         string
	Folders                     []string
	Objects                     []objectRow
	Crumbs                      []crumb
	Error                       string
}

// crumb is one step of the prefix path above a listing.
type crumb struct{ Name, Prefix string }

func crumbsOf(prefix string) []crumb {
	var out []crumb
	acc := ""
	for _, p := range strings.SplitAfter(prefix, "/") {
		if p == "" {
			continue
		}
		acc += p
		out = append(out, crumb{Name: p, Prefix: acc})
	}
	return out
}

func (c *Console) objectsPage(w http.ResponseWriter, r *http.Request, s *session) {
	bucket := r.PathValue("bucket")
	q := r.URL.Query()
	v := objectsView{Bucket: bucket, Prefix: q.Get("prefix"), Token: q.Get("token"), Max: q.Get("max")}
	v.Crumbs = crumbsOf(v.Prefix)
	if c.s3 == nil {
		v.Error = errNoKeys.Message
		c.render(w, r, s, "objects", bucket, v)
		return
	}
	max := int32(pageSize)
	if n, err := strconv.Atoi(v.Max); err == nil && n > 0 && n < pageSize {
		max = int32(n)
	}
	in := &s3.ListObjectsV2Input{Bucket: &bucket, Delimiter: aws.String("/"), Prefix: &v.Prefix, MaxKeys: &max}
	if v.Token != "" {
		in.ContinuationToken = &v.Token
	}
	out, err := c.s3.c.ListObjectsV2(r.Context(), in)
	if err != nil {
		v.Error = s3Message(err)
		w.WriteHeader(http.StatusBadGateway)
		c.render(w, r, s, "objects", bucket, v)
		return
	}
	for _, p := range out.CommonPrefixes {
		v.Folders = append(v.Folders, aws.ToString(p.Prefix))
	}
	for _, o := range out.Contents {
		k := aws.ToString(o.Key)
		v.Objects = append(v.Objects, objectRow{Key: k, Name: strings.TrimPrefix(k, v.Prefix), Size: aws.ToInt64(o.Size),
			Modified: aws.ToTime(o.LastModified), ETag: aws.ToString(o.ETag)})
	}
	if aws.ToBool(out.IsTruncated) {
		v.Next = aws.ToString(out.NextContinuationToken)
	}
	c.render(w, r, s, "objects", bucket, v)
}

type versionRow struct {
	VersionID    string
	Latest       bool
	DeleteMarker bool
	Size         int64
	Modified     time.Time
	ETag         string
}

type objectView struct {
	Bucket, Key, Prefix string
	Size                int64
	ETag, ContentType   string
	Modified            time.Time
	Metadata            map[string]string
	Versions            []versionRow
	Error               string
}

func (c *Console) objectPage(w http.ResponseWriter, r *http.Request, s *session) {
	bucket, key := r.PathValue("bucket"), r.URL.Query().Get("key")
	v := objectView{Bucket: bucket, Key: key, Prefix: key[:strings.LastIndex(key, "/")+1]}
	if c.s3 == nil {
		v.Error = errNoKeys.Message
		c.render(w, r, s, "object", key, v)
		return
	}
	head, err := c.s3.c.HeadObject(r.Context(), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
	if err == nil {
		v.Size, v.ETag, v.ContentType = aws.ToInt64(head.ContentLength), aws.ToString(head.ETag), aws.ToString(head.ContentType)
		v.Modified, v.Metadata = aws.ToTime(head.LastModified), head.Metadata
	} else {
		v.Error = "No current version (" + s3Message(err) + ")."
	}
	v.Versions, err = c.versions(r, bucket, key)
	if err != nil {
		v.Error = s3Message(err)
	}
	c.render(w, r, s, "object", key, v)
}

// versions lists the versions and delete markers of one key, newest
// first, as S3 lists them.
func (c *Console) versions(r *http.Request, bucket, key string) ([]versionRow, error) {
	out, err := c.s3.c.ListObjectVersions(r.Context(), &s3.ListObjectVersionsInput{Bucket: &bucket, Prefix: &key, MaxKeys: aws.Int32(1000)})
	if err != nil {
		return nil, err
	}
	var rows []versionRow
	for _, v := range out.Versions {
		if aws.ToString(v.Key) == key {
			rows = append(rows, versionRow{VersionID: aws.ToString(v.VersionId), Latest: aws.ToBool(v.IsLatest),
				Size: aws.ToInt64(v.Size), Modified: aws.ToTime(v.LastModified), ETag: aws.ToString(v.ETag)})
		}
	}
	for _, m := range out.DeleteMarkers {
		if aws.ToString(m.Key) == key {
			rows = append(rows, versionRow{VersionID: aws.ToString(m.VersionId), Latest: aws.ToBool(m.IsLatest),
				DeleteMarker: true, Modified: aws.ToTime(m.LastModified)})
		}
	}
	// S3 lists versions and delete markers apart; one history reads
	// newest first, the latest on top.
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Latest != rows[j].Latest {
			return rows[i].Latest
		}
		return rows[i].Modified.After(rows[j].Modified)
	})
	return rows, nil
}

func (c *Console) download(w http.ResponseWriter, r *http.Request, s *session) {
	if c.s3 == nil {
		http.Error(w, errNoKeys.Message, http.StatusServiceUnavailable)
		return
	}
	bucket, key, vid := r.PathValue("bucket"), r.URL.Query().Get("key"), r.URL.Query().Get("versionId")
	in := &s3.GetObjectInput{Bucket: &bucket, Key: &key}
	if vid != "" {
		in.VersionId = &vid
	}
	out, err := c.s3.c.GetObject(r.Context(), in)
	if err != nil {
		http.Error(w, "Download of "+key+" failed: "+s3Message(err), http.StatusBadGateway)
		return
	}
	defer out.Body.Close()
	// Always an attachment, as octets: an object is never rendered as a
	// page of the console's origin.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(key)}))
	if out.ContentLength != nil {
		w.Header().Set("Content-Length", strconv.FormatInt(*out.ContentLength, 10))
	}
	if _, err := io.Copy(w, out.Body); err != nil {
		c.log.Warn("console: download cut", "bucket", bucket, "key", key, "err", err)
	}
}

func (c *Console) deleteObject(w http.ResponseWriter, r *http.Request, s *session) {
	bucket, key, vid := r.PathValue("bucket"), r.PostFormValue("key"), r.PostFormValue("versionId")
	back := Prefix + "buckets/" + escapeName(bucket) + "/objects" + queryOf("prefix", key[:strings.LastIndex(key, "/")+1])
	if c.s3 == nil {
		c.redirect(w, r, s, back, errNoKeys.Message)
		return
	}
	in := &s3.DeleteObjectInput{Bucket: &bucket, Key: &key}
	what := key
	if vid != "" {
		in.VersionId = &vid
		what = key + " (version " + vid + ")"
		back = Prefix + "buckets/" + escapeName(bucket) + "/object" + queryOf("key", key)
	}
	if _, err := c.s3.c.DeleteObject(r.Context(), in); err != nil {
		c.redirect(w, r, s, back, "Could not delete "+what+": "+s3Message(err))
		return
	}
	c.redirect(w, r, s, back, "Deleted "+what+".")
}

// upload streams a multipart/form-data upload to the gateway: the CSRF
// field must come first, then the prefix, then the file, which is never
// held whole in memory or on disk.
func (c *Console) upload(w http.ResponseWriter, r *http.Request, s *session) {
	bucket := r.PathValue("bucket")
	mr, err := r.MultipartReader()
	if err != nil {
		http.Error(w, "the upload is not a multipart form", http.StatusBadRequest)
		return
	}
	fields := map[string]string{}
	for {
		part, err := mr.NextPart()
		if err != nil {
			http.Error(w, "the upload has no file", http.StatusBadRequest)
			return
		}
		if part.FileName() == "" {
			b, _ := io.ReadAll(io.LimitReader(part, 4096))
			fields[part.FormName()] = string(b)
			continue
		}
		if !csrfOK(s, fields[csrfField]) {
			c.csrfRefused(w, r)
			return
		}
		c.storeUpload(w, r, s, bucket, fields["prefix"], part.FileName(), part.Header.Get("Content-Type"), part)
		return
	}
}

func (c *Console) storeUpload(w http.ResponseWriter, r *http.Request, s *session, bucket, prefix, name, ctype string, body io.Reader) {
	back := Prefix + "buckets/" + escapeName(bucket) + "/objects" + queryOf("prefix", prefix)
	if c.s3 == nil {
		c.uploadRedirect(w, r, s, back, errNoKeys.Message)
		return
	}
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	if base == "." || base == "/" || base == ".." {
		c.uploadRedirect(w, r, s, back, "Upload refused: "+name+" is not a file name.")
		return
	}
	key := prefix + base
	n, err := c.s3.put(r.Context(), bucket, key, ctype, body)
	if err != nil {
		var msg = s3Message(err)
		if errors.Is(err, r.Context().Err()) {
			msg = "the upload was cut"
		}
		c.uploadRedirect(w, r, s, back, "Upload of "+key+" failed: "+msg)
		return
	}
	c.log.Info("console: object uploaded", "bucket", bucket, "key", key, "bytes", n)
	c.uploadRedirect(w, r, s, back, "Uploaded "+key+" ("+humanSize(n)+").")
}

// nextHeader tells the script which page to go to after an upload: a
// redirect would be followed inside the request and spend the page's
// message there.
const nextHeader = "X-Console-Next"

// uploadRedirect is redirect for an upload, which the script may have
// sent.
func (c *Console) uploadRedirect(w http.ResponseWriter, r *http.Request, s *session, to, flash string) {
	if r.Header.Get(nextHeader) == "" {
		c.redirect(w, r, s, to, flash)
		return
	}
	c.sessions.setFlash(s, flash)
	w.Header().Set(nextHeader, to)
	w.WriteHeader(http.StatusNoContent)
}
