package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// A large body is read from the client and written to the backend in
// overlapping chunks; a body that does not match its signed payload hash
// must still never reach the backend as an object, wherever it differs.
func TestLargePutWithWrongPayloadHashStoresNothing(t *testing.T) {
	e := newS3Env(t)
	e.createBucket("data", "ring")
	body := make([]byte, 3<<20+17)
	if _, err := rand.Read(body); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		signed   func([]byte) []byte // the body whose hash is signed
		wantCode string
	}{
		{name: "matching", signed: func(b []byte) []byte { return b }},
		{name: "last byte differs", signed: flipAt(len(body) - 1), wantCode: "XAmzContentSHA256Mismatch"},
		{name: "first byte differs", signed: flipAt(0), wantCode: "XAmzContentSHA256Mismatch"},
		{name: "middle byte differs", signed: flipAt(len(body) / 2), wantCode: "XAmzContentSHA256Mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "large/" + strings.ReplaceAll(tc.name, " ", "-")
			resp, answer := e.putSignedAs(key, body, tc.signed(bytes.Clone(body)))
			if tc.wantCode == "" {
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d: %s", resp.StatusCode, answer)
				}
				_, got, err := e.directGet("ring", key)
				if err != nil || got != string(body) {
					t.Fatalf("the backend holds %d bytes (error %v), not the %d sent", len(got), err, len(body))
				}
				return
			}
			if resp.StatusCode != http.StatusBadRequest || documentCode(answer) != tc.wantCode {
				t.Fatalf("status %d, code %q, want 400 %s", resp.StatusCode, documentCode(answer), tc.wantCode)
			}
			out, err := e.direct.ListObjectVersions(context.Background(), &s3.ListObjectVersionsInput{
				Bucket: aws.String("ring"), Prefix: aws.String(key),
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Versions)+len(out.DeleteMarkers) != 0 {
				t.Fatalf("the backend holds %d versions of %s", len(out.Versions), key)
			}
		})
	}
}

// flipAt changes the byte at i of a body.
func flipAt(i int) func([]byte) []byte {
	return func(b []byte) []byte {
		b[i] ^= 0xff
		return b
	}
}

// putSignedAs sends body to key in bucket data (on location ring), signed with the payload
// hash of signed, and returns the answer with its body read.
func (e *s3Env) putSignedAs(key string, body, signed []byte) (*http.Response, string) {
	e.t.Helper()
	return e.sendSigned(http.MethodPut, "/data/"+key, body, signed, nil)
}
