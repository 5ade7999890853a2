package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// logSince reads the metadata log records after sequence number seq.
func logSince(t *testing.T, srv *Server, seq uint64) raftLogAnswer {
	t.Helper()
	status, body, _ := signed(t, http.MethodGet, fmt.Sprintf("%s/_/metadata/admin/raft_sessions/1/log?begin=%d&limit=100", srv.URL(), seq+1))
	var a raftLogAnswer
	switch status {
	case http.StatusRequestedRangeNotSatisfiable:
		return a
	case http.StatusOK:
	default:
		t.Fatalf("read the log from %d: status %d: %s", seq+1, status, body)
	}
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("decode the log: %v: %s", err, body)
	}
	return a
}

// describeRecord is "db: type key, ..." with the version IDs left out.
func describeRecord(r raftRecord) string {
	var parts []string
	for _, e := range r.Entries {
		typ := e.Type
		if typ == "" {
			typ = "put"
		}
		key, _, versioned := strings.Cut(e.Key, "\x00")
		if versioned {
			key += "@v"
		}
		if strings.Contains(e.Value, `"isDeleteMarker":true`) {
			key += "(marker)"
		}
		parts = append(parts, typ+" "+key)
	}
	return r.DB + ": " + strings.Join(parts, ", ")
}

// Every change of an object's versions through the server is one record of
// the log; reads and refused writes are none.
func TestEveryChangeIsJournaled(t *testing.T) {
	srv := start(t, "ver")
	c := sdk(srv, testSecret)
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("plain")}); err != nil {
		t.Fatal(err)
	}
	put := func(b, k string) (string, error) {
		out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(k), Body: strings.NewReader("x")})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.VersionId), nil
	}
	var lastVersion string
	tests := []struct {
		name string
		op   func() error
		want string // "" for no record
	}{
		{"put", func() (err error) { lastVersion, err = put("ver", "a b"); return err }, "ver: put a b@v, put a b"},
		{"copy", func() error {
			_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("ver"), Key: aws.String("c"), CopySource: aws.String("ver/a%20b")})
			return err
		}, "ver: put c@v, put c"},
		{"multipart upload", func() error { return multipart(ctx, c, "ver", "m") }, "ver: put m@v, put m"},
		{"put tagging", func() error {
			_, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("ver"), Key: aws.String("c"),
				Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}})
			return err
		}, "ver: put c@v"},
		{"delete tagging", func() error {
			_, err := c.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: aws.String("ver"), Key: aws.String("c")})
			return err
		}, "ver: put c@v"},
		{"delete marker", func() error {
			_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("ver"), Key: aws.String("c")})
			return err
		}, "ver: put c@v(marker), put c(marker)"},
		{"version delete", func() error {
			_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("ver"), Key: aws.String("a b"), VersionId: aws.String(lastVersion)})
			return err
		}, "ver: del a b@v"},
		{"multi-object delete", func() error {
			_, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("ver"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("m")}}}})
			return err
		}, "ver: put m@v(marker), put m(marker)"},
		{"unversioned put", func() error { _, err := put("plain", "p"); return err }, "plain: put p"},
		{"unversioned delete", func() error {
			_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("plain"), Key: aws.String("p")})
			return err
		}, "plain: del p"},
		{"reads", func() error {
			if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("ver"), Key: aws.String("m")}); err == nil {
				return fmt.Errorf("HEAD of a deleted key succeeded")
			}
			_, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("ver")})
			return err
		}, ""},
		{"refused write", func() error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("ver"), Key: aws.String("c"), Body: strings.NewReader("y"), IfMatch: aws.String(`"nope"`)})
			if err == nil {
				return fmt.Errorf("a write with a failed If-Match succeeded")
			}
			return nil
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.store.events.last()
			if err := tt.op(); err != nil {
				t.Fatal(err)
			}
			a := logSince(t, srv, before)
			var got []string
			for _, r := range a.Log {
				got = append(got, describeRecord(r))
			}
			want := []string{}
			if tt.want != "" {
				want = []string{tt.want}
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func multipart(ctx context.Context, c *s3.Client, b, k string) error {
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String(k)})
	if err != nil {
		return err
	}
	part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String(k), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
	if err != nil {
		return err
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String(k), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{ETag: part.ETag, PartNumber: aws.Int32(1)}}}})
	return err
}

func TestJournalRead(t *testing.T) {
	j := newJournal()
	j.setRetention(3)
	for i := range 5 {
		j.record(change{key: fmt.Sprint(i)})
	}
	tests := []struct {
		begin     uint64
		limit     int
		wantFirst uint64
		wantKeys  string
		wantOK    bool
	}{
		{begin: 1, limit: 10, wantFirst: 3, wantKeys: "234", wantOK: true}, // 1 and 2 dropped
		{begin: 4, limit: 10, wantFirst: 4, wantKeys: "34", wantOK: true},
		{begin: 3, limit: 2, wantFirst: 3, wantKeys: "23", wantOK: true},
		{begin: 5, limit: 1, wantFirst: 5, wantKeys: "4", wantOK: true},
		{begin: 6, limit: 10},
	}
	for _, tt := range tests {
		first, got, ok := j.read(tt.begin, tt.limit)
		var keys string
		for _, c := range got {
			keys += c.key
		}
		if first != tt.wantFirst || keys != tt.wantKeys || ok != tt.wantOK {
			t.Errorf("read(%d, %d) = %d, %q, %v; want %d, %q, %v", tt.begin, tt.limit, first, keys, ok, tt.wantFirst, tt.wantKeys, tt.wantOK)
		}
	}
}
