package backend

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"testing"
)

// cannedHEAD is a MinIO answer to a versioned HEAD.
const cannedHEAD = "HTTP/1.1 200 OK\r\nAccept-Ranges: bytes\r\nContent-Length: 4096\r\nContent-Type: application/octet-stream\r\n" +
	"ETag: \"764efa883dda1e11db47671c4a3bbd9e\"\r\nLast-Modified: Sun, 06 Dec 2026 05:13:37 GMT\r\nServer: MinIO\r\n" +
	"Strict-Transport-Security: max-age=31536000; includeSubDomains\r\nVary: Origin\r\nVary: Accept-Encoding\r\n" +
	"X-Amz-Id-2: dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8\r\nX-Amz-Meta-Bench: k0000001\r\n" +
	"X-Amz-Request-Id: 18EE922C544FEE16\r\nX-Amz-Version-Id: 6b537e52-7aec-48a3-8471-d6af4b9ead6d\r\n" +
	"X-Content-Type-Options: nosniff\r\nX-Xss-Protection: 1; mode=block\r\nDate: Sun, 06 Dec 2026 05:20:00 GMT\r\n\r\n"

// cannedServer answers every request on a loopback listener with
// cannedHEAD, allocating next to nothing, so that a benchmark's
// allocations are the client's.
func cannedServer(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadSlice('\n')
					if err != nil {
						return
					}
					if len(bytes.TrimSpace(line)) == 0 {
						if _, err := c.Write([]byte(cannedHEAD)); err != nil {
							return
						}
					}
				}
			}()
		}
	}()
	return "http://" + l.Addr().String()
}

// BenchmarkHeadObject is the backend client's CPU and allocations per
// versioned HEAD, the metadata sweep's unit of work.
func BenchmarkHeadObject(b *testing.B) {
	c, err := New(Config{Endpoint: cannedServer(b), AccessKey: testAccessKey, SecretKey: testSecretKey, Bucket: testBucket})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		o, err := c.HeadObject(ctx, "dir001/key0000001", "6b537e52-7aec-48a3-8471-d6af4b9ead6d")
		if err != nil || o.Metadata["X-Amz-Meta-Bench"] != "k0000001" {
			b.Fatal(o, err)
		}
	}
}
