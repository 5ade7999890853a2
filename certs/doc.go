// Package certs owns ringside's TLS: loading a certificate and key and
// reloading them when the files change, generating a self-signed pair under
// the data directory, and the trust used for backend endpoints.
package certs
