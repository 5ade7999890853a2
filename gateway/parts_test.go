package gateway

import (
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// uploadParts makes key a multipart object of the given parts through c
// (the gateway or the backend directly).
func uploadParts(t *testing.T, c *s3.Client, bucket, key string, parts ...string) {
	t.Helper()
	ctx := context.Background()
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	var done []s3types.CompletedPart
	for i, body := range parts {
		n := aws.Int32(int32(i + 1))
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: n, Body: strings.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, s3types.CompletedPart{ETag: out.ETag, PartNumber: n})
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key),
		UploadId: up.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done}}); err != nil {
		t.Fatal(err)
	}
}

// TestReadPartNumber reads parts of multipart objects, completed through
// the gateway or out of band, and of a single-part object, by GET and
// HEAD with partNumber.
func TestReadPartNumber(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	big := strings.Repeat("a", 5<<20)
	uploadParts(t, e.s3, "data", "mp", big, strings.Repeat("b", 5<<20), "tail")
	uploadParts(t, e.direct, "ring", "oob", big, "end")
	e.put("data", "one", "12345")
	if v, err := e.db.Latest("data", "mp"); err != nil || !slices.Equal(v.Parts, []int64{5 << 20, 5 << 20, 4}) {
		t.Errorf("indexed parts of an upload completed through the gateway: %v, %v", v.Parts, err)
	}
	tests := []struct {
		key       string
		part      int32
		wantRange string
		wantCount int32
		wantBody  string
		wantCode  string
	}{
		{"mp", 1, "bytes 0-5242879/10485764", 3, big, ""},
		{"mp", 3, "bytes 10485760-10485763/10485764", 3, "tail", ""},
		{"mp", 4, "", 0, "", "InvalidPartNumber"},
		{"oob", 2, "bytes 5242880-5242882/5242883", 2, "end", ""},
		{"oob", 3, "", 0, "", "InvalidPartNumber"},
		{"one", 1, "bytes 0-4/5", 0, "12345", ""},
		{"one", 2, "", 0, "", "InvalidPartNumber"},
	}
	ctx := context.Background()
	for _, tt := range tests {
		get, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String(tt.key), PartNumber: aws.Int32(tt.part)})
		head, herr := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String(tt.key), PartNumber: aws.Int32(tt.part)})
		if tt.wantCode != "" {
			wantS3Code(t, err, tt.wantCode)
			if httpStatusOf(herr) != 416 {
				t.Errorf("HEAD %s part %d: %v, want 416", tt.key, tt.part, herr)
			}
			continue
		}
		if err != nil || herr != nil {
			t.Fatalf("%s part %d: GET %v, HEAD %v", tt.key, tt.part, err, herr)
		}
		body, _ := io.ReadAll(get.Body)
		get.Body.Close()
		for _, got := range []struct {
			op     string
			rng    string
			count  int32
			length int64
		}{
			{"GET", aws.ToString(get.ContentRange), aws.ToInt32(get.PartsCount), aws.ToInt64(get.ContentLength)},
			{"HEAD", aws.ToString(head.ContentRange), aws.ToInt32(head.PartsCount), aws.ToInt64(head.ContentLength)},
		} {
			if got.rng != tt.wantRange || got.count != tt.wantCount || got.length != int64(len(tt.wantBody)) {
				t.Errorf("%s %s part %d: range %q, parts count %d, length %d; want %q, %d, %d", got.op, tt.key, tt.part,
					got.rng, got.count, got.length, tt.wantRange, tt.wantCount, len(tt.wantBody))
			}
		}
		if string(body) != tt.wantBody {
			t.Errorf("GET %s part %d: %d bytes, want %d", tt.key, tt.part, len(body), len(tt.wantBody))
		}
	}
	// A read of one part asks the backend for that part alone;
	// GetObjectAttributes learns them all, and the index keeps them.
	if v, err := e.db.Latest("data", "oob"); err != nil || v.Parts != nil {
		t.Errorf("parts of an object written out of band after part reads: %v, %v", v.Parts, err)
	}
	attrs, err := e.s3.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("data"), Key: aws.String("oob"),
		ObjectAttributes: []s3types.ObjectAttributes{s3types.ObjectAttributesObjectParts}})
	if err != nil || attrs.ObjectParts == nil || len(attrs.ObjectParts.Parts) != 2 || aws.ToInt64(attrs.ObjectParts.Parts[1].Size) != 3 {
		t.Fatalf("parts of an object written out of band: %+v, %v", attrs, err)
	}
	if v, err := e.db.Latest("data", "oob"); err != nil || !slices.Equal(v.Parts, []int64{5 << 20, 3}) {
		t.Errorf("parts learned for an object written out of band: %v, %v", v.Parts, err)
	}
	_, err = e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String("mp"), PartNumber: aws.Int32(1), Range: aws.String("bytes=0-1")})
	wantS3Code(t, err, "InvalidRequest")
}

