//go:build ignore

// record captures the raw requests real S3 clients send, for the replay
// test (clients_test.go). It listens on 127.0.0.1, terminates TLS if asked,
// writes every byte each client connection sends to <out>/conn-NNN.raw, and
// forwards the connection to gofakes3 so the clients get real answers.
//
//	go run record.go -out DIR [-tls-dir DIR] -addr-file FILE
//
// record.sh drives the clients.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"

	"github.com/rclone/gofakes3"
	"github.com/rclone/gofakes3/s3mem"

	"github.com/ringside/ringside/certs"
)

func main() {
	out := flag.String("out", "", "directory for the recordings")
	tlsDir := flag.String("tls-dir", "", "if set, terminate TLS with a self-signed certificate kept in this directory")
	addrFile := flag.String("addr-file", "", "file to write the listening address to")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}

	backend := &http.Server{Handler: fixContentLength(gofakes3.New(s3mem.New(), gofakes3.WithAutoBucket(true)).Server())}
	bl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go backend.Serve(bl)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	if *tlsDir != "" {
		src, _, err := certs.SelfSigned(*tlsDir, []string{"127.0.0.1", "localhost"})
		if err != nil {
			log.Fatal(err)
		}
		ln = tls.NewListener(ln, src.TLSConfig())
	}
	if err := os.WriteFile(*addrFile, []byte(ln.Addr().String()), 0o644); err != nil {
		log.Fatal(err)
	}
	var n atomic.Int64
	for {
		conn, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go record(conn, bl.Addr().String(), filepath.Join(*out, fmt.Sprintf("conn-%03d.raw", n.Add(1))))
	}
}

// record copies one client connection to the backend, keeping what the
// client sent.
func record(client net.Conn, backend, file string) {
	defer client.Close()
	f, err := os.Create(file)
	if err != nil {
		log.Print(err)
		return
	}
	defer f.Close()
	up, err := net.Dial("tcp", backend)
	if err != nil {
		log.Print(err)
		return
	}
	defer up.Close()
	go io.Copy(client, up)
	io.Copy(up, io.TeeReader(client, f))
}

// fixContentLength works around gofakes3 v0.0.12 refusing an aws-chunked
// UploadPart without Content-Length, so botocore's uploads complete.
func fixContentLength(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d := r.Header.Get("X-Amz-Decoded-Content-Length"); d != "" && r.Header.Get("Content-Length") == "" {
			r.Header.Set("Content-Length", d)
			r.ContentLength, _ = strconv.ParseInt(d, 10, 64)
		}
		next.ServeHTTP(w, r)
	})
}
