// Package sigv4 owns the AWS Signature Version 4 primitives that both ends
// of ringside use: the verifier of client requests (gateway/s3auth) and the
// signer of ringside's own requests to the backend (backend). One
// derivation of the signing key, one signature, one URI encoding, so that
// what ringside signs and what it verifies cannot drift apart.
package sigv4
