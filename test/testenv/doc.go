// Package testenv owns what ringside's process-level test suites (test/e2e,
// test/fault, test/feeds, test/deploy, test/bench) share to run real
// processes: the ringside binary built from this checkout, MinIO servers
// on free loopback ports, `ringside serve` processes waited on until ready,
// child processes whose output is kept, and the S3 clients the tests talk
// to them with. Each suite keeps its own keys, flags and environment at
// its call sites.
package testenv
