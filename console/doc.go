// Package console owns ringside's web console: the flow of the product
// documents (Storage Locations, Add New, the browser's Create Bucket with
// its "(Mirror mode)" entries, the objects, the mirror's progress) served
// as HTML from the admin listener under /console/. Pages are rendered on
// the server with html/template and work as plain links and forms; the
// embedded script only validates names as they are typed, shows the
// no-prefix warning, reports upload progress and polls the mirror status.
//
// It owns the console's sign-in (the admin token, traded for a
// server-side session in an HttpOnly, SameSite=Strict cookie), its CSRF
// tokens, and its security headers. It changes locations and buckets only
// through the catalog, mirroring only through the ingester, and objects
// only through the S3 front end's own handler, in process, so that every
// write takes the gateway's path to the backend and the index. It never
// renders a secret key.
package console
