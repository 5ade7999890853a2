package backend

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// A listing entry without a VersionId (an unversioned bucket, on some
// servers) names the null version, as every other answer does.
func TestListingWithoutVersionIDIsNull(t *testing.T) {
	const doc = `<ListVersionsResult><IsTruncated>false</IsTruncated>
  <Version><Key>k</Key><IsLatest>true</IsLatest><LastModified>2026-01-02T03:04:03Z</LastModified><ETag>"e"</ETag><Size>1</Size></Version>
  <DeleteMarker><Key>m</Key><IsLatest>true</IsLatest><LastModified>2026-01-02T03:04:03Z</LastModified></DeleteMarker>
</ListVersionsResult>`
	page, err := decodeVersions(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Versions) != 2 || page.Versions[0].VersionID != "null" || page.Versions[1].VersionID != "null" {
		t.Fatalf("versions = %+v, want both named null", page.Versions)
	}
}

func TestIsMetadata(t *testing.T) {
	for k, want := range map[string]bool{
		"Content-Type": true, "Cache-Control": true, "Content-Disposition": true, "Content-Encoding": true,
		"Content-Language": true, "Expires": true, "X-Amz-Meta-Color": true,
		"Content-Length": false, "X-Amz-Date": false, "X-Amz-Content-Sha256": false, "X-Amz-Checksum-Crc32": false,
		"Etag": false, "X-Amz-Version-Id": false,
	} {
		if got := IsMetadata(k); got != want {
			t.Errorf("IsMetadata(%s) = %v, want %v", k, got, want)
		}
	}
}

func TestIsNotFound(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&Error{Code: "NoSuchKey", Status: 404}, true},
		{&Error{Code: "NoSuchVersion", Status: 404}, true},
		{&Error{Code: "NotFound", Status: 404}, true},
		{&Error{Code: "", Status: 404}, true},
		{fmt.Errorf("head: %w", &Error{Code: "NoSuchKey", Status: 404}), true},
		{&Error{Code: "NoSuchBucket", Status: 404}, false},
		{&Error{Code: "AccessDenied", Status: 403}, false},
		{&Error{Code: "MethodNotAllowed", Status: 405}, false},
		{errors.New("connection refused"), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := IsNotFound(tt.err); got != tt.want {
			t.Errorf("IsNotFound(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
