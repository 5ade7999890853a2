// Package s3err owns ringside's S3 error vocabulary: one Error type, one
// table of the codes ringside answers with (code, HTTP status, default
// message), and one writer of S3's XML error document. Every refusal a
// client, the admin API or the CLI sees is built here, so that a code has
// one status and one wording wherever it is raised.
package s3err
