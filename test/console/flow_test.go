package console

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/ringside/ringside/embedded"
)

const (
	adminToken    = "console-flow-admin-token-7f3a"
	clientKey     = "console-client"
	clientSecret  = "console-client-secret-9c1"
	backendKey    = "connector-user"
	backendSecret = "connector-SECRET-never-shown-5e2b"
	targetBucket  = "ring-target"
	locationName  = "ring1"
	bucketName    = "docs"
)

func css(s string) chromedp.CSS { return chromedp.CSS(s) }

// TestDocumentedFlow walks the flow of the product documents in a browser:
// Storage Locations, Add New (a bad target name refused, then fixed, the
// no-prefix box and its warning, Save checking the backend), the Mirroring
// indicator grayed, Create Bucket with the "(Mirror mode)" entry, the
// ingestion icon and the indicator lit, an object written on the backend
// appearing in the browser, an upload and a download, CSRF refused, and
// no secret in any page.
func TestDocumentedFlow(t *testing.T) {
	be, err := embedded.Start("127.0.0.1:0", backendKey, backendSecret, targetBucket)
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	gw := startRingside(t, adminToken, clientKey, clientSecret)
	ctx, cancel := newBrowser(t)
	defer cancel()
	s := &steps{t: t, ctx: ctx, dir: screenshotDir(t)}
	base := gw.adminURL + "/console/"

	signIn(s, base)
	addLocation(s, base, be.URL())
	createMirrorBucket(s, base)
	backendObjectAppears(s, base, be.URL())
	uploadAndDownload(s, base, be.URL())
	pagingAndSearch(s, base)
	deleteObject(s, base, be.URL())
	csrfRefused(s, base)
	mirrorControls(s, base)

	for i, src := range s.sources {
		if strings.Contains(src, backendSecret) || strings.Contains(src, adminToken) || strings.Contains(src, clientSecret) {
			t.Errorf("page %d shows a secret", i+1)
		}
	}
	if len(s.sources) < 10 {
		t.Errorf("only %d pages were checked for secrets", len(s.sources))
	}
}

func signIn(s *steps, base string) {
	s.run("open the console signed out", chromedp.Navigate(base+"locations"), chromedp.WaitVisible(css("#token")))
	if loc := eval[string](s, "location", "location.pathname"); loc != "/console/signin" {
		s.t.Fatalf("signed out, /console/locations led to %s, not the sign-in page", loc)
	}
	s.run("wrong token", chromedp.SendKeys(css("#token"), "not-the-token"), chromedp.Click(css("#signin")), chromedp.WaitVisible(css("#error")))
	s.shot("signin-refused")
	s.run("sign in", chromedp.SendKeys(css("#token"), adminToken), chromedp.Click(css("#signin")), chromedp.WaitVisible(css("#add-new")))
	s.shot("locations-empty")
}

func addLocation(s *steps, base, backendURL string) {
	s.run("Add New", chromedp.Click(css("#add-new")), chromedp.WaitVisible(css("#location-form")))
	if typ := s.text("#type"); typ != "Scality RING with S3 Connector" {
		s.t.Errorf("location type %q", typ)
	}
	s.run("fill in with a bad target name",
		chromedp.SendKeys(css("#name"), locationName),
		chromedp.SendKeys(css("#accessKey"), backendKey),
		chromedp.SendKeys(css("#secretKey"), backendSecret),
		chromedp.SendKeys(css("#targetBucket"), "Ring_Target"),
		chromedp.SendKeys(css("#endpoint"), strings.TrimPrefix(backendURL, "http://")),
		chromedp.WaitVisible(css("#targetBucket-error")),
	)
	if msg := s.text("#targetBucket-error"); !strings.Contains(msg, `Target bucket name "Ring_Target" is invalid`) {
		s.t.Errorf("as-you-type message %q", msg)
	}
	s.shot("add-location-bad-name-as-typed")
	s.run("Save with the bad name", chromedp.Click(css("#save")), chromedp.WaitVisible(css("#error")))
	if msg := s.text("#error"); !strings.Contains(msg, `Target bucket name "Ring_Target" is invalid`) {
		s.t.Errorf("server refusal %q", msg)
	}
	s.shot("add-location-refused")
	if v := eval[string](s, "secret field", `document.getElementById("secretKey").value`); v != "" {
		s.t.Error("the refused form came back with the secret key filled in")
	}
	s.run("fix the name, mistype the secret",
		chromedp.Clear(css("#targetBucket")),
		chromedp.SendKeys(css("#targetBucket"), targetBucket),
		chromedp.SendKeys(css("#secretKey"), "not-the-secret"),
		chromedp.WaitNotVisible(css("#targetBucket-error")),
	)
	s.clickThrough("Save with a wrong secret", "#save")
	if msg := s.text("#error"); !strings.Contains(msg, "refused the credentials for bucket ring-target") {
		s.t.Errorf("Save with a wrong secret: %q, want the backend's refusal as the CLI says it", msg)
	}
	s.shot("add-location-backend-refused-credentials")
	s.run("retype the secret", chromedp.SendKeys(css("#secretKey"), backendSecret))
	if eval[bool](s, "warning hidden", `!document.getElementById("noprefix-warning").hidden`) {
		s.t.Error("the no-prefix warning shows before the box is checked")
	}
	s.run("check Write objects without prefix", chromedp.Click(css("#noPrefix")), chromedp.WaitVisible(css("#noprefix-warning")))
	if w := s.text("#noprefix-warning"); w != "Storing multiple buckets in a location with this option enabled can lead to data loss" {
		s.t.Errorf("warning %q", w)
	}
	s.shot("add-location-no-prefix-warning")
	s.run("Save", chromedp.Click(css("#save")), chromedp.WaitVisible(css(`tr[data-location="ring1"]`)))
	if f := s.text("#flash"); !strings.Contains(f, "versioning Enabled") {
		s.t.Errorf("flash after Save %q: the backend check did not report", f)
	}
	if ind := eval[string](s, "indicator", `document.querySelector('tr[data-location="ring1"] .indicator').dataset.indicator`); ind != "off" {
		s.t.Errorf("Mirroring indicator %q, want off (grayed)", ind)
	}
	s.shot("location-listed-mirroring-grayed")
}

