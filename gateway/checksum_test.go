package gateway

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// A checksum verified on upload is returned by reads that ask for it
// (x-amz-checksum-mode: ENABLED), and only by those.
func TestChecksumReturnedOnRead(t *testing.T) {
	tests := []struct {
		alg  s3types.ChecksumAlgorithm
		want func(*s3.GetObjectOutput) *string
	}{
		{s3types.ChecksumAlgorithmCrc32, func(o *s3.GetObjectOutput) *string { return o.ChecksumCRC32 }},
		{s3types.ChecksumAlgorithmCrc32c, func(o *s3.GetObjectOutput) *string { return o.ChecksumCRC32C }},
		{s3types.ChecksumAlgorithmSha256, func(o *s3.GetObjectOutput) *string { return o.ChecksumSHA256 }},
	}
	for _, tt := range tests {
		t.Run(string(tt.alg), func(t *testing.T) {
			e := newS3Env(t)
			e.createBucket("data", "ring")
			ctx := context.Background()
			put, err := e.s3.PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String("data"), Key: aws.String("k"),
				Body: strings.NewReader("checksummed body"), ChecksumAlgorithm: tt.alg,
			})
			if err != nil {
				t.Fatal(err)
			}
			sent := aws.ToString(put.ChecksumCRC32) + aws.ToString(put.ChecksumCRC32C) + aws.ToString(put.ChecksumSHA256)
			if sent == "" {
				t.Fatal("the upload's answer carries no checksum")
			}
			get, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("k"), ChecksumMode: s3types.ChecksumModeEnabled})
			if err != nil {
				t.Fatal(err)
			}
			get.Body.Close()
			if got := aws.ToString(tt.want(get)); got != sent {
				t.Fatalf("GET with checksum mode returned %q, want %q", got, sent)
			}
			plain, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("k")})
			if err != nil {
				t.Fatal(err)
			}
			plain.Body.Close()
			if got := aws.ToString(tt.want(plain)); got != "" {
				t.Fatalf("GET without checksum mode returned checksum %q", got)
			}
		})
	}
}
