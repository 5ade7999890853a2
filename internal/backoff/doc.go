// Package backoff owns the spacing of retries shared by the change feeds'
// reconnections and the mirror's failed passes: exponential, capped and
// jittered, and a sleep that ends with its context.
package backoff
