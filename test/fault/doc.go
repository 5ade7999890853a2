// Package fault holds ringside's fault suite: the real `ringside serve`
// binary in front of a MinIO server of each test's own, which the tests
// hurt as an operator's bad day would. The gateway is killed with SIGKILL
// under verified load; the backend is frozen (SIGSTOP) and killed for
// longer than the gateway's deadlines; clients dribble headers
// (slowloris). Every test checks that nothing acknowledged is lost, that
// no client waits past the deadlines, and that the gateway recovers by
// itself; the figures an operator wants (requests' longest wait, time to
// fail fast, time to recover) are logged.
//
// `make fault` runs the short version (a few minutes on two cores);
// RINGSIDE_FAULT_LONG=1 runs the long one. MinIO comes from test/deps.sh
// (.tools/minio) or RINGSIDE_MINIO.
package fault