func TestPartsPage(t *testing.T) {
	parts := []int64{10, 20, 30}
	tests := []struct {
		marker, max   int
		wantNumbers   []int
		wantTruncated bool
		wantNext      int
	}{
		{0, 1000, []int{1, 2, 3}, false, 0},
		{0, 2, []int{1, 2}, true, 2},
		{2, 2, []int{3}, false, 0},
		{3, 2, nil, false, 0},
		{0, 0, nil, true, 0},
	}
	for _, tt := range tests {
		got := partsPage(parts, tt.marker, tt.max)
		var numbers []int
		for _, p := range got.Parts {
			numbers = append(numbers, p.PartNumber)
			if p.Size != parts[p.PartNumber-1] {
				t.Errorf("part %d size %d", p.PartNumber, p.Size)
			}
		}
		if !slices.Equal(numbers, tt.wantNumbers) || got.IsTruncated != tt.wantTruncated || got.NextPartNumberMarker != tt.wantNext || got.PartsCount != 3 {
			t.Errorf("partsPage(marker %d, max %d) = %+v; want parts %v, truncated %v, next %d", tt.marker, tt.max, got, tt.wantNumbers, tt.wantTruncated, tt.wantNext)
		}
	}
}

// GetObjectAttributes pages the parts of a multipart object as S3 does,
// and shows none for a single-part object.
func TestAttributesObjectParts(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	uploadParts(t, e.s3, "data", "mp", strings.Repeat("a", 5<<20), strings.Repeat("b", 5<<20), "tail")
	e.put("data", "one", "12345")
	ctx := context.Background()
	attrs := func(key string, max, marker int32) *s3.GetObjectAttributesOutput {
		t.Helper()
		in := &s3.GetObjectAttributesInput{Bucket: aws.String("data"), Key: aws.String(key),
			ObjectAttributes: []s3types.ObjectAttributes{s3types.ObjectAttributesObjectParts, s3types.ObjectAttributesObjectSize}}
		if max > 0 {
			in.MaxParts = aws.Int32(max)
		}
		if marker > 0 {
			in.PartNumberMarker = aws.String(strconv.Itoa(int(marker)))
		}
		out, err := e.s3.GetObjectAttributes(ctx, in)
		if err != nil {
			t.Fatalf("GetObjectAttributes %s: %v", key, err)
		}
		return out
	}
	first := attrs("mp", 2, 0).ObjectParts
	if first == nil || aws.ToInt32(first.TotalPartsCount) != 3 || !aws.ToBool(first.IsTruncated) || len(first.Parts) != 2 ||
		aws.ToString(first.NextPartNumberMarker) != "2" || aws.ToInt64(first.Parts[1].Size) != 5<<20 {
		t.Fatalf("first page of parts: %+v", first)
	}
	rest := attrs("mp", 2, 2).ObjectParts
	if rest == nil || aws.ToBool(rest.IsTruncated) || len(rest.Parts) != 1 ||
		aws.ToInt32(rest.Parts[0].PartNumber) != 3 || aws.ToInt64(rest.Parts[0].Size) != 4 {
		t.Fatalf("last page of parts: %+v", rest)
	}
	if one := attrs("one", 0, 0); one.ObjectParts != nil || aws.ToInt64(one.ObjectSize) != 5 {
		t.Errorf("single-part object: parts %+v, size %d", one.ObjectParts, aws.ToInt64(one.ObjectSize))
	}
}
