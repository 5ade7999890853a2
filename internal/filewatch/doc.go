// Package filewatch owns the watching of the files ringside reloads while
// it runs (the credentials file, the TLS certificate and key): one poller
// that notices when a file's size or modification time changes, for every
// component that reloads a file.
package filewatch
