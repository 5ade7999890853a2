// Package console holds the web console's browser tests: the documented
// flow (Storage Locations, Add New, Create Bucket in "(Mirror mode)", the
// objects of the S3 Connector bucket appearing in the browser, uploads
// and downloads) driven in headless Chromium against the ringside binary
// and an embedded versioned backend. Each step leaves a screenshot; set
// RINGSIDE_SCREENSHOTS=DIR to keep them (docs/console holds the README's).
package console
