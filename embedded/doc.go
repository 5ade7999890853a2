// Package embedded owns the in-process S3 server that `ringside demo` runs as
// its backend and that the tests use as a fast fake: versioned buckets held
// in memory, SigV4-checked keys, on a real TCP listener so that users and
// tools can write to it directly.
package embedded
