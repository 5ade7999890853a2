// Package admin owns ringside's admin API: JSON over HTTP on its own
// listener, for the ringside CLI and for operators. It holds the server
// (locations and buckets through the catalog, mirror status and controls
// through the ingester, /metrics, /healthz, /readyz and pprof), its Go
// client, and the wire types they share. No wire type the API answers
// with carries a secret: a location shows its access key and a mask.
package admin