func createMirrorBucket(s *steps, base string) {
	s.run("Create Bucket", chromedp.Navigate(base+"buckets"), chromedp.Click(css("#create-bucket")), chromedp.WaitVisible(css("#bucket-form")))
	labels := eval[[]string](s, "constraints", `Array.from(document.querySelectorAll("#location option")).filter(o => o.value).map(o => o.textContent.trim())`)
	if strings.Join(labels, "|") != "ring1|ring1 (Mirror mode)" {
		s.t.Errorf("Location Constraint entries %q", labels)
	}
	s.run("choose (Mirror mode)",
		chromedp.SendKeys(css("#name"), bucketName),
		chromedp.SetValue(css("#location"), locationName+":ingest"),
	)
	s.shot("create-bucket-mirror-mode")
	s.run("Create", chromedp.Click(css("#create")), chromedp.WaitVisible(css(`[data-ingest="docs"]`)))
	s.shot("browser-ingestion-icon")
	s.run("locations again", chromedp.Navigate(base+"locations"), chromedp.WaitVisible(css(`tr[data-location="ring1"]`)))
	if ind := eval[string](s, "indicator", `document.querySelector('tr[data-location="ring1"] .indicator').dataset.indicator`); ind != "active" {
		s.t.Errorf("Mirroring indicator %q, want active (lit)", ind)
	}
	s.shot("location-mirroring-lit")
	s.run("the mirror entry is now refused",
		chromedp.Navigate(base+"buckets/new"), chromedp.WaitVisible(css("#bucket-form")))
	if !eval[bool](s, "disabled", `Array.from(document.querySelectorAll("#location option")).filter(o => o.value).every(o => o.disabled && o.textContent.includes("bucket docs uses it"))`) {
		s.t.Error("a used no-prefix location is still offered")
	}
}

func backendObjectAppears(s *steps, base, backendURL string) {
	c := s3Client(backendURL, backendKey, backendSecret)
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(targetBucket), Key: aws.String("reports/q3.txt"),
		Body: strings.NewReader("written on the S3 Connector"), ContentType: aws.String("text/plain")})
	if err != nil {
		s.t.Fatal(err)
	}
	s.run("browse docs", chromedp.Navigate(base+"buckets/docs/objects"), chromedp.WaitVisible(css("#objects")))
	s.eventually("reports/ appears", `!!document.querySelector('a[href$="prefix=reports%2F"]')`, true, 30*time.Second)
	s.run("open the folder", chromedp.Click(css(`a[href$="prefix=reports%2F"]`)), chromedp.WaitVisible(css(`tr[data-key="reports/q3.txt"]`)))
	s.shot("object-from-backend")
	s.run("details", chromedp.Click(css(`tr[data-key="reports/q3.txt"] td.name a`)), chromedp.WaitVisible(css("#versions")))
	if d := s.text("dl.details"); !strings.Contains(d, "text/plain") || !strings.Contains(d, "27 bytes") {
		s.t.Errorf("details %q", d)
	}
	s.shot("object-details")
}

