// Package deploy checks the files under deploy/ and the Dockerfile against
// the ringside binary they run: every flag and RINGSIDE_* variable they
// use must exist in the built binary, the Kubernetes manifests must parse
// and hang together (probes on the admin port, secrets and volumes that
// exist), the systemd unit must pass systemd-analyze, and the Prometheus
// alert rules must pass promtool and name only metrics ringside exports.
//
// systemd-analyze and promtool come from Debian packages test/deps.sh
// installs; where one is missing the check is skipped, except under CI
// (CI=true), where a missing tool fails the test.
package deploy
