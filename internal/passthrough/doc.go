// Package passthrough owns the one way ringside wraps an
// http.ResponseWriter to watch or hold back a response (the metrics'
// recorder, the authenticator's guard) while keeping the fast paths of the
// writer it wraps: ReadFrom, so that a backend body can be spliced to the
// client's connection, Flush, and Unwrap for http.ResponseController.
package passthrough
