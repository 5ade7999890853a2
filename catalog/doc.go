// Package catalog owns ringside's locations and buckets: where each
// location's backend bucket is and how to reach it, which gateway bucket
// is bound to which location, the rules that protect data when binding
// them (a mirror bucket needs a versioned no-prefix location; a no-prefix
// location holds one bucket), the validation of names and endpoints, one
// backend client per location, and Resolve, which every request and the
// ingester use to find a bucket's backend target.
//
// It speaks no HTTP: its refusals are *s3err.Error values that the S3
// front end and the admin API relay as they are.
package catalog
