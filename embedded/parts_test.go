package embedded

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// TestReadPart reads parts of a multipart object and of a single-part one
// as S3 answers them.
func TestReadPart(t *testing.T) {
	srv := start(t, "bkt")
	c := sdk(srv, testSecret)
	ctx := context.Background()
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	var done []types.CompletedPart
	for i, body := range []string{strings.Repeat("a", 5<<20), "tail"} {
		n := aws.Int32(int32(i + 1))
		p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), UploadId: up.UploadId,
			PartNumber: n, Body: strings.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, types.CompletedPart{PartNumber: n, ETag: p.ETag})
	}
	fin, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(fin.ETag), `-2"`) {
		t.Errorf("multipart ETag %s, want S3's <md5>-2", aws.ToString(fin.ETag))
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("one"), Body: strings.NewReader("12345")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key       string
		part      int32
		wantRange string
		wantCount int32
		wantBody  string // checked when not empty
		wantCode  string
	}{
		{"mp", 1, "bytes 0-5242879/5242884", 2, "", ""},
		{"mp", 2, "bytes 5242880-5242883/5242884", 2, "tail", ""},
		{"mp", 3, "", 0, "", "InvalidPartNumber"},
		{"one", 1, "bytes 0-4/5", 0, "12345", ""},
		{"one", 2, "", 0, "", "InvalidPartNumber"},
	}
	for _, tt := range tests {
		get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(tt.key), PartNumber: aws.Int32(tt.part)})
		head, herr := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String(tt.key), PartNumber: aws.Int32(tt.part)})
		if tt.wantCode != "" {
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tt.wantCode || herr == nil {
				t.Errorf("%s part %d: GET %v, HEAD %v; want %s", tt.key, tt.part, err, herr, tt.wantCode)
			}
			continue
		}
		if err != nil || herr != nil {
			t.Fatalf("%s part %d: GET %v, HEAD %v", tt.key, tt.part, err, herr)
		}
		body, _ := io.ReadAll(get.Body)
		get.Body.Close()
		if aws.ToString(get.ContentRange) != tt.wantRange || aws.ToString(head.ContentRange) != tt.wantRange ||
			aws.ToInt32(get.PartsCount) != tt.wantCount || aws.ToInt32(head.PartsCount) != tt.wantCount {
			t.Errorf("%s part %d: GET range %q count %d, HEAD range %q count %d; want %q, %d", tt.key, tt.part,
				aws.ToString(get.ContentRange), aws.ToInt32(get.PartsCount), aws.ToString(head.ContentRange), aws.ToInt32(head.PartsCount), tt.wantRange, tt.wantCount)
		}
		if tt.wantBody != "" && string(body) != tt.wantBody {
			t.Errorf("%s part %d: body %q, want %q", tt.key, tt.part, body, tt.wantBody)
		}
		if tt.key == "mp" && aws.ToString(head.ETag) != aws.ToString(fin.ETag) {
			t.Errorf("HEAD ETag %s, want %s", aws.ToString(head.ETag), aws.ToString(fin.ETag))
		}
	}
}
