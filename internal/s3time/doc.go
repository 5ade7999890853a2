// Package s3time reads and writes the forms time takes on S3's wire: the
// ISO 8601 time of XML documents (2006-01-02T15:04:05.000Z), the HTTP
// date of Last-Modified, and SigV4's X-Amz-Date and credential scope day.
//
// Every request and every listing entry carries one or more of them, and
// the time package's general layouts cost a microsecond or so each: a few
// percent of a HEAD answered from the index. Each form is read and written
// here in its fixed layout; whatever the fast path does not recognise is
// left to the time package, so that the results are exactly its own.
package s3time
