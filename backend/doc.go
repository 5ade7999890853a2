// Package backend owns ringside's conversation with the S3 server that
// really stores the data (an S3 Connector on a RING, MinIO, or the embedded
// fake): one Client per location, streaming bodies, the backend's own
// VersionIds and ETags passed back, and version listings read in the order
// the server sends them. It also owns what happens when that server fails
// to answer: every call is bounded (Timeouts), a call without an answer
// wraps ErrUnavailable while an answer is an *Error, and each location's
// breaker fails calls fast while its backend is down (Health, Monitor).
package backend
