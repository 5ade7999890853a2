// Package s3auth owns the authentication of S3 requests: SigV4 signatures
// (Authorization header, presigned URLs, streaming aws-chunked bodies with
// their chunk signatures and trailers), the verification of payload hashes,
// Content-MD5 and x-amz-checksum-* against the bytes received, and the
// credentials with their reload from a file.
//
// The gateway puts Middleware in front of its handlers: a request that
// reaches them is signed by a known key, and its body is decoded and
// verified as it streams (a body that turns out not to match is refused in
// place of the handler's answer).
package s3auth
