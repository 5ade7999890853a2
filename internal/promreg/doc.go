// Package promreg owns registering a Prometheus collector on a registry
// that may already hold one of the same description, as when two
// components of one kind (two managers, two monitors) share a registry
// and so share the series.
package promreg