func uploadAndDownload(s *steps, base, backendURL string) {
	dir := s.t.TempDir()
	// Over one part, so that the upload goes up as a multipart upload.
	data := make([]byte, 9<<20)
	_, _ = rand.Read(data)
	src := filepath.Join(dir, "upload.bin")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		s.t.Fatal(err)
	}
	s.run("upload", chromedp.Navigate(base+"buckets/docs/objects"), chromedp.WaitVisible(css("#upload-form")),
		chromedp.SetUploadFiles(css("#file"), []string{src}), chromedp.Click(css("#upload")),
		chromedp.WaitVisible(css(`tr[data-key="upload.bin"]`)))
	if f := s.text("#flash"); f != "Uploaded upload.bin (9.0 MiB)." {
		s.t.Errorf("after the upload: %q", f)
	}
	s.shot("uploaded")
	got, err := s3Client(backendURL, backendKey, backendSecret).GetObject(context.Background(),
		&s3.GetObjectInput{Bucket: aws.String(targetBucket), Key: aws.String("upload.bin")})
	if err != nil {
		s.t.Fatalf("the upload is not on the backend: %v", err)
	}
	onBackend, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if !bytes.Equal(onBackend, data) {
		s.t.Fatalf("the backend holds %d bytes, not the %d uploaded", len(onBackend), len(data))
	}
	downloads := filepath.Join(dir, "downloads")
	s.run("download", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads})
		return err
	}), chromedp.Click(css(`tr[data-key="upload.bin"] a.download`)))
	file := filepath.Join(downloads, "upload.bin")
	end := time.Now().Add(30 * time.Second)
	for {
		back, err := os.ReadFile(file)
		if err == nil && len(back) == len(data) {
			if !bytes.Equal(back, data) {
				s.t.Fatal("the downloaded bytes differ from the uploaded ones")
			}
			return
		}
		if time.Now().After(end) {
			s.t.Fatalf("no complete download within 30s (%d bytes, %v)", len(back), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func csrfRefused(s *steps, base string) {
	s.run("buckets", chromedp.Navigate(base+"buckets"), chromedp.WaitVisible(css(`tr[data-bucket="docs"]`)))
	status := eval[int](s, "POST without CSRF", `fetch("/console/buckets/docs/delete", {method: "POST",
		headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "x=1"}).then(r => r.status)`)
	if status != 403 {
		s.t.Errorf("a POST without the CSRF token got %d, not 403", status)
	}
	status = eval[int](s, "POST with a wrong CSRF", `fetch("/console/mirror/docs/pause", {method: "POST",
		headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "csrf=`+strings.Repeat("ab", 32)+`"}).then(r => r.status)`)
	if status != 403 {
		s.t.Errorf("a POST with a wrong CSRF token got %d, not 403", status)
	}
	forged := filepath.Join(s.t.TempDir(), "forged.txt")
	if err := os.WriteFile(forged, []byte("must not land"), 0o644); err != nil {
		s.t.Fatal(err)
	}
	s.run("upload form", chromedp.Navigate(base+"buckets/docs/objects"), chromedp.WaitVisible(css("#upload-form")))
	eval[bool](s, "forge the token", `(document.querySelector('#upload-form input[name="csrf"]').value = "forged") !== ""`)
	s.run("upload with a forged token", chromedp.SetUploadFiles(css("#file"), []string{forged}),
		chromedp.Click(css("#upload")), chromedp.WaitVisible(css("#upload-error")))
	if msg := s.text("#upload-error"); !strings.Contains(msg, "CSRF") {
		s.t.Errorf("upload with a forged token: %q", msg)
	}
	s.shot("upload-csrf-refused")
	s.run("not uploaded", chromedp.Reload(), chromedp.WaitVisible(css("#objects")))
	if eval[bool](s, "forged.txt listed", `!!document.querySelector('tr[data-key="forged.txt"]')`) {
		s.t.Error("an upload with a forged CSRF token was stored")
	}
	s.run("still there", chromedp.Navigate(base+"buckets"), chromedp.WaitVisible(css(`tr[data-bucket="docs"]`)))
	if st := s.text(`[data-ingest="docs"] .ingest-state`); st == "paused" {
		s.t.Error("the refused pause paused the mirror")
	}
}

// mirrorControls checks that the mirror page updates itself (the passes
// count moves without a reload) and that pause and resume work from it.
func mirrorControls(s *steps, base string) {
	s.run("mirror page", chromedp.Navigate(base+"mirror"), chromedp.WaitVisible(css(`tr[data-mirror="docs"]`)))
	first := s.text(`tr[data-mirror="docs"] [data-field="passes"]`)
	s.eventually("the passes count updates live", `document.querySelector('tr[data-mirror="docs"] [data-field="passes"]').textContent.trim() !== "`+first+`"`, false, 30*time.Second)
	s.shot("mirror")
	s.run("pause", chromedp.Click(css(`form[action="/console/mirror/docs/pause"] button`)), chromedp.WaitVisible(css("#flash")))
	s.eventually("paused", `document.querySelector('tr[data-mirror="docs"] [data-field="state"]').textContent.trim() === "paused"`, true, 10*time.Second)
	s.run("locations", chromedp.Navigate(base+"locations"), chromedp.WaitVisible(css(`tr[data-location="ring1"]`)))
	if ind := eval[string](s, "indicator", `document.querySelector('tr[data-location="ring1"] .indicator').dataset.indicator`); ind != "paused" {
		s.t.Errorf("Mirroring indicator %q while paused", ind)
	}
	s.shot("location-mirroring-paused")
	s.run("resume", chromedp.Navigate(base+"mirror"), chromedp.WaitVisible(css(`tr[data-mirror="docs"]`)),
		chromedp.Click(css(`form[action="/console/mirror/docs/resume"] button`)), chromedp.WaitVisible(css("#flash")))
	s.eventually("resumed", `document.querySelector('tr[data-mirror="docs"] [data-field="state"]').textContent.trim() !== "paused"`, true, 10*time.Second)
}

// pagingAndSearch lists the bucket's top (the folder reports/ and
// upload.bin) one entry a page, then searches by prefix.
func pagingAndSearch(s *steps, base string) {
	s.run("page 1", chromedp.Navigate(base+"buckets/docs/objects?max=1"), chromedp.WaitVisible(css("#next-page")))
	if n := eval[int](s, "rows", `document.querySelectorAll("#objects tbody tr").length`); n != 1 {
		s.t.Errorf("page 1 has %d rows, want 1", n)
	}
	first := s.text("#objects tbody tr")
	s.run("page 2", chromedp.Click(css("#next-page")), chromedp.WaitVisible(css(`tr[data-key="upload.bin"]`)))
	if !strings.Contains(first, "reports/") {
		s.t.Errorf("page 1 shows %q, want the folder reports/", first)
	}
	s.run("search", chromedp.Navigate(base+"buckets/docs/objects"), chromedp.WaitVisible(css("#search")),
		chromedp.SendKeys(css("#prefix"), "rep"), chromedp.Submit(css("#prefix")),
		chromedp.WaitNotPresent(css(`tr[data-key="upload.bin"]`)))
	if !eval[bool](s, "search hit", `!!document.querySelector('a[href$="prefix=reports%2F"]')`) {
		s.t.Error("searching for the prefix rep does not show reports/")
	}
	s.shot("search-by-prefix")
}

// deleteObject deletes upload.bin from the browser: through the gateway
// onto the versioned backend, where it leaves a delete marker.
func deleteObject(s *steps, base, backendURL string) {
	s.run("delete", chromedp.Navigate(base+"buckets/docs/objects"), chromedp.WaitVisible(css(`tr[data-key="upload.bin"]`)),
		chromedp.Click(css(`tr[data-key="upload.bin"] button.danger`)), chromedp.WaitVisible(css("#flash")),
		chromedp.WaitNotPresent(css(`tr[data-key="upload.bin"]`)))
	out, err := s3Client(backendURL, backendKey, backendSecret).ListObjectVersions(context.Background(),
		&s3.ListObjectVersionsInput{Bucket: aws.String(targetBucket), Prefix: aws.String("upload.bin")})
	if err != nil {
		s.t.Fatal(err)
	}
	if len(out.DeleteMarkers) != 1 || !aws.ToBool(out.DeleteMarkers[0].IsLatest) || len(out.Versions) != 1 {
		s.t.Errorf("the backend holds %d versions and %d delete markers of upload.bin, want 1 and a latest marker",
			len(out.Versions), len(out.DeleteMarkers))
	}
	s.run("details of the deleted key", chromedp.Navigate(base+"buckets/docs/object?key=upload.bin"), chromedp.WaitVisible(css("#versions")))
	if v := s.text("#versions tbody tr:first-child"); !strings.Contains(v, "delete marker") || !strings.Contains(v, "latest") {
		s.t.Errorf("the latest of a deleted key's versions: %q, want its delete marker", v)
	}
	s.shot("versions-and-delete-marker")
	// Deleting the delete marker, a version like any other, brings the
	// object back.
	s.clickThrough("delete the delete marker", `#versions tbody tr:first-child button.danger`)
	if f := s.text("#flash"); !strings.Contains(f, "Deleted upload.bin (version ") {
		s.t.Errorf("after deleting the marker: %q", f)
	}
	s.run("restored", chromedp.Navigate(base+"buckets/docs/objects"), chromedp.WaitVisible(css(`tr[data-key="upload.bin"]`)))
}
