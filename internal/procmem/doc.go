// Package procmem reads what a process holds in memory from /proc: its
// resident file pages split by what they map (the index's tables and
// logs, the binary). The benchmarks use it to tell memory ringside needs
// from page cache the kernel takes back.
package procmem
