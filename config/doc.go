// Package config owns ringside's configuration file: a YAML file that
// declares the server's settings, its locations and its buckets, with
// ${VAR} references to the environment and *File fields that read a
// secret from a file. It parses and validates the file (Load, and Check
// for `ringside config check`), and converges a catalog to it (Apply):
// what the file declares is added or updated, through the same catalog
// calls, checks and refusals as the CLI and the admin API; nothing is
// removed unless the file asks for it with prune, and then only what
// the catalog would remove on its own (a location no bucket uses, an
// empty bucket).
package config
